"""How a re-run brings a record whose changes have commands of their own (a
customer's profile, a key person) to what its row says now (docs/import.md,
"Re-runs"): each command with something to change runs by the importer, now,
with a command id by the customer's version it is recorded at
(`import_change_id`), so a change back to an earlier value is recorded too;
importing the same changed file again records nothing, the row then being equal
to what is recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ledger.domain.provenance import import_change_id
from ledger.errors import LedgerError
from ledger.imports.contract import ImportSession, RowRejected, SourceRow
from ledger.receipts import Receipt


def changed(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `wanted` that differ from `current`."""
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def run_update(
    session: ImportSession,
    row: SourceRow,
    customer: str,
    step_command_id: str,
    what: str,
    record: Callable[[dict[str, Any]], Receipt],
) -> bool:
    """Record one update at `customer` (a code) of the record whose step has
    `step_command_id` (`record` builds and runs the command from the payload of
    provenance given); whether it wrote something. Called only with something
    that differs from what is recorded: that comparison, not the id, is what
    keeps a re-run of the same file from recording anything."""
    command_id = import_change_id(step_command_id, what, session.next_version(customer))
    payload = session.fields_for(row, command_id, actor=session.importer)
    return not record(payload).replayed


@contextmanager
def in_column(column: str) -> Iterator[None]:
    """A rule's refusal of the step, worded for the file: the rule says `--at` for a
    time typed at the command line, in a file it is `column`."""
    try:
        yield
    except RowRejected:
        raise
    except LedgerError as error:
        raise RowRejected(str(error).replace("--at", column)) from None


def reason(row: SourceRow) -> str:
    return f"the source record changed ({row.file} line {row.line})"
