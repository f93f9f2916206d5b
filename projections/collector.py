"""Pausing Python's cyclic garbage collector while a replay holds the views' rows
(a catch-up in this process, or a part of a parallel rebuild in a worker)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """A replay holds every view's rows in memory, a heap of dicts and lists that
    grows by a million objects per 100,000 events, and makes almost no cyclic
    garbage (about a thousand objects in 300,000 events): reference counting frees
    the rest. The cyclic collector would only walk that heap again and again; so
    it is paused for the replay (in this whole process), and resumed after if it
    was running. Freezing the held objects after each batch (`gc.freeze`) instead
    still spent a sixth of a rebuild in collections: each batch's new objects were
    walked by frequent full collections."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
