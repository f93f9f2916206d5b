"""How many processes a rebuild (or an import) may be split over. Kept apart from
`projections/parallel.py` so that the command line can state the limit in its
options without importing the rebuild's machinery (`ledger projections --help`
stays instant)."""

import os

# Each worker is an interpreter holding its share of the views; past the cores
# more of them only compete for the same CPU and memory (and for SQLite's one
# writer).
MOST_WORKERS = 32


def usable_cores() -> int:
    """The cores this process may run on (all of the machine's where the system
    cannot say, as on macOS)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else max(1, os.cpu_count() or 1)
