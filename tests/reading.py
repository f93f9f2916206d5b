"""Reading the views in tests: through the read service as an executive of
tests/staffing (who sees every customer), or straight from the views' tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ledger.access import EXECUTIVE, Caller
from projections.reader import Reader
from projections.store import Transaction
from projections.views import Views
from tests.staffing import EXECUTIVES


def reader(views: Views, staff_id: str = EXECUTIVES[0]) -> Reader:
    """The read service for an executive, who may read every customer."""
    return Reader.for_caller(views, Caller(staff_id, EXECUTIVE, None))


@contextmanager
def caught_up(views: Views, *names: str) -> Iterator[Transaction]:
    """A transaction on the views `names`, caught up first."""
    views.catch_up(list(names))
    with views.store.transaction() as tx:
        yield tx
