"""What a kind of file may ask of the import while its steps run (the
`ImportSession` of `ledger/imports/contract.py`): the provenance of each step's
command, staff ids checked against the accounts, customers and records named by
external id, and typed commands built with a rejected row's reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from ledger.domain.base import CustomerEvent
from ledger.domain.corrections import Known, collect, corrected, fold
from ledger.domain.directory import customer_id_for_command
from ledger.domain.events import CorrectionRecorded, KeyPersonAdded, KeyPersonUpdated
from ledger.domain.personal import fold_details
from ledger.domain.provenance import import_causation_id, import_command_id, origin_of
from ledger.imports.contract import PersonalRecord, RowRejected, SourceRow
from ledger.imports.values import describe
from ledger.personal_reading import PersonalReader
from ledger.references import parse_code

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.domain.customer import Customer
    from ledger.unit_of_work import Batch

M = TypeVar("M", bound=BaseModel)

# A record named by what it is (`person`) is found under its kind of file (`people`).
RECORD_KINDS = {
    "customer": "customers",
    "person": "people",
    "contact": "contacts",
    "visit": "visits",
    "inquiry": "inquiries",
    "complaint": "complaints",
    "escalation": "escalations",
    "opportunity": "opportunities",
    "lead": "opportunities",
}


class Session:
    """The import's side of a kind's steps, for one run."""

    def __init__(
        self,
        app: Ledger,
        system: str,
        *,
        importer: str,
        correlation_id: str,
        defaults: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.system = system
        self.importer = importer
        self.defaults = dict(defaults or {})
        self.correlation_id = correlation_id
        self._staff: dict[str, bool] = {}  # staff id -> has an account (active or not)
        self._batch: Batch | None = None
        self._customer_id: UUID | None = None
        self._folded: dict[int, CustomerEvent] | None = None
        # What this run's corrections (the customer's new events, of which the
        # first `_looked_at` were looked at) lay over its stored events.
        self._corrected_in_run: Known = {}
        self._looked_at = 0
        self._ids: dict[str, UUID] = {}  # external id -> customer id, this customer's
        # (customer as named, command id) -> local id found, this customer's: a record
        # once in the batch stays there until the customer starts again
        # (`begin_customer`), and a code or external id names one customer.
        self._local: dict[tuple[str, str], str] = {}
        # What the steps run since `take_notes` remarked (`note`).
        self._notes: list[str] = []
        # The command ids of the customer's steps in this run (`named_in_run`).
        self._named_in_run: frozenset[str] = frozenset()

    def begin_customer(
        self, batch: Batch, customer_id: UUID, named: frozenset[str] = frozenset()
    ) -> None:
        """The steps that follow are the customer's, in `batch`; `named`: the
        command ids of all its steps in this run."""
        self._batch = batch
        self._customer_id = customer_id
        self._named_in_run = named
        self._folded = None
        self._corrected_in_run = {}
        self._looked_at = 0
        self._ids.clear()
        self._local.clear()

    def default(self, column: str) -> str:
        return self.defaults.get(column, "")

    def note(self, text: str) -> None:
        self._notes.append(text)

    def take_notes(self) -> list[str]:
        """The remarks of the steps run since the last call (the importer gives
        them to the row whose step ran)."""
        taken, self._notes = self._notes, []
        return taken

    # ----------------------------------------------------------- provenance
    def command_fields(
        self, row: SourceRow, kind: str, external_id: str, step: str = "", *, actor: str
    ) -> dict[str, Any]:
        return self.fields_for(
            row, import_command_id(self.system, kind, external_id, step), actor=actor
        )

    def fields_for(self, row: SourceRow, command_id: str, *, actor: str) -> dict[str, Any]:
        return {
            "actor": actor,
            "command_id": command_id,
            "correlation_id": self.correlation_id,
            "causation_id": import_causation_id(row.file, row.line),
        }

    # ----------------------------------------------------------- references
    def staff(self, row: SourceRow, column: str) -> str:
        staff_id = row.get(column)
        if not staff_id:
            raise RowRejected(f"{column} is empty: name the member of staff (a staff id)")
        known = self._staff.get(staff_id)
        if known is None:
            known = self.app.member_or_none(staff_id) is not None
            self._staff[staff_id] = known
        if not known:
            raise RowRejected(
                f"unknown staff {staff_id!r} in {column}: add the account first "
                "(`ledger staff add`; an import never creates one), or map the id"
            )
        return staff_id

    def customer(self, row: SourceRow, external_id: str) -> Customer:
        """The customer imported from this system with `external_id`."""
        customer_id = self._ids.get(external_id)
        if customer_id is None:
            customer_id = customer_id_for_command(
                import_command_id(self.system, "customers", external_id)
            )
            self._ids[external_id] = customer_id
        batch = self._batch
        # In a batch, its own copy; used on its own (a kind's tests), the stored one.
        found = (
            batch.get_or_none(customer_id)
            if batch is not None
            else self.app._get_or_none(customer_id)
        )
        if found is None:
            raise RowRejected(
                f"unknown customer {external_id!r}: no customers row with this id has been "
                "imported (this run or before), or it was rejected"
            )
        customer: Customer = found
        return customer

    def customer_ref(self, row: SourceRow, external_id: str) -> str:
        return self.customer(row, external_id).code

    def local_id(self, row: SourceRow, customer: str, kind: str, external_id: str) -> str:
        """The record's id in the customer's stream: the subject of the step whose
        command id is the record's own (`import:<system>:<kind>:<external id>`),
        or else of its first step (`...:<step>`)."""
        command_id = import_command_id(self.system, RECORD_KINDS.get(kind, kind), external_id)
        known = self._local.get((customer, command_id))
        if known is not None:
            return known
        found = self._named(row, customer)
        recorded = found.commands.get(command_id)
        if recorded is None or not recorded[1]:
            prefix = command_id + ":"
            steps = [r for c, r in found.commands.items() if c.startswith(prefix) and r[1]]
            recorded = min(steps, key=lambda r: int(r[0])) if steps else None
        if recorded is None:
            raise RowRejected(
                f"unknown {kind} record {external_id!r} at customer {found.code}: it is not "
                "imported (this run or before), or it was rejected"
            )
        local = self._local[(customer, command_id)] = str(recorded[1])
        return local

    def _named(self, row: SourceRow | None, customer: str) -> Customer:
        """The customer `customer` names: its code (`customer_ref` gives one), or
        else its external id."""
        if parse_code(customer) is None and row is not None:
            return self.customer(row, customer)
        found: Customer = self.app.repository.get(self.app.resolve_customer(customer))
        return found

    def build(
        self, model: type[M], payload: dict[str, Any], columns: Mapping[str, str] | None = None
    ) -> M:
        try:
            return model(**payload)
        except ValidationError as error:
            raise RowRejected(describe(error, columns)) from None

    # -------------------------------------------------------------- re-runs
    def recorded_event(self, customer: Customer, version: int) -> CustomerEvent | None:
        """The customer's event at `version` as its corrections say it is, this
        run's included (a record twice in the files, changed alike in both, is
        corrected once); None when it was recorded in this run (not yet
        committed)."""
        if version > customer.version - len(customer.pending_events):
            return None
        event = self._stream(customer).get(version)
        changes = self._run_corrections(customer).get((customer.id, version))
        return corrected(event, changes) if event is not None and changes else event

    def _run_corrections(self, customer: Customer) -> Known:
        """The corrections among the customer's new events, gathered as they grow
        (a re-run may correct thousands of one customer's records: each new event
        is looked at once). A customer started again without some of its rows
        starts this afresh (`begin_customer`)."""
        pending = customer.pending_events
        new = pending[self._looked_at :]
        collect((e for e in new if isinstance(e, CorrectionRecorded)), self._corrected_in_run)
        self._looked_at = len(pending)
        return self._corrected_in_run

    def as_imported(self, customer: str, command_id: str) -> dict[str, Any]:
        """What the import has recorded of one record, by field: the fields of the
        event of `command_id`, with those of the later events the import recorded
        for it (command ids `<command_id>:...`, the updates of changed rows; an
        event's `changes`, or its own fields) laid over, as corrections leave them.
        A re-run compares a row with this, not with the record as it is now: a
        record changed in the ledger since, by hand, is not changed back."""
        found = self._named(None, customer)
        values: dict[str, Any] = {}
        prefix = command_id + ":"
        stream = self._stream(found)
        for event in (stream[version] for version in sorted(stream)):
            if event.command_id == command_id:
                values = _fields(event)
            elif values and event.command_id.startswith(prefix):
                changes = getattr(event, "changes", None)
                values.update(changes if isinstance(changes, dict) else _fields(event))
        return values

    def next_version(self, customer: str) -> int:
        # In a batch, the batch's copy: its version counts the events of this run.
        return self._named(None, customer).version + 1

    def named_in_run(self, command_id: str) -> bool:
        return command_id in self._named_in_run

    def imported_records(
        self, row: SourceRow, customer: str, kind: str
    ) -> list[tuple[str, CustomerEvent]]:
        found = self.customer(row, customer)
        if found.version == len(found.pending_events):
            return []  # registered in this run: nothing of it is stored yet
        records = []
        stream = self._stream(found)
        for event in (stream[version] for version in sorted(stream)):
            origin = origin_of(event)
            if origin is None or origin.step or (origin.system, origin.kind) != (self.system, kind):
                continue
            records.append((str(event.command_id), event))
        return records

    def personal_record(
        self, customer: str, command_id: str, person_id: str
    ) -> PersonalRecord | None:
        """The key person's personal details, opened: as the import recorded them
        (the parts sealed by the events of `command_id` and of its updates,
        `<command_id>:...`) and as known now (every part recorded for the person),
        each folded as a reader sees them; None when they cannot be read, the
        person's data being erased (or its key gone)."""
        found = self._named(None, customer)
        if found.personal_data_erased(person_id):
            return None
        # The import runs as an executive, who may see personal details; the
        # erasure was looked at above.
        reader = PersonalReader(self.app.keys, allowed=True)
        imported: list[dict[str, Any]] = []
        every: list[dict[str, Any]] = []
        prefix = command_id + ":"
        stream = self._stream(found)
        for event in (stream[version] for version in sorted(stream)):
            if not isinstance(event, KeyPersonAdded | KeyPersonUpdated):
                continue
            if event.person_id != person_id:
                continue
            for part in (event.legacy_personal, event.personal):
                if not part:
                    continue
                opened = reader.open_part(part)
                if opened is None:
                    return None  # its key is gone
                every.append(opened)
                if event.command_id == command_id or event.command_id.startswith(prefix):
                    imported.append(opened)
        return PersonalRecord(imported=fold_details(imported), now=fold_details(every))

    def _stream(self, customer: Customer) -> dict[int, CustomerEvent]:
        """The customer's stored events by version, folded (read once per customer)."""
        if self._folded is None:
            events = [e for e in self.app.events.get(customer.id) if isinstance(e, CustomerEvent)]
            self._folded = {e.originator_version: e for e in fold(events)}
        return self._folded


def _fields(event: CustomerEvent) -> dict[str, Any]:
    return {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
