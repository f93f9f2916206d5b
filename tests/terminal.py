"""A pseudo-terminal for tests of what a command draws on a terminal."""

from __future__ import annotations

import os


def read_until_closed(terminal: int, chunks: list[bytes]) -> None:
    """What a terminal shows, until the last process writing to it is gone."""
    try:
        while chunk := os.read(terminal, 65536):
            chunks.append(chunk)
    except OSError:  # Linux reports the closed far end as an I/O error
        pass
    finally:
        os.close(terminal)
