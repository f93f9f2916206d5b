"""The messages between `ledger` and its server (commands/client.py), and what the
server does around the imports (commands/server.py), without starting one."""

from __future__ import annotations

import socket
from pathlib import Path

from commands import client
from commands.server import Server


def test_a_message_waiting_behind_another_is_read_next() -> None:
    # A command that ends before its client has read "started" leaves both messages
    # in the socket at once: the exit status must not be lost with the first read.
    ours, theirs = socket.socketpair()
    with ours, theirs:
        client.send_message(theirs, {"started": 42})
        client.send_message(theirs, {"exit": 3})
        theirs.close()

        assert client.receive_message(ours) == {"started": 42}
        assert client.receive_message(ours) == {"exit": 3}
        assert client.receive_message(ours) is None


def test_a_message_read_in_part_already_is_completed() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        client.send_message(theirs, {"run": ["todo"], "environ": {"X": "x" * 200_000}})
        first = ours.recv(10)

        assert client.receive_message(ours, first) == {
            "run": ["todo"],
            "environ": {"X": "x" * 200_000},
        }


def _watched(folder: Path) -> list[str]:
    module = folder / "module.py"
    module.write_text("A = 1\n")
    return [str(folder), str(module)]


def test_bytecode_written_by_the_imports_is_not_a_change_of_code(tmp_path: Path) -> None:
    server = Server(str(tmp_path / "s.sock"), 1, _watched(tmp_path))
    (tmp_path / "__pycache__").mkdir()  # as importing module.py does
    server.imported()

    assert server._status()["code_current"] is True


def test_a_source_edited_while_the_server_imported_is_still_a_change(tmp_path: Path) -> None:
    watched = _watched(tmp_path)
    server = Server(str(tmp_path / "s.sock"), 1, watched)
    Path(watched[1]).write_text("A = 22\n")
    server.imported()

    assert server._status()["code_current"] is False
