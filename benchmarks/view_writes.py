"""The writes a catch-up makes to the views, recorded and made again alone: the
floor under any catch-up that keeps these views' rows (SQLite).

A catch-up reads and decodes its events (what the raw-rate baseline does), works
out what changes in each view (Python), and writes the rows that changed. The
first and the last it cannot skip, whatever its Python costs: `recorded_writes`
notes every statement the views' transactions run, transaction by transaction,
and `make_again` runs just those statements, in the same transactions, on views
put back where they were. The raw read's time divided by (the raw read's + the
writes') is then the best rate any catch-up writing these rows could reach
against the raw rate (`benchmarks/catchup_pairs.py --floor`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from projections.store import Transaction, ViewStore


@dataclass
class Recorded:
    """Each transaction's statements, in order: (many, sql, params or rows)."""

    transactions: list[list[tuple[bool, str, Any]]] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return sum(len(t) for t in self.transactions)


@contextmanager
def recorded_writes() -> Iterator[Recorded]:
    """While open, every statement a view transaction runs through `execute` or
    `executemany` is noted (reads go through `fetchall`/`fetchone` and are not)."""
    recorded = Recorded()
    execute, executemany, init = (
        Transaction.execute,
        Transaction.executemany,
        Transaction.__init__,
    )
    current: dict[int, list[tuple[bool, str, Any]]] = {}

    def noting_init(self: Transaction, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        statements: list[tuple[bool, str, Any]] = []
        current[id(self)] = statements
        recorded.transactions.append(statements)

    def noting_execute(self: Transaction, statement: str, params: Any = ()) -> None:
        current[id(self)].append((False, self._sql(statement), tuple(params)))
        execute(self, statement, params)

    def noting_executemany(self: Transaction, statement: str, rows: Any) -> None:
        if rows:
            current[id(self)].append((True, self._sql(statement), [tuple(r) for r in rows]))
        executemany(self, statement, rows)

    Transaction.__init__ = noting_init  # type: ignore[method-assign]
    Transaction.execute = noting_execute  # type: ignore[method-assign]
    Transaction.executemany = noting_executemany  # type: ignore[method-assign]
    try:
        yield recorded
    finally:
        Transaction.__init__ = init  # type: ignore[method-assign]
        Transaction.execute = execute  # type: ignore[method-assign]
        Transaction.executemany = executemany  # type: ignore[method-assign]
        recorded.transactions = [t for t in recorded.transactions if t]


def make_again(store: ViewStore, recorded: Recorded, by_table: dict[str, float]) -> int:
    """Run the recorded statements again, each transaction in one of its own; the
    statements run. `by_table` gets the CPU seconds spent on each table's
    statements (and on "commit")."""
    if store.postgres:
        raise RuntimeError("the writes are made again on SQLite only")
    clock = time.process_time
    for statements in recorded.transactions:
        with store.transaction() as tx:
            cursor = tx._cursor
            for many, sql, values in statements:
                began = clock()
                if many:
                    cursor.executemany(sql, values)
                else:
                    cursor.execute(sql, values)
                table = _table_of(sql)
                by_table[table] = by_table.get(table, 0.0) + clock() - began
            began = clock()
        by_table["commit"] = by_table.get("commit", 0.0) + clock() - began
    return recorded.statements


_TABLE = re.compile(r"\b(?:INTO|UPDATE|FROM|TABLE(?: IF NOT EXISTS)?)\s+(\w+)", re.IGNORECASE)


def _table_of(sql: str) -> str:
    found = _TABLE.search(sql)
    return found.group(1) if found else sql.split(None, 1)[0]
