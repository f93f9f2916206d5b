"""The service's core: the one eventsourcing Application every process opens.

`LedgerCore` holds the event store and what reads need of it: finding a customer
by code or name, loading customers and staff accounts, logging a read, personal
data. The write service, `ledger.application.Ledger`, is this plus every
command; it adds methods only, no state of its own. A read opens the core alone,
so a process that shows one customer does not import the modules of every
command and the domain rules they use (docs/decisions.md, "Start-up: a process
imports what it uses").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoder
from eventsourcing.utils import get_topic

from ledger.clock import check_not_future, now
from ledger.config import Settings, load_settings
from ledger.domain.base import SNAPSHOT_INCOMPLETE, CustomerEvent, Meta
from ledger.domain.directory import CustomerKey, code_key, name_key
from ledger.errors import (
    ConcurrencyError,
    CustomerNotFoundError,
    DirectoryMismatchError,
    EventNotFoundError,
)
from ledger.personal_service import PersonalService
from ledger.references import parse_code
from ledger.staffing import StaffService
from ledger.storage import create_private
from ledger.write_turns import LOSSES_BEFORE_TURN, NO_TURNS, WriteTurns

if TYPE_CHECKING:
    # Commands are pydantic models, costly to import: reads never need them.
    from ledger import commands as c
    from ledger.domain.customer import Customer
    from ledger.unit_of_work import Batch

T = TypeVar("T")
V = TypeVar("V")

# Events that change what the customer list shows; the list folds only these.
DIRECTORY_EVENTS = (
    "CustomerRegistered",
    "ProfileUpdated",
    "SegmentChanged",
    "TierChanged",
    "LifecycleStageChanged",
    "OwnerAssigned",
    "RelationshipTerminated",
    "RelationshipReactivated",
)


@dataclass(frozen=True)
class CustomerRow:
    code: str
    name: str
    segment: str
    tier: str
    vip: bool
    stage: str
    owner: str | None
    industry: str


class _CorrectsFoldedEvent(Exception):
    """A correction after a snapshot corrects an event the snapshot already holds:
    the stream is replayed from its start instead (corrections are rare)."""


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Fold events into an aggregate (None before its first event), each event as
    its corrections say it was (`ledger.domain.corrections.fold`).

    The library's default projector checks every event against a runtime
    protocol, which costs several times what applying the event does; our
    events are all the library's own aggregate events, so the check is skipped.
    """
    stream = list(events)
    if not any(isinstance(e, CustomerEvent) for e in stream):
        # A staff account, a directory key: no stream but a customer's is corrected,
        # and loading one imports neither the corrections' rules nor the customer's
        # events (docs/decisions.md, "Start-up: a read imports no event class").
        return _mutated(aggregate, stream)
    from ledger.domain.corrections import fold
    from ledger.domain.events.interactions import CorrectionRecorded

    targets = [e.target_version for e in stream if type(e) is CorrectionRecorded]
    if targets:
        if aggregate is not None and min(targets) <= aggregate.version:
            raise _CorrectsFoldedEvent
        stream = fold(stream)
    return _mutated(aggregate, stream)


def _mutated(aggregate: Any, stream: Iterable[Any]) -> Any:
    for event in stream:
        aggregate = event.mutate(aggregate)
    return aggregate


def replay_onto(aggregate: Any, later: Sequence[Any], whole: Sequence[Any]) -> Any:
    """`replay` of the `later` events onto `aggregate`, or, when one of them corrects
    an event the aggregate already holds, of the `whole` stream up to the last of
    them from its start (as loading from a snapshot does)."""
    try:
        return replay(aggregate, later)
    except _CorrectsFoldedEvent:
        return replay(None, whole)


class LedgerRepository(Repository[UUID]):
    """The library's repository, replaying with `replay` unless told otherwise.
    While a unit of work is open (`ledger/unit_of_work.py`), a plain `get` returns
    the batch's own copy of the aggregate."""

    batch: Batch | None = None

    def get(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        if self.batch is not None and not kwargs:
            return self.batch.get(aggregate_id)
        return self.get_stored(aggregate_id, **kwargs)

    def get_stored(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        """The aggregate as the event store holds it."""
        kwargs.setdefault("projector_func", replay)
        try:
            aggregate = super().get(aggregate_id, **kwargs)
        except _CorrectsFoldedEvent:
            events = self.event_store.get(aggregate_id, lte=kwargs.get("version"))
            return kwargs["projector_func"](None, events)
        if aggregate.__dict__.pop(SNAPSHOT_INCOMPLETE, False):
            # Its snapshot predates part of the state: the events alone give it
            # (once: the next snapshot keeps it).
            events = self.event_store.get(aggregate_id, lte=kwargs.get("version"))
            aggregate = kwargs["projector_func"](None, events)
        return aggregate


# The aggregates snapshotted, by topic (`module:qualname`).
SNAPSHOTTED = ("ledger.domain.customer:Customer", "ledger.domain.directory:CustomerNumbering")


class ByTopic(dict[type[Any], V]):
    """A dict keyed by class whose keys are given as topics (`module:qualname`), so
    that the classes need not be imported to build it. A class is looked up by its
    topic when first asked for; the dict is as long as the topics it was given."""

    def __init__(self, by_topic: dict[str, V]) -> None:
        super().__init__()
        self.by_topic = by_topic

    def __missing__(self, cls: type[Any]) -> V:
        found = self[cls] = self.by_topic[get_topic(cls)]
        return found

    def __len__(self) -> int:
        return len(self.by_topic)

    def get(self, cls: type[Any], default: Any = None) -> Any:
        try:
            return self[cls]
        except KeyError:
            return default


class LedgerCore(StaffService, PersonalService, Application[UUID]):
    """The ledger's event store and what every process needs of it: finding
    customers and staff accounts, loading them, the read log and personal data.
    A read opens this alone; `ledger.application.Ledger` adds the commands."""

    name = "Ledger"
    # Snapshots keep long-lived customers fast to load (a snapshot every 200 events
    # means at most 199 events replay on top of one).
    # Keyed by topic, so that naming the customer aggregate here does not import it.
    snapshotting_intervals = ByTopic[int](dict.fromkeys(SNAPSHOTTED, 200))
    snapshotting_projectors = ByTopic[Callable[..., Any]](dict.fromkeys(SNAPSHOTTED, replay))
    # A writer that loses a race tends to lose the next one too (the winner is already
    # saving again while it reloads), so after a few losses it takes a turn alone
    # (ledger/write_turns.py). The bound is for writers that take no turns (the
    # library's stock recorders), which only an attempt's own pause spreads out.
    MAX_ATTEMPTS = 25

    def __init__(self, env: dict[str, str] | None = None, settings: Settings | None = None):
        sqlite_file = (env or {}).get("SQLITE_DBNAME", ":memory:")
        if ":memory:" not in sqlite_file and "mode=memory" not in sqlite_file:
            create_private(Path(sqlite_file))  # docs/domain.md, "Personal data"
        super().__init__(env)
        self.settings = settings or load_settings()
        # A code names one customer forever, so its lookup can be remembered;
        # names can move between customers and are always looked up afresh.
        self._ids_by_code: dict[str, UUID] = {}

    # ------------------------------------------------------------- plumbing
    def construct_transcoder(self) -> Transcoder:
        """The library's JSON transcoder, writing the same bytes faster
        (`ledger.transcoding`); a transcoder configured by topic is left as it is."""
        transcoder = self.factory.transcoder()
        if type(transcoder) is JSONTranscoder:
            from ledger.transcoding import StoreTranscoder

            transcoder = StoreTranscoder()
        if isinstance(transcoder, JSONTranscoder):
            self.register_transcodings(transcoder)
        return transcoder

    def meta_for(self, command: c.Command) -> Meta:
        occurred_at = command.occurred_at or now()
        check_not_future(occurred_at, self.settings.clock_skew)
        return Meta(
            occurred_at=occurred_at,
            actor=command.actor,
            command_id=command.command_id,
            correlation_id=command.correlation_id,
            causation_id=command.causation_id,
        )

    def resolve_customer(self, reference: str) -> UUID:
        """Find a customer by code (`C-00042`) or exact name (case-insensitive)."""
        code = parse_code(reference)
        if code is not None and code in self._ids_by_code:
            return self._ids_by_code[code]
        key = code_key(code) if code else name_key(reference)
        entry = self._get_or_none(CustomerKey.id_for(key))
        if entry is None or entry.customer_id is None:
            raise customer_not_found(reference)
        assert isinstance(entry, CustomerKey)
        customer_id: UUID = entry.customer_id
        if code is not None:
            self._ids_by_code[code] = customer_id
        return customer_id

    def get_customer(self, reference: str) -> Customer:
        customer: Customer = self.repository.get(self.resolve_customer(reference))
        self.check_directory(reference, customer)
        return customer

    @staticmethod
    def check_directory(reference: str, customer: Customer) -> None:
        """The directory key that resolved `reference` must agree with the stream it
        led to (its registered code, or its current name): a key edited in the
        database never steers a write (docs/architecture.md, "Directory aggregates").
        Costs nothing: the command has loaded the customer anyway."""
        code = parse_code(reference)
        if code is not None:
            agrees = customer.code == code
        else:
            agrees = name_key(customer.name) == name_key(reference)
        if not agrees:
            raise DirectoryMismatchError(
                f"the customer directory sends {reference!r} to {customer.code}, whose "
                "own history says otherwise: nothing was written; run `ledger audit verify`"
            )

    def construct_repository(self) -> Repository[UUID]:
        # No aggregate cache: several processes write, so every command loads afresh.
        return LedgerRepository(event_store=self.events, snapshot_store=self.snapshots)

    def _get_or_none(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _retrying(self, attempt: Callable[[], T]) -> T:
        # The library's stock recorders have no turns: every attempt is optimistic.
        turns: WriteTurns = getattr(self.recorder, "turns", NO_TURNS)
        for n in range(self.MAX_ATTEMPTS):
            try:
                if n < LOSSES_BEFORE_TURN:
                    return attempt()
                # A writer that keeps losing has its next attempt alone
                # (ledger/write_turns.py): nobody who takes turns can win it.
                with turns.alone():
                    return attempt()
            except IntegrityError:
                # Someone saved this customer since we loaded it: reload and retry,
                # after a short random pause so racing writers spread out.
                time.sleep(random.uniform(0, 0.005 * (n + 1)))
        raise ConcurrencyError(
            "the customer kept changing while this command was recorded; nothing was "
            "written: run the command again"
        )

    def event_at(self, customer_id: UUID, version: int) -> CustomerEvent:
        found = list(self.events.get(customer_id, gt=version - 1, lte=version))
        if not found:
            raise EventNotFoundError(
                f"this customer has no version {version}: `ledger history` lists versions"
            )
        event = found[0]
        assert isinstance(event, CustomerEvent)
        return event

    # ---------------------------------------------------------------- reads
    def customer_events(self, reference: str) -> tuple[Customer, list[CustomerEvent]]:
        """The customer's current state and its whole stream, oldest first."""
        customer_id = self.resolve_customer(reference)
        events = [e for e in self.events.get(customer_id) if isinstance(e, CustomerEvent)]
        customer: Customer = self.repository.get(customer_id)
        return customer, events

    def list_customers(
        self,
        *,
        segment: str | None = None,
        owner: str | None = None,
        stage: str | None = None,
        tier: str | None = None,
    ) -> list[CustomerRow]:
        """Every customer, in code order, folded from the profile events of the log."""
        listed = [CustomerRow(**row) for row in self._directory_rows().values()]
        return sorted(
            (
                r
                for r in listed
                if (segment is None or r.segment == segment)
                and (owner is None or r.owner == owner)
                and (stage is None or r.stage == stage)
                and (tier is None or r.tier == tier)
            ),
            key=lambda r: r.code,
        )

    def _directory_rows(self) -> dict[UUID, dict[str, Any]]:
        """What the customer list shows of each customer, by id."""
        rows: dict[UUID, dict[str, Any]] = {}
        for event in self._directory_events():
            if type(event).__name__ == "CustomerRegistered":
                rows[event.originator_id] = {c: getattr(event, c) for c in DIRECTORY_COLUMNS}
                continue
            row = rows.get(event.originator_id)
            if row is not None:
                _fold_directory_event(row, event)
        return rows

    def _directory_events(self, batch: int = 1000) -> Iterator[CustomerEvent]:
        from ledger.domain import events

        topics = [get_topic(getattr(events, name)) for name in DIRECTORY_EVENTS]
        start = 1
        while True:
            notifications = self.recorder.select_notifications(start, batch, topics=topics)
            for notification in notifications:
                event = self.mapper.to_domain_event(notification)
                assert isinstance(event, CustomerEvent)
                yield event
            if len(notifications) < batch:
                return
            start = notifications[-1].id + 1


# What the customer list shows of each customer, as its registration gives it.
DIRECTORY_COLUMNS = ("code", "name", "segment", "tier", "vip", "stage", "owner", "industry")


def _fold_directory_event(row: dict[str, Any], event: Any) -> None:
    # By the class's name, as `DIRECTORY_EVENTS` names them: called for every such
    # event the customer list reads, and none of them has subclasses.
    kind = type(event).__name__
    if kind == "ProfileUpdated":
        row.update({k: v for k, v in event.changes.items() if k in row})
    elif kind == "SegmentChanged":
        row["segment"] = event.segment
    elif kind == "TierChanged":
        row["tier"], row["vip"] = event.tier, event.vip
    elif kind in ("LifecycleStageChanged", "RelationshipReactivated"):
        row["stage"] = event.stage
    elif kind == "OwnerAssigned":
        row["owner"] = event.owner
    elif kind == "RelationshipTerminated":
        row["stage"] = "terminated"


def customer_not_found(reference: str) -> CustomerNotFoundError:
    return CustomerNotFoundError(
        f"no customer {reference!r}: name one by code (C-00042) or exact name; "
        "`ledger customer list` shows them"
    )
