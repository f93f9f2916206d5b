"""The views' tables are created once for each version of the views' code, not by
every process: a row in `view_schema` says which code created them
(docs/decisions.md, "Start-up: a process imports what it uses")."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.storage import Storage
from projections.store import Transaction, schema_stamp
from projections.views import Views


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the views' store runs from now on."""
    ran: list[str] = []
    execute = Transaction.execute

    def recording(self: Transaction, statement: str, params: Sequence[Any] = ()) -> None:
        ran.append(statement)
        execute(self, statement, params)

    monkeypatch.setattr(Transaction, "execute", recording)
    yield ran


def table_exists(views: Views, table: str) -> bool:
    with views.store.transaction() as tx:
        if tx.postgres:
            found = tx.fetchone("SELECT to_regclass(?) IS NOT NULL", (table,))
            return bool(found and found[0])
        return tx.fetchone("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)) is not None


def test_a_process_after_the_first_creates_no_table(
    ledger_app: Ledger, storage: Storage, statements: list[str]
) -> None:
    first = Views(ledger_app, storage)
    first.catch_up(["customer360"])
    first.close()
    created_first = [s for s in statements if s.lstrip().upper().startswith("CREATE")]
    statements.clear()

    later = Views(ledger_app, storage)
    later.catch_up(["customer360"])
    later.close()

    assert created_first != []
    assert [s for s in statements if s.lstrip().upper().startswith("CREATE")] == []


def test_every_view_is_created_again_when_the_views_code_changed(
    ledger_app: Ledger, storage: Storage
) -> None:
    """A catch-up of one view finds the tables of another gone and the stamp of
    other code: it creates every view's tables, as a newer version may have added one."""
    first = Views(ledger_app, storage)
    first.catch_up(["customer360"])
    with first.store.transaction() as tx:
        tx.execute("DROP TABLE view_reads")
        tx.execute("UPDATE view_schema SET stamp = 'other code'")
    first.close()

    views = Views(ledger_app, storage)
    views.catch_up(["customer360"])

    assert table_exists(views, "view_reads")
    with views.store.transaction() as tx:
        assert tx.fetchall("SELECT stamp FROM view_schema") == [(schema_stamp(),)]
    views.close()
