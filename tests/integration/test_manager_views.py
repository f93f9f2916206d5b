"""The manager views on SQLite and PostgreSQL (docs/domain.md, "Reports"): the
pipeline of open leads and opportunities with its totals, and each member of
staff's activity in a period beside the period before, each as the caller may
see it.

The staff: `head.air` heads the airport segment, where `amy` and `bob` work;
`tom` works in technology; li.wei (tests/staffing) is an executive. Alpha and
Beta are airport customers of amy and bob, Tech a technology customer of tom."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ledger import commands as c
from ledger.access import SEGMENT_HEAD, STAFF, Caller
from ledger.application import Ledger
from ledger.domain.periods import Period
from ledger.domain.pipeline import totals
from ledger.errors import AccessDeniedError, InvalidInputError
from ledger.storage import Storage
from ledger.vocabulary import Channel, VisitKind, VisitOutcome, VisitPurpose
from projections.reader import Reader
from projections.views import Views
from tests.reading import reader
from tests.staffing import ADMIN, seed_staff

EXEC = "li.wei"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class World:
    app: Ledger
    views: Views
    alpha: str
    beta: str
    tech: str

    def as_(self, staff_id: str, role: str, segment: str | None) -> Reader:
        return Reader.for_caller(self.views, Caller(staff_id, role, segment))


@pytest.fixture
def world(ledger_app: Ledger, storage: Storage) -> Iterator[World]:
    app = ledger_app
    seed_staff(app)
    for staff_id, role, segment in (
        ("head.air", "segment_head", "airport"),
        ("amy", "staff", "airport"),
        ("bob", "staff", "airport"),
        ("tom", "staff", "technology"),
    ):
        app.add_staff(
            c.AddStaff(actor=ADMIN, staff=staff_id, name=staff_id, role=role, segment=segment)
        )

    def register(name: str, segment: str, owner: str) -> str:
        return app.register_customer(
            c.RegisterCustomer(
                actor=EXEC, name=name, segment=segment, owner=owner, occurred_at=at(1, 5)
            )
        ).customer_code

    views = Views(app, storage)
    yield World(
        app,
        views,
        register("Alpha", "airport", "amy"),
        register("Beta", "airport", "bob"),
        register("Tech", "technology", "tom"),
    )
    views.close()


def open_opportunity(
    w: World,
    actor: str,
    customer: str,
    title: str,
    when: datetime,
    value: str | None = None,
    currency: str | None = None,
    expected: date | None = None,
) -> str:
    return w.app.open_opportunity(
        c.OpenOpportunity(
            actor=actor, customer=customer, title=title, value=value and Decimal(value),
            currency=currency, expected_close=expected, occurred_at=when,
        )
    ).subject  # fmt: skip


# ------------------------------------------------------------------ pipeline
def test_pipeline_lists_open_items_with_stage_value_close_holder_and_follow_up(
    world: World,
) -> None:
    w = world
    lead = w.app.create_lead(
        c.CreateLead(actor="amy", customer=w.alpha, title="Lounge", occurred_at=at(3, 1))
    ).subject
    deal = open_opportunity(
        w, "amy", w.alpha, "Parking", at(2, 1), "1000.00", "CNY", date(2026, 6, 30)
    )
    w.app.log_follow_up(
        c.LogFollowUp(
            actor="amy", customer=w.alpha, case=deal, summary="called", occurred_at=at(3, 10)
        )
    )
    w.app.change_opportunity_stage(
        c.ChangeOpportunityStage(
            actor="amy", customer=w.alpha, case=deal, stage="proposal", occurred_at=at(3, 12)
        )
    )
    won = open_opportunity(w, "bob", w.beta, "Won already", at(2, 2), "5.00", "CNY")
    w.app.win_opportunity(
        c.WinOpportunity(actor="bob", customer=w.beta, case=won, occurred_at=at(2, 3))
    )

    items = {item.reference: item for item in reader(w.views).pipeline()}

    assert set(items) == {f"{w.alpha}/{lead}", f"{w.alpha}/{deal}"}  # the won one is gone
    opportunity = items[f"{w.alpha}/{deal}"]
    assert (opportunity.stage, opportunity.value, opportunity.currency) == (
        "proposal",
        "1000.00",
        "CNY",
    )
    # Moving the stage leaves the expected close as it was.
    assert opportunity.expected_close == date(2026, 6, 30)
    assert (opportunity.holder, opportunity.owner, opportunity.segment) == ("amy", "amy", "airport")
    # The stage change restarted the 30-day follow-up clock, as the SLA view says.
    assert opportunity.last_follow_up == at(3, 12)
    assert opportunity.follow_up_due == at(3, 12) + timedelta(days=30)
    assert opportunity.days_since_follow_up(at(3, 22, 1), ZoneInfo("UTC")) == 10
    first = items[f"{w.alpha}/{lead}"]
    assert (first.stage, first.value, first.expected_close) == ("lead", None, None)
    # Opening counts as the first follow-up.
    assert first.last_follow_up == at(3, 1)
    assert first.follow_up_due == at(3, 1) + timedelta(days=30)


def test_a_stage_change_with_a_date_moves_the_expected_close_and_a_converted_lead_keeps_its_id(
    world: World,
) -> None:
    w = world
    lead = w.app.create_lead(
        c.CreateLead(actor="amy", customer=w.alpha, title="Lounge", occurred_at=at(2, 1))
    ).subject
    w.app.open_opportunity(
        c.OpenOpportunity(
            actor="amy", customer=w.alpha, lead=lead, title="Lounge refit", value=Decimal("20"),
            currency="EUR", expected_close=date(2026, 5, 1), occurred_at=at(2, 5),
        )
    )  # fmt: skip
    w.app.change_opportunity_stage(
        c.ChangeOpportunityStage(
            actor="amy", customer=w.alpha, case=lead, stage="negotiation",
            expected_close=date(2026, 7, 15), occurred_at=at(2, 9),
        )
    )  # fmt: skip

    [item] = reader(w.views).pipeline()

    assert (item.case_id, item.title, item.stage) == (lead, "Lounge refit", "negotiation")
    assert item.expected_close == date(2026, 7, 15)


def test_a_handover_moves_the_holder_and_totals_never_add_different_currencies(
    world: World,
) -> None:
    w = world
    open_opportunity(w, "amy", w.alpha, "A1", at(2, 1), "1000.00", "CNY")
    open_opportunity(w, "amy", w.alpha, "A2", at(2, 2), "250.50", "CNY")
    open_opportunity(w, "amy", w.alpha, "A3", at(2, 3), "300.00", "USD")
    open_opportunity(w, "bob", w.beta, "B1", at(2, 4), "40.00", "USD")
    open_opportunity(w, "bob", w.beta, "B2", at(2, 5))  # no value yet: counted, not valued
    w.app.assign_owner(
        c.AssignOwner(
            actor=EXEC, customer=w.beta, owner="amy", reason="bob moved on", occurred_at=at(2, 6)
        )
    )

    items = reader(w.views).pipeline()

    assert {item.holder for item in items} == {"amy"}
    [by_holder] = totals(items, lambda item: item.holder)
    assert (by_holder.key, by_holder.count) == ("amy", 5)
    assert by_holder.values == {"CNY": Decimal("1250.50"), "USD": Decimal("340.00")}
    assert by_holder.value_text() == "1,250.50 CNY; 340.00 USD"
    [by_stage] = totals(items, lambda item: item.stage)
    assert (by_stage.key, by_stage.count) == ("qualification", 5)


def test_pipeline_filters_and_what_each_role_sees(world: World) -> None:
    w = world
    open_opportunity(w, "amy", w.alpha, "A1", at(2, 1), "1.00", "CNY")
    open_opportunity(w, "bob", w.beta, "B1", at(2, 2), "2.00", "CNY")
    open_opportunity(w, "tom", w.tech, "T1", at(2, 3), "3.00", "CNY")

    def titles(r: Reader, **filters: str) -> list[str]:
        return sorted(item.title for item in r.pipeline(**filters))

    executive = reader(w.views)
    assert titles(executive) == ["A1", "B1", "T1"]
    assert titles(executive, owner="bob") == ["B1"]
    assert titles(executive, segment="technology") == ["T1"]
    assert titles(executive, stage="proposal") == []
    assert titles(w.as_("head.air", SEGMENT_HEAD, "airport")) == ["A1", "B1"]
    assert titles(w.as_("amy", STAFF, "airport")) == ["A1"]
    with pytest.raises(AccessDeniedError):
        w.as_("amy", STAFF, "airport").pipeline(segment="technology")
    with pytest.raises(InvalidInputError, match="'nobody' is not a staff member"):
        executive.pipeline(owner="nobody")


# ------------------------------------------------------------------ activity
def work_of_march_and_april(w: World) -> None:
    """amy's contacts either side of the end of March in Shanghai (UTC+8): 15:00 UTC
    on 31 March is 23:00 there (March), 17:00 UTC is 01:00 on 1 April (April)."""
    for when, channel in (
        (at(3, 10), Channel.PHONE),
        (at(3, 31, 15), Channel.EMAIL),
        (at(3, 31, 17), Channel.PHONE),
        (at(4, 2), Channel.PHONE),
        (at(4, 3), Channel.MEETING),
    ):
        w.app.log_contact(
            c.LogContact(
                actor="amy", customer=w.alpha, channel=channel, direction="outbound",
                summary="called", occurred_at=when,
            )
        )  # fmt: skip
    # Typed in by the segment head, but bob went: the visit is bob's.
    w.app.report_visit(
        c.ReportVisit(
            actor="head.air", customer=w.beta, visitor="bob", purpose=VisitPurpose.MAINTENANCE,
            kind=VisitKind.PROBLEM_HANDLING, summary="looked", outcome=VisitOutcome.A,
            occurred_at=at(4, 7),
        )
    )  # fmt: skip
    inquiry = w.app.receive_inquiry(
        c.ReceiveInquiry(
            actor="bob", customer=w.beta, channel=Channel.EMAIL, title="Q", occurred_at=at(4, 8)
        )
    ).subject
    w.app.answer_inquiry(
        c.AnswerInquiry(
            actor="bob", customer=w.beta, case=inquiry, answer="A", occurred_at=at(4, 9)
        )
    )
    deal = open_opportunity(w, "tom", w.tech, "T1", at(3, 2))
    w.app.lose_opportunity(
        c.LoseOpportunity(
            actor="tom", customer=w.tech, case=deal, reason="price", occurred_at=at(4, 10)
        )
    )


def by_staff(
    r: Reader, period: Period, **filters: str
) -> dict[str, tuple[dict[str, int], dict[str, int]]]:
    return {
        entry.member.staff_id: (entry.current.by_kind, entry.previous.by_kind)
        for entry in r.activity(period, SHANGHAI, **filters)
    }


def test_activity_counts_each_persons_work_in_the_period_and_the_one_before(world: World) -> None:
    w = world
    work_of_march_and_april(w)
    april = Period.containing("month", date(2026, 4, 20))

    found = {e.member.staff_id: e for e in reader(w.views).activity(april, SHANGHAI)}

    amy = found["amy"]
    assert amy.current.by_kind == {"contact": 3}
    assert amy.current.by_channel == {"phone": 2, "meeting": 1}
    assert amy.previous.by_kind == {"contact": 2}
    assert amy.previous.by_channel == {"phone": 1, "email": 1}
    assert found["bob"].current.by_kind == {"visit": 1, "inquiry_answered": 1}
    assert found["tom"].current.by_kind == {"lost": 1}
    # Everyone who works on customers is listed, whether they did anything or not.
    assert found["head.air"].current.by_kind == {}


def test_a_corrected_channel_or_time_moves_the_count(world: World) -> None:
    w = world
    work_of_march_and_april(w)
    april = Period.containing("month", date(2026, 4, 20))
    reader(w.views).activity(april, SHANGHAI)  # the view is current before the corrections
    alpha = w.app.get_customer(w.alpha)
    events = w.app.customer_events(w.alpha)[1]
    meeting = next(e for e in events if getattr(e, "channel", None) == "meeting")
    on_the_2nd = next(e for e in events if e.occurred_at == at(4, 2))
    for version, changes in (
        (meeting.originator_version, {"channel": "web"}),
        (on_the_2nd.originator_version, {"occurred_at": "2026-03-20T09:00:00+00:00"}),
    ):
        w.app.record_correction(
            c.RecordCorrection(
                actor=EXEC, customer=alpha.code, version=version, reason="typo", changes=changes
            )
        )

    amy = next(e for e in reader(w.views).activity(april, SHANGHAI) if e.member.staff_id == "amy")

    assert amy.current.by_channel == {"phone": 1, "web": 1}
    assert amy.previous.by_channel == {"phone": 2, "email": 1}


def test_weeks_start_on_monday_in_the_ledgers_time_zone(world: World) -> None:
    w = world
    work_of_march_and_april(w)
    # Wednesday 1 April 2026: its week runs from Monday 30 March to Sunday 5 April.
    week = Period.containing("week", date(2026, 4, 1))

    amy = by_staff(reader(w.views), week)["amy"]

    # 31 March 23:00 and 1 April 01:00 local, 2 and 3 April; nothing the week before.
    assert amy == ({"contact": 4}, {})


def test_what_each_role_sees_of_activity(world: World) -> None:
    w = world
    work_of_march_and_april(w)
    april = Period.containing("month", date(2026, 4, 1))

    assert set(by_staff(w.as_("amy", STAFF, "airport"), april)) == {"amy"}
    assert set(by_staff(w.as_("head.air", SEGMENT_HEAD, "airport"), april)) == {
        "amy",
        "bob",
        "head.air",
    }
    everyone = set(by_staff(reader(w.views), april))
    assert {"amy", "bob", "tom", "head.air", EXEC} <= everyone
    assert set(by_staff(reader(w.views), april, segment="technology")) == {"tom"}
    assert set(by_staff(reader(w.views), april, owner="bob")) == {"bob"}
    with pytest.raises(AccessDeniedError, match="amy is staff: staff see their own activity only"):
        w.as_("amy", STAFF, "airport").activity(april, SHANGHAI, owner="bob")
    with pytest.raises(AccessDeniedError, match="only"):
        w.as_("head.air", SEGMENT_HEAD, "airport").activity(april, SHANGHAI, owner="tom")
    with pytest.raises(AccessDeniedError):
        Reader.for_caller(w.views, Caller(ADMIN, "admin", None))
    with pytest.raises(InvalidInputError, match="'nobody' is not a staff member"):
        reader(w.views).activity(april, SHANGHAI, owner="nobody")
