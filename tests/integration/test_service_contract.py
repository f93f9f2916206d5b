"""The service contract, on SQLite and on PostgreSQL: what the `Ledger` promises its
callers about retries, concurrent writers, time, names, snapshots and corrections."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application, project_aggregate
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.base import CustomerEvent
from ledger.domain.customer import Customer
from ledger.domain.events import ContactLogged, CorrectionRecorded
from ledger.errors import (
    ConcurrencyError,
    CustomerNameTakenError,
    CustomerNotFoundError,
    EventNotFoundError,
    InvalidInputError,
    OccurredInFutureError,
)
from ledger.receipts import Receipt
from ledger.storage import Storage
from ledger.vocabulary import (
    Channel,
    ComplaintCategory,
    DecisionRole,
    Direction,
    RelationshipStatus,
    Stage,
    Tier,
)
from tests.staffing import seed_staff

ACTOR = "li.wei"
AIRPORT = "Capital Airport Group"


# ------------------------------------------------------------------- helpers
def register(app: Ledger, name: str = AIRPORT, **fields: Any) -> Receipt:
    fields = {"actor": ACTOR, "segment": "airport", **fields}
    return app.register_customer(c.RegisterCustomer(name=name, **fields))


def log_call(
    app: Ledger,
    customer: str = "C-00001",
    summary: str = "Asked about lounge access",
    **fields: Any,
) -> Receipt:
    fields = {"actor": ACTOR, "channel": Channel.PHONE, "direction": Direction.INBOUND, **fields}
    return app.log_contact(c.LogContact(customer=customer, summary=summary, **fields))


def file_complaint(app: Ledger, customer: str = "C-00001", **fields: Any) -> Receipt:
    fields = {
        "actor": ACTOR,
        "category": ComplaintCategory.SERVICE,
        "channel": Channel.PHONE,
        **fields,
    }
    return app.file_complaint(
        c.FileComplaint(customer=customer, description="The lounge closed without notice", **fields)
    )


def stream(app: Ledger, customer: str = "C-00001") -> list[CustomerEvent]:
    return app.customer_events(customer)[1]


def summaries(app: Ledger, customer: str = "C-00001") -> list[str]:
    return [e.summary for e in stream(app, customer) if isinstance(e, ContactLogged)]


def events_recorded(app: Ledger) -> int:
    """Everything the store holds, customers and directory alike."""
    return app.recorder.max_notification_id() or 0


def state(customer: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(customer).items() if k != "_pending_events"}


# --------------------------------------------------------------- idempotency
def test_a_repeated_command_returns_the_first_receipt_and_writes_nothing(
    ledger_app: Ledger,
) -> None:
    register(ledger_app)
    first = log_call(ledger_app, command_id="call-0001")
    written = events_recorded(ledger_app)

    again = log_call(ledger_app, command_id="call-0001")

    assert again == Receipt(
        customer_code="C-00001",
        customer_name=AIRPORT,
        version=first.version,
        subject=first.subject,
        replayed=True,
    )
    assert first.replayed is False
    assert events_recorded(ledger_app) == written
    assert summaries(ledger_app) == ["Asked about lounge access"]


def test_a_repeated_command_returns_the_case_it_opened_even_after_later_commands(
    ledger_app: Ledger,
) -> None:
    register(ledger_app)
    first = file_complaint(ledger_app, command_id="complaint-0001")
    file_complaint(ledger_app)

    again = file_complaint(ledger_app, command_id="complaint-0001")

    assert (again.subject, again.version, again.replayed) == ("CP1", first.version, True)
    assert again.ref == "C-00001/CP1"
    assert len(stream(ledger_app)) == 3


def test_a_repeated_registration_returns_the_customer_it_created(ledger_app: Ledger) -> None:
    first = register(ledger_app, command_id="register-0001")
    written = events_recorded(ledger_app)

    again = register(ledger_app, command_id="register-0001")

    assert again == Receipt(
        customer_code=first.customer_code,
        customer_name=AIRPORT,
        version=1,
        subject="",
        replayed=True,
    )
    assert events_recorded(ledger_app) == written
    assert [row.code for row in ledger_app.list_customers()] == ["C-00001"]
    assert register(ledger_app, "Beijing Land").customer_code == "C-00002"


# ------------------------------------------------------- concurrent writers
def test_staff_recording_on_one_customer_at_the_same_moment_all_succeed(
    ledger_app: Ledger, storage: Storage
) -> None:
    register(ledger_app)
    staff = ["li.wei", "zhang.min", "chen.jie", "wang.fang"]
    ledgers = [Ledger(env=storage.env) for _ in staff]
    start = threading.Barrier(len(staff))
    failures: list[BaseException] = []

    def record_calls(app: Ledger, actor: str) -> None:
        start.wait()
        try:
            for n in range(10):
                log_call(app, summary=f"{actor} call {n}", actor=actor)
        except BaseException as error:
            failures.append(error)

    threads = [
        threading.Thread(target=record_calls, args=(app, actor))
        for app, actor in zip(ledgers, staff, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app in ledgers:
        app.close()

    assert failures == []
    events = stream(ledger_app)
    assert [e.originator_version for e in events] == list(range(1, 42))
    assert sorted(summaries(ledger_app)) == sorted(
        f"{actor} call {n}" for actor in staff for n in range(10)
    )


def test_a_command_that_loses_a_race_is_recorded_on_the_fresh_state(
    ledger_app: Ledger, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(ledger_app)
    rival = Ledger(env=storage.env)
    save = ledger_app.save
    raced: list[bool] = []

    def rival_saves_first(*objs: Any, **kwargs: Any) -> Any:
        # Between our load and our save another member of staff records a call,
        # so our save conflicts in the database itself.
        if not raced:
            raced.append(True)
            log_call(rival, summary="Rival's call")
        return save(*objs, **kwargs)

    monkeypatch.setattr(ledger_app, "save", rival_saves_first)

    receipt = log_call(ledger_app, summary="Our call")
    rival.close()

    assert summaries(ledger_app) == ["Rival's call", "Our call"]
    assert receipt.version == 3


def test_retrying_a_conflicting_command_gives_up_after_a_bounded_number_of_attempts(
    ledger_app: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(ledger_app)
    written = events_recorded(ledger_app)
    attempts: list[int] = []

    def always_conflicts(*objs: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        raise IntegrityError("someone else saved this customer")

    monkeypatch.setattr(ledger_app, "save", always_conflicts)
    monkeypatch.setattr("ledger.service.time.sleep", lambda seconds: None)

    with pytest.raises(ConcurrencyError, match="nothing was written: run the command again"):
        log_call(ledger_app)

    assert len(attempts) == Ledger.MAX_ATTEMPTS
    assert events_recorded(ledger_app) == written


# ---------------------------------------------------------------------- time
def test_an_event_in_the_future_beyond_the_clock_skew_is_refused(ledger_app: Ledger) -> None:
    register(ledger_app)
    written = events_recorded(ledger_app)

    with pytest.raises(OccurredInFutureError, match="is in the future"):
        log_call(ledger_app, occurred_at=now() + timedelta(hours=1))

    assert events_recorded(ledger_app) == written


def test_a_registration_in_the_future_is_refused_without_using_a_code(ledger_app: Ledger) -> None:
    written = events_recorded(ledger_app)

    with pytest.raises(OccurredInFutureError):
        register(ledger_app, occurred_at=now() + timedelta(days=2))

    assert events_recorded(ledger_app) == written
    assert register(ledger_app).customer_code == "C-00001"


def test_an_event_a_little_ahead_of_our_clock_is_accepted(ledger_app: Ledger) -> None:
    register(ledger_app)
    slightly_ahead = now() + timedelta(minutes=2)

    log_call(ledger_app, occurred_at=slightly_ahead)

    assert stream(ledger_app)[-1].occurred_at == slightly_ahead


def test_a_time_without_a_zone_is_refused_at_the_edge() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        c.LogContact(
            actor=ACTOR,
            customer="C-00001",
            channel=Channel.PHONE,
            direction=Direction.INBOUND,
            summary="Called",
            occurred_at=datetime(2024, 3, 4, 9, 30),
        )


def test_a_back_dated_event_keeps_the_time_it_happened_exactly(ledger_app: Ledger) -> None:
    register(ledger_app, occurred_at=datetime(2023, 1, 2, 8, 0, tzinfo=UTC))
    happened = datetime(2023, 5, 6, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=8)))

    log_call(ledger_app, occurred_at=happened)

    recorded = stream(ledger_app)[-1]
    assert recorded.occurred_at == happened
    assert recorded.occurred_at.utcoffset() == happened.utcoffset()
    assert recorded.timestamp > happened


def test_every_event_carries_who_recorded_it_and_under_which_command(
    ledger_app: Ledger,
) -> None:
    register(ledger_app)

    log_call(
        ledger_app,
        actor="zhang.min",
        command_id="call-0042",
        correlation_id="ticket-7",
        causation_id="call-0041",
    )

    recorded = stream(ledger_app)[-1]
    assert (recorded.actor, recorded.command_id) == ("zhang.min", "call-0042")
    assert (recorded.correlation_id, recorded.causation_id) == ("ticket-7", "call-0041")


# --------------------------------------------------------------------- names
def test_customer_names_are_unique_ignoring_case_and_spaces(ledger_app: Ledger) -> None:
    register(ledger_app)
    written = events_recorded(ledger_app)

    with pytest.raises(CustomerNameTakenError, match="exists already"):
        register(ledger_app, "  capital   AIRPORT group ")

    assert events_recorded(ledger_app) == written


def test_a_customer_is_found_by_name_ignoring_case_and_spaces(ledger_app: Ledger) -> None:
    receipt = register(ledger_app)

    found = ledger_app.resolve_customer("capital  airport GROUP")

    assert found == ledger_app.resolve_customer(receipt.customer_code)


def test_renaming_a_customer_frees_the_old_name_and_claims_the_new(ledger_app: Ledger) -> None:
    register(ledger_app)
    customer_id = ledger_app.resolve_customer(AIRPORT)

    ledger_app.update_profile(
        c.UpdateProfile(actor=ACTOR, customer="C-00001", name="Capital Airports Holding")
    )

    assert ledger_app.resolve_customer("capital airports holding") == customer_id
    with pytest.raises(CustomerNotFoundError):
        ledger_app.resolve_customer(AIRPORT)
    assert register(ledger_app, AIRPORT).customer_code == "C-00002"
    with pytest.raises(CustomerNameTakenError):
        register(ledger_app, "Capital Airports HOLDING")


def test_a_customer_can_take_back_a_name_it_gave_up(ledger_app: Ledger) -> None:
    register(ledger_app)
    rename = c.UpdateProfile(actor=ACTOR, customer="C-00001", name="Capital Airports Holding")
    ledger_app.update_profile(rename)

    ledger_app.update_profile(c.UpdateProfile(actor=ACTOR, customer="C-00001", name=AIRPORT))

    assert ledger_app.resolve_customer(AIRPORT) == ledger_app.resolve_customer("C-00001")
    with pytest.raises(CustomerNotFoundError):
        ledger_app.resolve_customer("Capital Airports Holding")


def test_a_customer_cannot_be_renamed_to_another_customers_name(ledger_app: Ledger) -> None:
    register(ledger_app)
    register(ledger_app, "Beijing Land")
    written = events_recorded(ledger_app)

    with pytest.raises(CustomerNameTakenError):
        ledger_app.update_profile(
            c.UpdateProfile(actor=ACTOR, customer="C-00002", name="capital airport group")
        )

    assert events_recorded(ledger_app) == written
    assert ledger_app.get_customer("C-00002").name == "Beijing Land"


def test_customer_codes_are_issued_in_registration_order(ledger_app: Ledger) -> None:
    names = [AIRPORT, "Beijing Land", "Shenzhen Tech"]

    codes = [register(ledger_app, name).customer_code for name in names]

    assert codes == ["C-00001", "C-00002", "C-00003"]
    assert ledger_app.resolve_customer("c-2") == ledger_app.resolve_customer("Beijing Land")


def test_registrations_at_the_same_moment_get_distinct_codes_in_sequence(
    ledger_app: Ledger, storage: Storage
) -> None:
    ledgers = [Ledger(env=storage.env) for _ in range(3)]
    start = threading.Barrier(len(ledgers))
    failures: list[BaseException] = []

    def register_five(app: Ledger, desk: int) -> None:
        start.wait()
        try:
            for n in range(5):
                register(app, f"Desk {desk} customer {n}")
        except BaseException as error:
            failures.append(error)

    threads = [
        threading.Thread(target=register_five, args=(app, desk)) for desk, app in enumerate(ledgers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app in ledgers:
        app.close()

    assert failures == []
    rows = ledger_app.list_customers()
    assert [row.code for row in rows] == [f"C-{n:05d}" for n in range(1, 16)]
    assert len({row.name for row in rows}) == 15


def test_a_refused_registration_does_not_use_up_a_code(ledger_app: Ledger) -> None:
    register(ledger_app)
    with pytest.raises(CustomerNameTakenError):
        register(ledger_app)

    receipt = register(ledger_app, "Beijing Land")

    assert receipt.customer_code == "C-00002"


# ----------------------------------------------------------------- snapshots
def test_a_long_lived_customer_loads_from_a_snapshot_to_the_same_state(
    ledger_app: Ledger,
) -> None:
    register(ledger_app)
    ledger_app.add_key_person(
        c.AddKeyPerson(
            actor=ACTOR,
            customer="C-00001",
            name="Wang Fang",
            decision_role=DecisionRole.DECISION_MAKER,
        )
    )
    ledger_app.add_branch(c.AddBranch(actor=ACTOR, customer="C-00001", name="Daxing terminal"))
    file_complaint(ledger_app)
    for n in range(200):
        log_call(ledger_app, summary=f"Weekly call {n}", people=["P1"])
    # After the snapshot at version 200, more state-changing events to replay on top.
    ledger_app.resolve_complaint(
        c.ResolveComplaint(actor=ACTOR, customer="C-00001", case="CP1", resolution="Voucher")
    )
    ledger_app.assess_relationship(
        c.AssessRelationship(
            actor=ACTOR,
            customer="C-00001",
            case="P1",
            relationship_status=RelationshipStatus.POSITIVE,
        )
    )
    customer_id = ledger_app.resolve_customer("C-00001")
    assert ledger_app.snapshots is not None

    snapshots = list(ledger_app.snapshots.get(customer_id))
    loaded: Customer = ledger_app.repository.get(customer_id)
    replayed = project_aggregate(None, ledger_app.events.get(customer_id))

    assert [s.originator_version for s in snapshots] == [200]
    assert isinstance(loaded, Customer)
    assert loaded.version == 206
    assert loaded.cases["CP1"]["status"] == "resolved"
    assert state(loaded) == state(replayed)


def test_a_snapshot_from_before_worked_on_was_kept_still_gives_everyone_who_worked_on_it(
    ledger_app: Ledger,
) -> None:
    register(ledger_app, owner="zhang.min")
    log_call(ledger_app, actor="wang.fang")
    customer_id = ledger_app.resolve_customer("C-00001")
    # A snapshot as version 1 of the Customer wrote it: no `worked_on` in its state.
    old = Snapshot.take(ledger_app.repository.get(customer_id))
    del old.state["worked_on"]
    old.state.pop("class_version", None)
    assert ledger_app.snapshots is not None
    ledger_app.snapshots.put([old])
    log_call(ledger_app, actor="chen.jie")

    loaded: Customer = ledger_app.repository.get(customer_id)

    assert set(loaded.worked_on) == {ACTOR, "zhang.min", "wang.fang", "chen.jie"}
    replayed = project_aggregate(None, ledger_app.events.get(customer_id))
    assert isinstance(replayed, Customer)
    assert loaded.worked_on == replayed.worked_on


# --------------------------------------------------------------- corrections
def test_a_correction_must_refer_to_a_version_the_customer_has(ledger_app: Ledger) -> None:
    register(ledger_app)
    written = events_recorded(ledger_app)

    with pytest.raises(EventNotFoundError, match="no version 9"):
        ledger_app.record_correction(
            c.RecordCorrection(
                actor=ACTOR,
                customer="C-00001",
                version=9,
                reason="Wrong channel",
                changes={"channel": "email"},
            )
        )

    assert events_recorded(ledger_app) == written


def test_a_correction_records_typed_values_and_leaves_the_original(ledger_app: Ledger) -> None:
    register(ledger_app, occurred_at=datetime(2024, 2, 1, tzinfo=UTC))
    log_call(ledger_app, occurred_at=datetime(2024, 3, 2, 10, 0, tzinfo=UTC))

    receipt = ledger_app.record_correction(
        c.RecordCorrection(
            actor=ACTOR,
            customer="C-00001",
            version=2,
            reason="It was an email, the day before",
            changes={"channel": "email", "occurred_at": "2024-03-01T10:00"},
        )
    )

    original, correction = stream(ledger_app)[1:]
    assert receipt.version == 3
    assert isinstance(original, ContactLogged)
    assert (original.channel, original.occurred_at) == (
        "phone",
        datetime(2024, 3, 2, 10, 0, tzinfo=UTC),
    )
    assert isinstance(correction, CorrectionRecorded)
    assert (correction.target_version, correction.target_type) == (2, "ContactLogged")
    assert correction.changes == {
        "channel": "email",
        "occurred_at": datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "ContactLogged has no correctable field 'colour'"),
        ({"command_id": "other"}, "no correctable field 'command_id'"),
        ({"channel": "pigeon"}, "channel must be one of phone, email"),
        ({"direction": "sideways"}, "direction must be one of inbound, outbound"),
        ({"occurred_at": "last tuesday"}, "occurred_at 'last tuesday' is not a date or time"),
        ({"summary": "   "}, "summary cannot be corrected to an empty value"),
    ],
)
def test_a_correction_with_a_bad_field_or_value_is_bad_input(
    ledger_app: Ledger, changes: dict[str, str], message: str
) -> None:
    register(ledger_app)
    log_call(ledger_app)
    written = events_recorded(ledger_app)

    with pytest.raises(InvalidInputError, match=message):
        ledger_app.record_correction(
            c.RecordCorrection(
                actor=ACTOR, customer="C-00001", version=2, reason="Typo", changes=changes
            )
        )

    assert events_recorded(ledger_app) == written


# -------------------------------------------------------------- customer list
def test_the_customer_list_shows_each_customer_as_its_profile_now_stands(
    ledger_app: Ledger,
) -> None:
    register(ledger_app, owner="li.wei", stage=Stage.GROWTH)
    register(ledger_app, "Beijing Land", segment="property", owner="li.wei")
    register(ledger_app, "Shenzhen Tech", segment="technology", owner="chen.jie")
    ledger_app.update_profile(
        c.UpdateProfile(actor=ACTOR, customer="C-00001", name="Capital Airports Holding")
    )
    ledger_app.change_segment(c.ChangeSegment(actor=ACTOR, customer="C-00002", segment="airport"))
    ledger_app.change_tier(
        c.ChangeTier(actor=ACTOR, customer="C-00002", tier=Tier.STRATEGIC, vip=True)
    )
    ledger_app.assign_owner(
        c.AssignOwner(actor=ACTOR, customer="C-00003", owner="li.wei", reason="Handover")
    )
    ledger_app.change_stage(c.ChangeStage(actor=ACTOR, customer="C-00003", stage=Stage.DEVELOPMENT))

    rows = ledger_app.list_customers()

    assert [(r.code, r.name, r.segment, r.tier, r.vip, r.stage, r.owner) for r in rows] == [
        ("C-00001", "Capital Airports Holding", "airport", "general", False, "growth", "li.wei"),
        ("C-00002", "Beijing Land", "airport", "strategic", True, "prospect", "li.wei"),
        ("C-00003", "Shenzhen Tech", "technology", "general", False, "development", "li.wei"),
    ]


def test_the_customer_list_filters_by_segment_owner_stage_and_tier(ledger_app: Ledger) -> None:
    register(ledger_app, owner="li.wei", tier=Tier.STRATEGIC)
    register(ledger_app, "Beijing Land", segment="property", owner="chen.jie")
    register(ledger_app, "Shenzhen Tech", segment="technology", owner="li.wei")
    ledger_app.terminate_relationship(
        c.TerminateRelationship(
            actor=ACTOR,
            customer="C-00003",
            reason="Contract ended",
            root_cause="Price",
            head_office_ref="HO-2024-17",
        )
    )

    def codes(**filters: str) -> list[str]:
        return [row.code for row in ledger_app.list_customers(**filters)]

    assert codes(segment="property") == ["C-00002"]
    assert codes(owner="li.wei") == ["C-00001", "C-00003"]
    assert codes(stage="terminated") == ["C-00003"]
    assert codes(stage="prospect") == ["C-00001", "C-00002"]
    assert codes(tier="strategic") == ["C-00001"]
    assert codes(owner="li.wei", tier="general") == ["C-00003"]
    assert codes(segment="shipping") == []


def test_a_reactivated_customer_is_listed_at_its_stage_before_termination(
    ledger_app: Ledger,
) -> None:
    register(ledger_app, stage=Stage.MATURITY)
    ledger_app.terminate_relationship(
        c.TerminateRelationship(
            actor=ACTOR,
            customer="C-00001",
            reason="Contract ended",
            root_cause="Price",
            head_office_ref="HO-2024-17",
        )
    )

    ledger_app.reactivate_relationship(
        c.ReactivateRelationship(actor=ACTOR, customer="C-00001", repair_plan="Monthly review")
    )

    assert [row.stage for row in ledger_app.list_customers()] == ["maturity"]


# ------------------------------------------------------------------- storage
def tables(storage: Storage) -> set[str]:
    """The tables the ledger's database holds right now."""
    if not storage.is_postgres:
        if not Path(storage.location).exists():
            return set()
        with sqlite3.connect(storage.location) as conn:
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            return {name for (name,) in conn.execute(query)}
    env = storage.env
    with psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        dbname=env["POSTGRES_DBNAME"],
    ) as conn:
        found = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (env["POSTGRES_SCHEMA"],),
        )
        return {name for (name,) in found}


def test_tables_are_created_on_first_use(storage: Storage) -> None:
    assert tables(storage) == set()

    app = Ledger(env=storage.env)
    seed_staff(app)
    register(app)
    app.close()

    assert {"events", "snapshots"} <= {name.rsplit("_", 1)[-1] for name in tables(storage)}
    reopened = Ledger(env=storage.env)
    assert [row.code for row in reopened.list_customers()] == ["C-00001"]
    reopened.close()


def test_the_event_store_stays_readable_by_a_stock_eventsourcing_application(
    ledger_app: Ledger, storage: Storage
) -> None:
    register(ledger_app)
    log_call(ledger_app)
    customer_id: UUID = ledger_app.resolve_customer("C-00001")

    class StockReader(Application[UUID]):
        name = "Ledger"

    reader = StockReader(env=storage.env)
    notifications = reader.recorder.select_notifications(start=1, limit=100)
    customer: Customer = reader.repository.get(customer_id)
    reader.close()

    assert customer.code == "C-00001"
    assert customer.version == 2
    assert len(notifications) == events_recorded(ledger_app)
