"""The commit turn an import's processes share on SQLite (ledger/imports/workers.py):
a process killed while it holds the turn must not keep the others waiting for ever;
the importing process gives the turn back for it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from typing import Any

from ledger.imports.workers import CommitTurn


def _hold(turn: CommitTurn, held: Any) -> None:  # pragma: no cover (a child process)
    with turn:
        held.set()
        time.sleep(600)


def holding(turn: CommitTurn, context: Any) -> Any:
    """A process that takes the turn and keeps it."""
    held = context.Event()
    process = context.Process(target=_hold, args=(turn, held), daemon=True)
    process.start()
    assert held.wait(30)
    return process


def can_take(turn: CommitTurn, seconds: float) -> bool:
    if turn.lock.acquire(timeout=seconds):
        turn.lock.release()
        return True
    return False


def test_a_turn_held_by_a_process_killed_with_sigkill_is_given_back() -> None:
    context = multiprocessing.get_context("spawn")
    turn = CommitTurn(context)
    process = holding(turn, context)
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    assert not can_take(turn, 0.2)  # the dead keep it

    turn.rescue({process.pid})

    assert can_take(turn, 5)
    assert not turn.given_up.is_set()


def test_a_turn_held_by_a_live_process_is_not_taken_from_it() -> None:
    context = multiprocessing.get_context("spawn")
    turn = CommitTurn(context)
    process = holding(turn, context)
    try:
        turn.rescue({process.pid + 100_000})  # some other process died

        assert not can_take(turn, 0.2)
    finally:
        process.kill()
        process.join()
