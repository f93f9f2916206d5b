"""How an import has Python's cyclic garbage collector work (docs/decisions.md,
"An import's CPU per row").

An import allocates millions of small objects that live until their batch is
committed (commands, events, their dicts), and almost none of them is in a
reference cycle: reference counting frees them. With the collector's default
thresholds it ran some 2,700 collections over a 50,000-row import, the oldest
generation's walking the whole heap (the ledger's modules, pydantic's schemas, the
batch) twenty times: a seventh of the import's CPU, finding next to nothing.
While an import runs, what the process held before it is set aside (`gc.freeze`:
never walked, and nothing of it is garbage) and the youngest generation is
collected every 10,000 allocations instead of 700, the middle one every 50 of
those instead of 10. Cycles are still collected, later; the batch bounds the
memory either way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between collections of the youngest generation, and collections of
# one generation between collections of the next (the defaults: 700, 10, 10).
IMPORT_THRESHOLDS = (10_000, 50, 10)


@contextmanager
def bulk_collection() -> Iterator[None]:
    """The collector as an import wants it (see the module), as it was afterwards."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*IMPORT_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
