"""The demo data set: reproducible, complete, loaded once, and true to the rules,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from cli import ledger
from demo.customers import demo_customer_id
from demo.load import DEFAULT_SEED, DemoLoad, load_demo
from demo.staff import LEAVER, ensure_demo_staff
from demo.timeline import history_end
from ledger.application import Ledger
from ledger.config import load_settings
from ledger.domain.base import CustomerEvent
from ledger.domain.customer import Customer
from ledger.domain.events import (
    ALL_EVENTS,
    ComplaintFiled,
    ComplaintPaused,
    ComplaintReopened,
    ComplaintResolved,
    EscalationRaised,
    OwnerAssigned,
    ResponsibilityHandedOver,
)
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.calendar_config import CalendarConfig
from ledger.errors import InvalidInputError
from ledger.storage import Storage, resolve
from projections.views import Views
from tests.staffing import seed_staff

CUSTOMERS = 12
# What differs between two loads of the same seed: when each event was recorded,
# and the hash chain, which covers that recording time.
RECORDING_FIELDS = {"timestamp", "event_hash", "previous_hash"}


def load(app: Ledger, today: date | None = None) -> DemoLoad:
    return load_demo(
        app,
        customers=CUSTOMERS,
        seed=DEFAULT_SEED,
        today=today or datetime.now(UTC).date(),
        timezone=ZoneInfo("UTC"),
    )


def stream(app: Ledger, index: int) -> list[CustomerEvent]:
    events = app.events.get(demo_customer_id(DEFAULT_SEED, index))
    return [e for e in events if isinstance(e, CustomerEvent)]


def demo_events(app: Ledger) -> list[CustomerEvent]:
    return [event for index in range(CUSTOMERS) for event in stream(app, index)]


def what_happened(event: CustomerEvent) -> tuple[str, dict[str, Any]]:
    fields = {k: v for k, v in vars(event).items() if k not in RECORDING_FIELDS}
    if fields.get("personal"):
        # Sealed with a random key and nonce: the same details never seal alike.
        fields["personal"] = "sealed"
    return type(event).__name__, fields


def late_complaints(events: list[CustomerEvent]) -> list[str]:
    """Complaints, never paused, resolved after a whole working day had passed since
    they were filed (or reopened): unmistakably beyond the 4 working hours, with or
    without a business calendar."""
    filed: dict[str, date] = {}
    paused: set[str] = set()
    late = []
    for event in events:
        if isinstance(event, ComplaintFiled | ComplaintReopened):
            filed[event.case_id] = event.occurred_at.astimezone(UTC).date()
        elif isinstance(event, ComplaintPaused):
            paused.add(event.case_id)
        elif isinstance(event, ComplaintResolved) and event.case_id not in paused:
            resolved = event.occurred_at.astimezone(UTC).date()
            days_between = (filed[event.case_id] + timedelta(days=n) for n in range(1, 30))
            if any(day < resolved and day.weekday() < 5 for day in days_between):
                late.append(event.case_id)
    return late


def test_the_same_seed_loads_the_same_events(ledger_app: Ledger, tmp_path: Path) -> None:
    today = datetime.now(UTC).date()
    elsewhere = Ledger(env=resolve(str(tmp_path / "elsewhere.sqlite3"), environ={}).env)

    try:
        load(ledger_app, today)
        load(elsewhere, today)
        loaded_here = [what_happened(e) for e in demo_events(ledger_app)]
        loaded_elsewhere = [what_happened(e) for e in demo_events(elsewhere)]
    finally:
        elsewhere.close()

    assert loaded_here == loaded_elsewhere
    assert len(loaded_here) > 20 * CUSTOMERS


def test_a_dozen_demo_customers_show_every_kind_of_event(ledger_app: Ledger) -> None:
    load(ledger_app)

    recorded = {type(event).__name__ for event in demo_events(ledger_app)}

    # Breaches are recorded by `ledger sla sweep`, never by staff at a keyboard.
    assert {cls.__name__ for cls in ALL_EVENTS} - recorded == {"SlaBreached"}


def test_loading_the_demo_twice_adds_nothing(ledger_app: Ledger) -> None:
    first = load(ledger_app)
    last_notification = ledger_app.recorder.max_notification_id()

    second = load(ledger_app)

    assert (first.added, first.present) == (CUSTOMERS, 0)
    assert (second.added, second.present, second.events) == (0, CUSTOMERS, 0)
    assert ledger_app.recorder.max_notification_id() == last_notification


def test_some_demo_complaints_were_resolved_late(ledger_app: Ledger) -> None:
    load(ledger_app)

    late = [
        case for index in range(CUSTOMERS) for case in late_complaints(stream(ledger_app, index))
    ]

    assert late


def test_demo_complaints_are_answered_in_time_or_late_by_the_ledgers_own_calendar(
    storage: Storage,
) -> None:
    """The stories resolve a complaint within 1 to 3.6 working hours (in time) or 17
    to 30 (late on purpose): so they are by the calendar the ledger is configured
    with, here long days from Monday to Saturday."""
    long_days = CalendarConfig(
        working_days=frozenset(range(6)), working_hours=((time(7), time(21)),)
    )
    app = Ledger(env=storage.env, settings=replace(load_settings(), calendar=long_days))
    seed_staff(app)
    calendar = BusinessCalendar(long_days, app.settings.timezone)

    try:
        load(app)
        events = demo_events(app)
    finally:
        app.close()

    since: dict[str, datetime] = {}
    paused: set[str] = set()
    taken: list[float] = []
    for event in events:
        if isinstance(event, ComplaintFiled | ComplaintReopened):
            since[event.case_id] = event.occurred_at
        elif isinstance(event, ComplaintPaused):
            paused.add(event.case_id)
        elif isinstance(event, ComplaintResolved) and event.case_id not in paused:
            elapsed = calendar.business_time_between(since[event.case_id], event.occurred_at)
            taken.append(elapsed / timedelta(hours=1))
    assert taken
    assert [hours for hours in taken if not (hours < 4 or 17 <= hours <= 30)] == []


def test_the_tour_customer_was_handed_over_escalated_and_answered_late(
    ledger_app: Ledger,
) -> None:
    load(ledger_app)

    story = stream(ledger_app, 0)

    handovers = [e for e in story if isinstance(e, OwnerAssigned)]
    assert any(e.previous == LEAVER and LEAVER in e.reason for e in handovers)
    assert {e.level for e in story if isinstance(e, EscalationRaised)} >= {1, 2}
    assert late_complaints(story)


def test_the_leavers_customers_took_their_counterparts_and_promises_with_them(
    storage: Storage,
) -> None:
    """The demo's own accounts, as `ledger demo` adds them: zhao.lei leaves, and
    nothing at any customer is left held by someone no longer responsible."""
    app = Ledger(env=storage.env)
    try:
        today = datetime.now(UTC).date()
        ensure_demo_staff(app, history_end(today, ZoneInfo("UTC")), None)
        load(app, today)
        customers: list[Customer] = [
            app.repository.get(demo_customer_id(DEFAULT_SEED, index)) for index in range(CUSTOMERS)
        ]

        def status(staff_id: str) -> str | None:
            member = app.member_or_none(staff_id)
            return None if member is None else member.status

        stale = {customer.code: customer.stale_holdings(status) for customer in customers}
        story = stream(app, 0)
    finally:
        app.close()

    moved_from_leaver = {
        e.role for e in story if isinstance(e, ResponsibilityHandedOver) and e.previous == LEAVER
    }
    assert "counterpart" in moved_from_leaver
    assert {code: found for code, found in stale.items() if found} == {}


def test_every_demo_event_happened_in_the_past_and_in_order(ledger_app: Ledger) -> None:
    load(ledger_app)
    now = datetime.now(UTC)

    for index in range(CUSTOMERS):
        moments = [event.occurred_at for event in stream(ledger_app, index)]

        assert moments == sorted(moments)
        assert moments[-1] < now


def test_a_demo_history_cannot_end_in_the_future(ledger_app: Ledger) -> None:
    the_day_after_tomorrow = datetime.now(UTC).date() + timedelta(days=2)
    recorded = ledger_app.recorder.max_notification_id()

    with pytest.raises(InvalidInputError, match="still to come"):
        load(ledger_app, the_day_after_tomorrow)

    assert ledger_app.recorder.max_notification_id() == recorded


def test_ledger_demo_prints_where_the_data_is_and_what_to_try(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"

    result = CliRunner().invoke(ledger, ["--db", str(db), "demo", "--customers", "12"])

    assert result.exit_code == 0, result.output
    assert f"Loaded the demo into {db} (sqlite): 12 customers with " in result.stdout
    assert f"ledger --db {db} history C-00001\n" in result.stdout
    assert "export LEDGER_ACTOR=" in result.stdout


def test_ledger_demo_run_again_says_the_data_is_loaded_already(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    runner = CliRunner()
    runner.invoke(ledger, ["--db", str(db), "demo", "--customers", "12"])

    result = runner.invoke(ledger, ["--db", str(db), "demo", "--customers", "12"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"The demo data (seed {DEFAULT_SEED}, 12 customers) is already loaded in {db} (sqlite); "
        "nothing was added."
    )
    assert f"ledger --db {db} history C-00001\n" in result.stdout


def test_ledger_demo_ends_with_every_view_at_the_head_of_the_log(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"

    result = CliRunner().invoke(ledger, ["--db", str(db), "demo", "--customers", "12"])

    assert result.exit_code == 0, result.output
    storage = resolve(str(db))
    app = Ledger(env=storage.env)
    views = Views(app, storage)
    try:
        statuses = views.status()
        assert {s.name for s in statuses} == set(views.names())
        assert all(s.position == s.head > 0 and not s.stale for s in statuses)
    finally:
        views.close()
        app.close()


def test_demo_account_managers_hand_in_plans_reviewed_returned_and_late(storage: Storage) -> None:
    from demo.plans import STORIES, submit_demo_plans
    from demo.staff import ensure_demo_staff
    from demo.timeline import history_end
    from ledger.domain.events.visit_plans import PLAN_EVENTS
    from ledger.domain.sla.months import Month
    from ledger.domain.visit_plan import plan_due, plan_stream_id

    app = Ledger(env=storage.env)
    timezone = ZoneInfo("UTC")
    today = datetime.now(UTC).date()
    end = history_end(today, timezone)
    try:
        ensure_demo_staff(app, end, None)
        load_demo(app, customers=40, seed=DEFAULT_SEED, today=today, timezone=timezone)
        told = submit_demo_plans(app, end)
        written = app.recorder.max_notification_id()
        submit_demo_plans(app, end)
        rerun_wrote = app.recorder.max_notification_id() != written
        this_month = Month.of(end, timezone)
        plans = {
            owner: app.visit_plan(owner, this_month if story.late else this_month.next())
            for owner, story in told.items()
        }
        recorded = {
            type(event).__name__
            for owner in told
            for event in app.events.get(plan_stream_id(owner, this_month.next()))
        }
    finally:
        app.close()

    assert list(told.values()) == list(STORIES)
    assert not rerun_wrote
    assert [plan.status if plan else None for plan in plans.values()] == [
        "approved", "returned", "approved", "submitted", "submitted", "submitted",
    ]  # fmt: skip
    by_head, late = list(plans.values())[4:]
    # On time unless the demo is loaded after the month's last working day.
    due = plan_due(Month.of(end, timezone).next(), BusinessCalendar())
    assert by_head is not None and by_head.late == (end >= due)
    assert late is not None and late.late
    # Every kind of plan event is in the demo.
    assert recorded == {cls.__name__ for cls in PLAN_EVENTS}


def test_the_demo_submits_summaries_on_time_and_late_and_leaves_one_owed(
    storage: Storage,
) -> None:
    from ledger.domain.sla.months import Month
    from ledger.domain.sla.targets import SUMMARY
    from projections.summaries import submissions
    from tests.reading import caught_up, reader

    # The demo's own accounts, heads of segments since the history began.
    ledger_app = Ledger(env=storage.env)
    today = datetime.now(UTC).date()
    ensure_demo_staff(ledger_app, datetime.combine(today, time(0), UTC), None)
    load(ledger_app, today)
    views = Views(ledger_app, storage)
    try:
        with caught_up(views, "summaries") as tx:
            done = submissions(tx)
        as_of = datetime.combine(today, time(0), UTC)
        before = Month.of(as_of, ZoneInfo("UTC")).previous().previous()
        since = before.start(ZoneInfo("UTC"))
        breaches = reader(views).sla_breaches(as_of=as_of, since=since, kind=SUMMARY)
    finally:
        views.close()
        ledger_app.close()

    assert {(s.segment, s.kind, s.late) for s in done if s.month == str(before)} == {
        ("airport", "cases", False),
        ("airport", "visits", False),
        ("technology", "cases", True),
        ("technology", "visits", True),
    }
    # The month before last: technology's were late, real estate's never came.
    assert {(b.segment, b.case, b.status) for b in breaches if str(before) in b.case} == {
        ("technology", f"technology {before} cases summary", "closed"),
        ("technology", f"technology {before} visits summary", "closed"),
        ("real_estate", f"real_estate {before} cases summary", "open"),
        ("real_estate", f"real_estate {before} visits summary", "open"),
    }


def test_demo_key_people_have_contact_plans_some_overdue_and_some_not(
    ledger_app: Ledger, storage: Storage
) -> None:
    from ledger.access import EXECUTIVE, Caller
    from projections.reader import Reader

    today = datetime.now(UTC).date()
    load(ledger_app)
    views = Views(ledger_app, storage)
    try:
        reader = Reader.for_caller(views, Caller("li.wei", EXECUTIVE, None))
        planned = reader.contacts_due(tz=ZoneInfo("UTC"), today=today, until=date(2999, 12, 31))
    finally:
        views.close()

    overdue = [p for p in planned if p.overdue_days > 0]
    assert overdue and len(overdue) < len(planned)
    assert {p.every_days for p in planned if p.decision_role == "decision_maker"} == {30}
    assert {p.every_days for p in planned if p.decision_role != "decision_maker"} <= {60, 90}


def test_a_demo_run_as_someone_on_a_new_ledger_loads_and_can_be_run_again(
    tmp_path: Path,
) -> None:
    # Issue #18: as guo.ming (not an account yet) it wrote two events, exited 1, and
    # a plain re-run was then refused.
    db = tmp_path / "demo.sqlite3"
    runner = CliRunner()

    first = runner.invoke(
        ledger, ["--db", str(db), "demo", "--customers", "12"], env={"LEDGER_ACTOR": "guo.ming"}
    )
    again = runner.invoke(ledger, ["--db", str(db), "demo", "--customers", "12"])

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert "nothing was added" in again.stdout


def test_a_refused_demo_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    storage = resolve(str(db))
    app = Ledger(env=storage.env)
    try:
        seed_staff(app)  # li.wei is an executive here, who may not add accounts
        written = app.recorder.max_notification_id()
    finally:
        app.close()

    result = CliRunner().invoke(
        ledger, ["--db", str(db), "--as", "li.wei", "demo", "--customers", "12"]
    )

    app = Ledger(env=storage.env)
    try:
        assert result.exit_code == 1, result.output
        assert app.recorder.max_notification_id() == written
    finally:
        app.close()
