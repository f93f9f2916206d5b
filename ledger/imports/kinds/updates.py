"""How a re-run brings a record whose changes have commands of their own (a
customer's profile, a key person) to what its row says now (docs/import.md,
"Re-runs"): each command with something to change runs by the importer, now,
with a command id derived from the step's and the new values, so importing the
same changed file again records nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ledger.errors import LedgerError
from ledger.imports.contract import ImportSession, RowRejected, SourceRow
from ledger.receipts import Receipt


def update_id(step_command_id: str, what: str, values: Mapping[str, Any]) -> str:
    text = json.dumps({k: str(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{step_command_id}:{what}-{digest}"


def personal_update_id(step_command_id: str, version: int) -> str:
    """The command id of an update of a key person's personal details: by the
    version it is recorded at, never by the values. A digest of a phone number
    would stay in the log after the person's data is erased (command ids are not
    sealed), and anyone could find the number again by trying each one. A re-run
    of the same file records nothing more all the same: it compares the row with
    the details recorded, and finds them equal."""
    return f"{step_command_id}:personal-v{version}"


def changed(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `wanted` that differ from `current`."""
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def run_update(
    session: ImportSession,
    row: SourceRow,
    step_command_id: str,
    what: str,
    values: Mapping[str, Any],
    record: Callable[[dict[str, Any]], Receipt],
) -> bool:
    """Record one update (`record` builds and runs the command from the payload of
    provenance given); whether it wrote something."""
    payload = session.fields_for(
        row, update_id(step_command_id, what, values), actor=session.importer
    )
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
