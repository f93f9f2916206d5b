"""What the views hold, for comparing a caught-up ledger with a rebuilt one."""

from __future__ import annotations

from typing import Any

from projections.views import Views


def view_rows(views: Views) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view's tables, in a stable order."""
    with views.store.reading() as tx:
        return {
            table: sorted(tx.fetchall(f"SELECT * FROM {table}"), key=repr)
            for projection in views.projections
            for table in projection.tables
        }
