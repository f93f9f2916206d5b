"""What the import's parts agree on (docs/import.md): a row read from a source
file, the reason a row is rejected, the columns a kind of file has, and the steps
a row becomes. A kind of file (customers, contacts, complaints...) turns each of
its rows into steps; each step is one typed command handed to the write service,
so an imported record passes the same rules as one typed at the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ledger.application import Ledger
    from ledger.receipts import Receipt

M = TypeVar("M", bound="BaseModel")


@dataclass(frozen=True)
class SourceRow:
    """One record of a source file, its columns already renamed by the mapping."""

    file: str  # the file's name as the user gave it (shown in rejects and provenance)
    line: int  # the line the record starts on, counting the header as line 1
    raw: str  # the record as it stood in the file, for the rejects file
    values: Mapping[str, str]  # canonical column -> value, stripped; absent = ""

    def get(self, column: str) -> str:
        return self.values.get(column, "")


class RowRejected(InvalidInputError):
    """A row that cannot be imported; its message is the rejects file's reason,
    one line saying what is wrong and how to fix it."""


@dataclass(frozen=True)
class Columns:
    """The columns of a kind of file, each with what it holds (docs/import.md)."""

    required: Mapping[str, str]
    optional: Mapping[str, str] = field(default_factory=dict)

    @property
    def known(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)


@dataclass(frozen=True)
class Step:
    """One typed command a row records, run when its turn comes.

    A customer's steps run in the order of (`when`, kind rank, `order`, file,
    line), its registration (rank 0) first whatever its time, so a complaint's
    acknowledgement follows its filing, and a record that names another (a
    contact naming a key person) runs after it.
    """

    when: datetime  # the step's original time, its `occurred_at`
    order: int  # among one row's steps at the same time: lower runs first
    command_id: str  # `ledger.domain.provenance.import_command_id(...)`
    run: Callable[[ImportSession], Receipt | None]
    # The fields of the recorded event this step decides, as the event holds them
    # (`{"summary": "...", "channel": "phone"}`). On a re-run that finds the step
    # recorded already, values that differ from the recorded (corrected) event are
    # what changed in the row (docs/import.md, "Re-runs").
    fields: Mapping[str, object] = field(default_factory=dict)
    # For a record whose later changes have commands of their own (a customer's
    # profile, a key person), instead of a correction: on a re-run that finds the
    # step recorded already, brings the record to what the row says with those
    # commands (each with a command id of its own, by the version it is recorded
    # at: `ImportSession.next_version`), and returns whether it recorded anything.
    # `fields` is then not compared.
    update: Callable[[ImportSession], bool] | None = None
    # For a record whose id is made of values a correction may change (a
    # satisfaction score without a score_id: its time and source), the command id
    # it was recorded under, found by what the ledger knows of it now (its
    # corrections applied); None when nothing recorded has those values. Asked
    # only when `command_id` is not recorded; what it finds is then compared as
    # the step's own record would be.
    recorded_as: Callable[[ImportSession], str | None] | None = None


@dataclass(frozen=True)
class PersonalRecord:
    """A key person's personal details (opened), for a re-run to compare a row
    with (docs/import.md, "Re-runs")."""

    imported: Mapping[str, Any]  # as the import recorded them, its updates laid over
    now: Mapping[str, Any]  # as known now (updates by hand included)


class ImportSession(Protocol):
    """What a kind of file may ask of the import while its steps run."""

    app: Ledger
    system: str  # the source system's name, part of every external id
    importer: str  # the staff id running the import: the actor of updates and corrections

    def default(self, column: str) -> str:
        """The command line's default for an empty `column` (`--owner`, `--segment`
        for customers); "" when none was given."""

    def note(self, text: str) -> None:
        """A remark on the row whose step runs, shown with its file's summary: what
        a re-run left as it was, and why."""

    def fields_for(self, row: SourceRow, command_id: str, *, actor: str) -> dict[str, Any]:
        """`command_fields` for a command id of the kind's own making (an update a
        changed row records)."""

    def command_fields(
        self, row: SourceRow, kind: str, external_id: str, step: str = "", *, actor: str
    ) -> dict[str, Any]:
        """`actor`, `command_id`, `correlation_id`, `causation_id` for one step (the
        caller adds `occurred_at`)."""

    def staff(self, row: SourceRow, column: str) -> str:
        """The staff id in `column`, which must name an existing account (active or
        not): otherwise the row is rejected."""

    def customer_ref(self, row: SourceRow, external_id: str) -> str:
        """The code of the customer with this external id (imported in this run or
        before); an unknown one rejects the row."""

    def local_id(self, row: SourceRow, customer: str, kind: str, external_id: str) -> str:
        """`customer` is the customer's code (from `customer_ref`) or its external
        id. The id inside the customer's stream (`P2`, `CP3`...) of the record of
        `kind` (a kind of file, `people`, or its record, `person`) with
        `external_id`, imported in this run or before: the subject of the step whose
        command id is the record's own, or else of its earliest step. An unknown
        one rejects the row."""

    def as_imported(self, customer: str, command_id: str) -> dict[str, Any]:
        """What the import recorded of the record whose step has `command_id`, at
        `customer` (a code): its event's fields with the import's later updates of
        it laid over. An `update` compares its row with this."""

    def next_version(self, customer: str) -> int:
        """The version `customer` (a code) records its next event at, this run's
        events included: what names a change a re-run records
        (`ledger.domain.provenance.import_change_id`)."""

    def named_in_run(self, command_id: str) -> bool:
        """Whether a row of this import (one of the customer's, not rejected before
        it ran) has a step with `command_id`."""

    def imported_records(self, row: SourceRow, customer: str, kind: str) -> list[tuple[str, Any]]:
        """(command id, event) of every record of `kind` (a kind of file) the import
        from this system recorded at the customer with external id `customer`
        (each record's own step, not its corrections or updates), stored before
        this run, as corrections leave them, in the order they were recorded."""

    def personal_record(
        self, customer: str, command_id: str, person_id: str
    ) -> PersonalRecord | None:
        """The personal details of key person `person_id` (`P2`) at `customer` (a
        code), whose record the step with `command_id` added: as the import
        recorded them and as known now; None when they cannot be read (erased)."""

    def build(
        self, model: type[M], payload: dict[str, Any], columns: Mapping[str, str] | None = None
    ) -> M:
        """The typed command, or the row rejected with its first validation error
        (named by the row's column, `columns`: field -> column, where they differ)."""


class Kind(Protocol):
    """A kind of source file."""

    name: str  # as in `ledger import contacts=FILE` and the file's default name
    columns: Columns
    rank: int  # among steps at the same time, lower kinds first (customers 0)

    def customer_of(self, row: SourceRow) -> str:
        """The external id of the customer the row belongs to."""

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        """What the row records, parsed and checked as far as can be without the
        ledger (dates, vocabularies, required values); `RowRejected` otherwise.
        `system` is the source system's name, part of each step's command id."""
