"""An import tunes Python's garbage collector while it runs, and leaves it as it
found it (ledger/imports/collector.py)."""

from __future__ import annotations

import gc

import pytest

from ledger.imports.collector import IMPORT_THRESHOLDS, bulk_collection


def test_the_collector_is_tuned_for_the_import_and_given_back_as_it_was() -> None:
    before = gc.get_threshold()

    with bulk_collection():
        assert gc.get_threshold() == IMPORT_THRESHOLDS
        assert gc.get_freeze_count() > 0  # what the process held is set aside

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_an_import_that_fails_gives_the_collector_back_too() -> None:
    before = gc.get_threshold()

    with pytest.raises(RuntimeError), bulk_collection():
        raise RuntimeError("the import failed")

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_an_import_are_still_collected() -> None:
    class Node:
        partner: object = None

    with bulk_collection():
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        del first, second
        assert gc.collect() >= 2
