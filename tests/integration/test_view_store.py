"""The view store writes new rows in bulk exactly as given, whatever they hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.storage import Storage, resolve
from projections.store import ViewStore

TABLE = (
    "CREATE TABLE bulk (key TEXT NOT NULL, small INTEGER, big BIGINT NOT NULL, "
    "share DOUBLE PRECISION, doc TEXT)"
)
COLUMNS = ("key", "small", "big", "share", "doc")
# Text that a text-format COPY has to escape, numbers at the edges of their
# columns' types, and missing values.
ROWS = [
    ("tab\there", 1, 2**40, 0.25, '{"quote": "a\\"b", "line": "1\\n2"}'),
    ("back\\slash", -(2**31), 0, None, "客户\r\n第二行"),
    ("plain", None, -(2**63), 1e-9, None),
    ("", 2**31 - 1, 7, -3.5, "\\N"),
]


def opened(storage: Storage) -> Iterator[ViewStore]:
    store = ViewStore(storage)
    with store.transaction() as tx:
        tx.execute(TABLE)
    yield store
    store.close()


@pytest.fixture
def store(storage: Storage) -> Iterator[ViewStore]:
    yield from opened(storage)


@pytest.fixture
def postgres_store(postgres_schema_url: str) -> Iterator[ViewStore]:
    yield from opened(resolve(postgres_schema_url, environ={}))


def stored(store: ViewStore) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        rows = tx.fetchall(f"SELECT {', '.join(COLUMNS)} FROM bulk")
    return sorted((tuple(row) for row in rows), key=str)


def test_new_rows_inserted_in_bulk_read_back_as_given(store: ViewStore) -> None:
    with store.transaction() as tx:
        tx.insert_new("bulk", COLUMNS, ROWS)

    assert stored(store) == sorted(ROWS, key=str)


@pytest.mark.postgres
def test_rows_formatted_in_one_transaction_are_written_by_another_as_given(
    postgres_store: ViewStore,
) -> None:
    # A rebuild's worker formats its rows (`copy_rows`); the rebuilding process
    # writes the bytes (`copy_data`), here in another column order than the table's.
    order = ("doc", "big", "key", "share", "small")
    reordered = [tuple(row[COLUMNS.index(column)] for column in order) for row in ROWS]
    with postgres_store.reading() as tx:
        data = tx.copy_rows("bulk", order, reordered)

    with postgres_store.transaction() as tx:
        tx.copy_data("bulk", order, data)

    assert stored(postgres_store) == sorted(ROWS, key=str)
