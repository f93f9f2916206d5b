"""The messages between `ledger` and its server (commands/client.py), and what the
server does around the imports (commands/server.py), without starting one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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


# Prints the shape of this interpreter's standard streams and of those a command's
# process makes from this process's request, then what the made stdin reads.
_PROBE = """
import json, sys
from commands.client import _request
from commands.server_child import _stream

def shape(stream):
    return [stream.encoding, stream.errors, stream.line_buffering, stream.write_through,
            type(stream.buffer).__name__, stream.name]

made = [_stream(fd, setting) for fd, setting in enumerate(_request([], [0, 1, 2])["streams"])]
own = [shape(stream) for stream in (sys.stdin, sys.stdout, sys.stderr)]
print(json.dumps([own, [shape(stream) for stream in made], made[0].read()]), file=sys.stderr)
"""


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED"])
def test_a_command_gets_standard_streams_made_as_its_client_has_them(unbuffered: str) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED=unbuffered, PYTHONIOENCODING="latin-1:replace")
    probed = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=b"one\r\ntwo\rthree\n",
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    own, made, read = json.loads(probed.stderr)

    assert made == own
    assert read == "one\r\ntwo\rthree\n"  # newlines as they came, as sys.stdin reads them


def test_python_and_python3_of_one_environment_share_a_server() -> None:
    folder = Path(sys.executable).parent
    names = [name for name in ("python", "python3") if (folder / name).exists()]
    if len(names) < 2:
        pytest.skip("this interpreter has no second name beside it")
    paths = {
        subprocess.run(
            [
                str(folder / name),
                "-c",
                "from commands.client import socket_path; print(socket_path())",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for name in names
    }

    assert len(paths) == 1
