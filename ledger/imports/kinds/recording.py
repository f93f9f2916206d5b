"""How a record kind's step records (docs/import.md, "Record kinds"): it builds the
typed command from the row, with the import's provenance (`ImportSession.command_fields`),
the row's original time and the customer the row names, and hands it to the write
service's own method. A refusal of the domain's rules (a step dated before its case
opened, a case already closed, an unknown case) rejects the row with the rule's own
words; nothing here restates a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ledger.domain.provenance import import_command_id
from ledger.errors import (
    AccessDeniedError,
    CaseNotFoundError,
    CustomerNotFoundError,
    EventNotFoundError,
    RuleViolationError,
    StaffNotFoundError,
)
from ledger.imports.contract import ImportSession, RowRejected, SourceRow, Step

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ledger.receipts import Receipt

M = TypeVar("M", bound="BaseModel")

# Refusals that say something about the row (its times, its ids, its staff), never
# about the moment: a `ConcurrencyError` is not the row's fault and is left to the
# import to retry.
ROW_REFUSALS = (
    RuleViolationError,
    CaseNotFoundError,
    CustomerNotFoundError,
    StaffNotFoundError,
    AccessDeniedError,
    EventNotFoundError,
)


@contextmanager
def rules_reject(column: str) -> Iterator[None]:
    """Turn a refusal of the domain's rules into the row's reject reason, naming the
    column whose value the step records (the rule's words say `--at` for a time typed
    at the command line: in a file it is that column)."""
    try:
        yield
    except RowRejected:
        raise
    except CustomerNotFoundError:
        # The import found the customer: it is the row's staff who may not see it.
        raise RowRejected(
            "the staff member named may not record on this customer (staff record on the "
            "customers of their segment they own or have worked on): name its owner, or "
            "import the row as a colleague who may"
        ) from None
    except ROW_REFUSALS as error:
        reason = str(error).replace("--at", column)
        raise RowRejected(f"{column}: {reason}") from None


def command(
    session: ImportSession,
    row: SourceRow,
    model: type[M],
    *,
    of: str,
    external_id: str,
    step: str,
    when: datetime,
    customer: str,
    actor_column: str = "staff",
    columns: Mapping[str, str] | None = None,
    **values: Any,
) -> M:
    """The typed command one step of a row of kind `of` records: the import's
    provenance, the row's staff as actor, its original time, its customer, and
    `values`."""
    actor = session.staff(row, actor_column)
    payload = {
        **session.command_fields(row, of, external_id, step, actor=actor),
        "occurred_at": when,
        "customer": session.customer_ref(row, customer),
        **values,
    }
    return session.build(model, payload, columns)


def staff_list(session: ImportSession, row: SourceRow, column: str, ids: list[str]) -> list[str]:
    """Each staff id of a list cell (companions), each an existing account."""
    return [session.staff(replace(row, values={column: one}), column) for one in ids]


def make_step(
    *,
    system: str,
    kind: str,
    external_id: str,
    step: str,
    when: datetime,
    order: int,
    run: Callable[[ImportSession], Receipt | None],
    fields: Mapping[str, object],
    actor: str,
    opened: datetime | None = None,
    recorded_as: Callable[[ImportSession], str | None] | None = None,
) -> Step:
    """A step with its stable command id. `fields` always holds the time, as the
    event holds it (`occurred_at`), and the staff id the row names as who did it
    (`actor`, the cell of the step's actor column): a re-run that finds either
    changed tries to correct it, which the corrections' rule refuses (who did
    what, and when a registration was, stay as recorded), so the row is rejected
    instead of its change being passed over.

    A step on a case the same row opens (`opened`: when it opens) runs no earlier
    than the opening, whatever its own time: a resolution dated before the filing
    then reaches the rule that refuses it, and is refused in that rule's words,
    instead of finding no case to resolve."""
    return Step(
        when=when if opened is None else max(when, opened),
        order=order,
        command_id=import_command_id(system, kind, external_id, step),
        run=run,
        fields={"occurred_at": when, "actor": actor, **fields},
        recorded_as=recorded_as,
    )


def local(
    session: ImportSession, row: SourceRow, customer: str, kind: str, external_id: str
) -> str:
    """The local id (`CP3`) of the record of `kind` (`complaint`...) with
    `external_id` at the customer with external id `customer`."""
    return session.local_id(row, session.customer_ref(row, customer), kind, external_id)


def people(session: ImportSession, row: SourceRow, customer: str, ids: list[str]) -> list[str]:
    """The local ids (`P2`) of the key people a row names by their external ids."""
    return [local(session, row, customer, "person", one) for one in ids]
