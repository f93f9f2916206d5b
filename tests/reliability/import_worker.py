"""`ledger import` in a process of its own, committing a few customers per batch
and pausing a moment after each commit, so that a test can kill it (SIGKILL) at
chosen points: between commits, before the first, after the last (while the
views catch up). Its views are caught up by a follower process however small
the files, as a large import's are, so a kill leaves that process behind too."""

from __future__ import annotations

import sys
import time
from typing import Any

from ledger.application import Ledger
from ledger.imports import run


def main(argv: list[str]) -> None:
    run.BATCH_CUSTOMERS = 3
    commit = Ledger.commit_batch

    def commit_then_pause(self: Ledger, batch: Any, **options: Any) -> int:
        written = commit(self, batch, **options)
        time.sleep(0.02)
        return written

    Ledger.commit_batch = commit_then_pause  # type: ignore[method-assign,assignment]
    from cli import ledger
    from commands import importing

    importing.FOLLOW_FROM_BYTES = 0

    ledger.main(args=argv, prog_name="ledger")


if __name__ == "__main__":
    main(sys.argv[1:])
