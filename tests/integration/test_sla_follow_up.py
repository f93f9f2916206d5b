"""Follow-up of a lead is a recurring clock: each follow-up restarts it, and every
lapse is a breach of its own, listed, at risk and recorded by the sweep on its
own. The story: a lead created Monday 5 January 2026 at 10:00 (due 4 February),
followed up late on 10 February at 10:00 (next due 12 March), then left alone.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.domain import Snapshot

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.events import SlaBreached
from ledger.errors import RuleViolationError
from ledger.sla_sweep import sweep_breaches
from ledger.storage import Storage
from projections.sla.items import SlaItem
from projections.views import Views
from tests.reading import reader
from tests.staffing import seed_staff

ACTOR = "li.wei"
SWEEPER = "sla.bot"
CREATED = datetime(2026, 1, 5, 10, tzinfo=UTC)
FIRST_DUE = datetime(2026, 2, 4, 10, tzinfo=UTC)
FOLLOWED_UP = datetime(2026, 2, 10, 10, tzinfo=UTC)
SECOND_DUE = datetime(2026, 3, 12, 10, tzinfo=UTC)
JUNE = datetime(2026, 6, 1, tzinfo=UTC)
NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


@pytest.fixture
def lead(ledger_app: Ledger) -> str:
    """C-00001/OP1, followed up once, six days late."""
    customer = ledger_app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR, name="Capital Airport Group", segment="airport", owner="zhang.min",
            occurred_at=CREATED - timedelta(hours=1),
        )
    ).customer_code  # fmt: skip
    case = ledger_app.create_lead(
        c.CreateLead(actor=ACTOR, customer=customer, title="Cargo lounge", occurred_at=CREATED)
    ).subject
    ledger_app.log_follow_up(
        c.LogFollowUp(
            actor=ACTOR, customer=customer, case=case, summary="Called at last",
            occurred_at=FOLLOWED_UP,
        )
    )  # fmt: skip
    return f"{customer}/{case}"


def lapses(items: list[SlaItem]) -> list[tuple[str, datetime, str, timedelta | None]]:
    return [(item.ref, item.due_at, item.status, item.late) for item in items]


def test_a_lead_left_alone_after_a_late_follow_up_shows_both_lapses(
    views: Views, lead: str
) -> None:
    listed = reader(views).sla_breaches(as_of=JUNE, since=NEW_YEAR, kind="follow-up")

    assert lapses(listed) == [
        (lead, FIRST_DUE, "closed", FOLLOWED_UP - FIRST_DUE),
        (lead, SECOND_DUE, "open", JUNE - SECOND_DUE),
    ]
    assert listed[0].closed_at == FOLLOWED_UP


def test_an_old_lapse_ended_by_a_follow_up_is_listed_after_since_only(
    views: Views, lead: str
) -> None:
    listed = reader(views).sla_breaches(as_of=JUNE, kind="follow-up")  # since: the start of May

    assert lapses(listed) == [(lead, SECOND_DUE, "open", JUNE - SECOND_DUE)]


def test_before_the_first_lapse_the_lead_is_only_at_risk(views: Views, lead: str) -> None:
    moment = datetime(2026, 2, 1, tzinfo=UTC)  # 75% of 30 days: from 27 January 22:00

    assert reader(views).sla_breaches(as_of=moment, since=NEW_YEAR, kind="follow-up") == []
    assert [
        (i.ref, i.due_at) for i in reader(views).sla_at_risk(as_of=moment, kind="follow-up")
    ] == [(lead, FIRST_DUE)]


def test_during_the_first_lapse_it_is_an_open_breach(views: Views, lead: str) -> None:
    moment = datetime(2026, 2, 8, 10, tzinfo=UTC)

    listed = reader(views).sla_breaches(as_of=moment, since=NEW_YEAR, kind="follow-up")

    assert lapses(listed) == [(lead, FIRST_DUE, "open", timedelta(days=4))]
    assert reader(views).sla_at_risk(as_of=moment, kind="follow-up") == []


def test_between_the_lapses_the_current_period_is_at_risk(views: Views, lead: str) -> None:
    moment = datetime(2026, 3, 6, tzinfo=UTC)  # 75% of the period: from 4 March 22:00

    listed = reader(views).sla_breaches(as_of=moment, since=NEW_YEAR, kind="follow-up")
    risky = reader(views).sla_at_risk(as_of=moment, kind="follow-up")

    assert lapses(listed) == [(lead, FIRST_DUE, "closed", FOLLOWED_UP - FIRST_DUE)]
    assert [(i.ref, i.due_at, i.left) for i in risky] == [(lead, SECOND_DUE, SECOND_DUE - moment)]


def test_the_sweep_records_each_lapse_once(ledger_app: Ledger, views: Views, lead: str) -> None:
    seed_staff(ledger_app, (SWEEPER,))

    def sweep() -> list[SlaItem]:
        moment = now()
        actions = sweep_breaches(
            ledger_app,
            reader(views).unrecorded_breaches(as_of=moment),
            reader(views).breached_open_cases(as_of=moment),
            actor=SWEEPER,
            moment=moment,
            escalate=False,
        )
        return [action.item for action in actions]

    first = sweep()
    second = sweep()

    assert [(item.ref, item.due_at) for item in first] == [
        (lead, FIRST_DUE),
        (lead, SECOND_DUE),
    ]
    assert second == []
    recorded = [
        e for e in ledger_app.customer_events(lead.split("/")[0])[1] if isinstance(e, SlaBreached)
    ]
    assert [(e.case_id, e.target, e.due_at) for e in recorded] == [
        ("OP1", "follow_up", FIRST_DUE),
        ("OP1", "follow_up", SECOND_DUE),
    ]
    listed = reader(views).sla_breaches(as_of=JUNE, since=NEW_YEAR, kind="follow-up")
    assert [item.recorded for item in listed] == [True, True]


def test_a_lapse_recorded_before_follow_up_recurred_is_not_recorded_again(
    ledger_app: Ledger, views: Views, lead: str
) -> None:
    # What a sweep wrote when a lead had a single breach: the first lapse.
    seed_staff(ledger_app, (SWEEPER,))
    record_first_lapse(ledger_app, lead, f"sla-sweep:{lead.replace('/', ':')}:follow_up")

    still_to_record = reader(views).unrecorded_breaches(as_of=now())

    assert [(item.ref, item.due_at) for item in still_to_record] == [(lead, SECOND_DUE)]


def record_first_lapse(app: Ledger, lead: str, command_id: str) -> None:
    customer, case = lead.split("/")
    app.record_breach(
        c.RecordBreach(
            actor=SWEEPER, customer=customer, case=case, target="follow_up",
            due_at=FIRST_DUE, policy_version="default", occurred_at=FOLLOWED_UP,
            command_id=command_id,
        )
    )  # fmt: skip


def test_a_snapshot_from_before_lapses_were_told_apart_still_refuses_a_lapse_twice(
    ledger_app: Ledger, lead: str
) -> None:
    seed_staff(ledger_app, (SWEEPER,))
    record_first_lapse(ledger_app, lead, "first")
    customer_id = ledger_app.resolve_customer(lead.split("/")[0])
    # A snapshot as version 2 of the Customer wrote it: the breach without its due time.
    old = Snapshot.take(ledger_app.repository.get(customer_id))
    old.state["cases"]["OP1"]["breaches"] = ["follow_up"]
    old.state["class_version"] = 2
    assert ledger_app.snapshots is not None
    ledger_app.snapshots.put([old])

    with pytest.raises(RuleViolationError, match="recorded already"):
        record_first_lapse(ledger_app, lead, "again")
