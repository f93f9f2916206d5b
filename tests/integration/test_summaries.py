"""A segment's monthly summary: submitted once, by its head or an executive, once
the month has ended; due by the end of the 5th of the next month; one missing or
late is a breach in the SLA lists, at risk before. On SQLite and PostgreSQL.

March 2026 (UTC): its summaries are due by the end of Sunday 5 April, so late
from 2026-04-06 00:00; at risk once 75% of the 5 days from the month's end have
passed (4 April, 18:00)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.reports import (
    MonthlySummary,
    summary_at_risk_from,
    summary_due,
    summary_stream_id,
)
from ledger.domain.sla.months import Month
from ledger.domain.sla.policy import SlaPolicy
from ledger.domain.sla.targets import SUMMARY
from ledger.errors import AccessDeniedError, InvalidInputError, RuleViolationError
from ledger.report_commands import SummaryReceipt
from ledger.storage import Storage
from projections.views import Views
from tests.reading import caught_up, reader

MARCH = Month(2026, 3)
UTC_ZONE = ZoneInfo("UTC")
DUE = datetime(2026, 4, 6, tzinfo=UTC)
HEADS = {"airport": "gao.yan", "technology": "sun.li"}
IN_OFFICE = datetime(2026, 1, 2, 9, tzinfo=UTC)  # the heads' accounts were added then


def at(day: int, hour: int = 10, month: int = 4) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def app(ledger_app: Ledger) -> Ledger:
    for segment, head in HEADS.items():
        ledger_app.add_staff(
            c.AddStaff(
                actor="ops", staff=head, name=head, role="segment_head", segment=segment,
                occurred_at=IN_OFFICE,
            )
        )  # fmt: skip
    others: list[tuple[str, str, str | None]] = [
        ("wu.hao", "staff", "airport"),
        ("qian.audit", "auditor", None),
    ]
    for staff_id, role, home in others:
        ledger_app.add_staff(
            c.AddStaff(actor="ops", staff=staff_id, name=staff_id, role=role, segment=home)
        )
    return ledger_app


@pytest.fixture
def views(app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(app, storage)
    yield views
    views.close()


def submit(
    app: Ledger, actor: str, when: datetime, month: Month = MARCH, **fields: Any
) -> SummaryReceipt:
    return app.submit_summary(
        c.SubmitSummary(actor=actor, month=str(month), occurred_at=when, **fields)
    )


def stored(app: Ledger) -> MonthlySummary:
    summary: MonthlySummary = app.repository.get(summary_stream_id("airport", MARCH, "cases"))
    return summary


# ------------------------------------------------------------------ the rule
def test_a_summary_is_due_by_the_end_of_the_fifth_of_the_next_month() -> None:
    policy = SlaPolicy()

    assert summary_due(MARCH, policy, UTC_ZONE) == DUE
    assert summary_due(Month(2026, 12), policy, UTC_ZONE) == datetime(2027, 1, 6, tzinfo=UTC)
    assert summary_at_risk_from(MARCH, policy, UTC_ZONE) == at(4, 18)


# --------------------------------------------------------------- submitting
def test_the_segment_head_submits_their_segments_summary_once(app: Ledger) -> None:
    first = submit(app, "gao.yan", at(3), note="Two open complaints", command_id="nov-1")
    again = submit(app, "gao.yan", at(3), command_id="nov-1")

    assert (first.segment, first.kind, first.late, first.replayed) == (
        "airport",
        "cases",
        False,
        False,
    )
    assert again.replayed
    assert stored(app).version == 1


def test_another_submission_of_the_same_summary_is_refused(app: Ledger) -> None:
    submit(app, "gao.yan", at(3))

    with pytest.raises(RuleViolationError) as refused:
        submit(app, "li.wei", at(4), segment="airport")

    assert str(refused.value) == (
        "the cases summary of airport for 2026-03 was submitted already, by gao.yan on "
        "2026-04-03 10:00: it is submitted once"
    )
    # The other kind is a summary of its own.
    assert not submit(app, "gao.yan", at(4), kind="visits").replayed


def test_a_summary_submitted_after_its_due_day_is_recorded_late(app: Ledger) -> None:
    receipt = submit(app, "gao.yan", at(6, 0))

    assert receipt.late
    assert receipt.due_at == DUE
    assert stored(app).late


def test_a_month_not_yet_ended_cannot_be_submitted(app: Ledger) -> None:
    with pytest.raises(RuleViolationError, match="2026-03 has not ended yet: its summary can"):
        submit(app, "gao.yan", at(31, 23, month=3))
    running = Month.of(now(), UTC_ZONE)
    with pytest.raises(RuleViolationError, match=f"{running} has not ended yet"):
        submit(app, "gao.yan", now() - timedelta(minutes=1), month=running)


@pytest.mark.parametrize(
    ("actor", "segment", "refusal"),
    [
        ("wu.hao", None, "wu.hao is staff: a segment's monthly summary is submitted by its "
         "segment head or an executive"),
        ("qian.audit", "airport", "qian.audit is auditor: a segment's monthly summary is "
         "submitted by its segment head or an executive"),
        ("ops", "airport", "ops is admin: a segment's monthly summary is submitted by its "
         "segment head or an executive"),
        ("sun.li", "airport", "sun.li is segment head of technology: the summary of airport "
         "is its own head's to submit"),
    ],
)  # fmt: skip
def test_only_the_segments_head_or_an_executive_submits(
    app: Ledger, actor: str, segment: str | None, refusal: str
) -> None:
    with pytest.raises(AccessDeniedError) as refused:
        submit(app, actor, at(3), segment=segment)

    assert str(refused.value) == refusal
    assert app._get_or_none(summary_stream_id("airport", MARCH, "cases")) is None


def test_an_executive_submits_for_a_segment_they_name(app: Ledger) -> None:
    with pytest.raises(InvalidInputError, match="an executive submits for one segment"):
        submit(app, "li.wei", at(3))

    assert submit(app, "li.wei", at(3), segment="technology").segment == "technology"


# ------------------------------------------------------------ the SLA lists
def test_a_summary_missing_or_late_is_a_breach_and_one_on_time_is_not(
    app: Ledger, views: Views
) -> None:
    submit(app, "gao.yan", at(3))  # airport cases: on time
    submit(app, "gao.yan", at(7), kind="visits")  # airport visits: late by a day and 10h
    # Technology submits nothing for March.

    items = reader(views).sla_breaches(as_of=at(10), kind=SUMMARY)
    march = [i for i in items if "2026-03" in i.case]

    day = timedelta(days=1)
    assert [(i.case, i.owner, i.status, i.late) for i in march] == [
        ("airport 2026-03 visits summary", "gao.yan", "closed", day + timedelta(hours=10)),
        ("technology 2026-03 cases summary", "sun.li", "open", 4 * day + timedelta(hours=10)),
        ("technology 2026-03 visits summary", "sun.li", "open", 4 * day + timedelta(hours=10)),
    ]
    assert all(i.due_at == DUE and i.target == "report_due" for i in march)


def test_a_summary_not_yet_submitted_is_at_risk_before_its_due_time(
    app: Ledger, views: Views
) -> None:
    submit(app, "gao.yan", at(4, 12))

    items = reader(views).sla_at_risk(as_of=at(5, 12), kind=SUMMARY)

    assert [(i.case, i.left) for i in items] == [
        ("airport 2026-03 visits summary", timedelta(hours=12)),
        ("technology 2026-03 cases summary", timedelta(hours=12)),
        ("technology 2026-03 visits summary", timedelta(hours=12)),
    ]
    assert reader(views).sla_at_risk(as_of=at(4, 17), kind=SUMMARY) == []


def test_a_segment_head_sees_what_they_owe_and_only_their_segments_breaches(
    app: Ledger, views: Views
) -> None:
    from ledger.access import SEGMENT_HEAD, Caller
    from projections.reader import Reader

    submit(app, "gao.yan", at(3))
    head = Reader.for_caller(views, Caller("gao.yan", SEGMENT_HEAD, "airport"))

    owed = head.summaries_owed_by("gao.yan", as_of=at(10))
    breaches = head.sla_breaches(as_of=at(10), kind=SUMMARY)

    # February's fell due on 6 March, after the start of the month before: still listed.
    assert [(str(s.month), s.kind, s.overdue(at(10))) for s in owed] == [
        ("2026-02", "cases", True),
        ("2026-02", "visits", True),
        ("2026-03", "visits", True),
    ]
    # On 2 April March's are due, not overdue, and the cases summary not yet submitted.
    early = head.summaries_owed_by("gao.yan", as_of=at(2))
    assert [(str(s.month), s.kind, s.overdue(at(2))) for s in early] == [
        ("2026-02", "cases", True),
        ("2026-02", "visits", True),
        ("2026-03", "cases", False),
        ("2026-03", "visits", False),
    ]
    assert {i.segment for i in breaches} == {"airport"}
    assert head.summaries_owed_by("sun.li", as_of=at(10)) == []


def test_a_head_owes_no_month_that_ended_before_they_took_office(app: Ledger, views: Views) -> None:
    app.add_staff(
        c.AddStaff(
            actor="ops", staff="ma.rui", name="Ma Rui", role="segment_head",
            segment="real_estate", occurred_at=at(1, 9),
        )
    )  # fmt: skip

    owed = reader(views).sla_breaches(as_of=at(10), segment="real_estate", kind=SUMMARY)
    later = reader(views).sla_breaches(as_of=at(10, month=5), segment="real_estate", kind=SUMMARY)

    assert owed == []  # March ended before 1 April
    assert [i.case for i in later] == [
        "real_estate 2026-04 cases summary",
        "real_estate 2026-04 visits summary",
    ]


def test_the_submissions_view_holds_each_submission(app: Ledger, views: Views) -> None:
    submit(app, "gao.yan", at(7), note="Late: staff away")

    with caught_up(views, "summaries") as tx:
        rows = tx.fetchall(
            "SELECT segment, month, kind, submitted_by, late, note FROM view_summaries"
        )

    assert [tuple(r) for r in rows] == [
        ("airport", "2026-03", "cases", "gao.yan", 1, "Late: staff away")
    ]
