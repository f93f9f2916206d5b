"""The messages between `ledger` and its server (commands/client.py), and what the
server does around the imports (commands/server.py), without starting one."""

from __future__ import annotations

import socket

from commands import client


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
