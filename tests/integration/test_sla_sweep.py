"""`ledger sla sweep`: each breach becomes an SlaBreached event in its customer's
stream exactly once, however often and however many sweeps run, and with
--escalate a breached open inquiry or complaint goes up one escalation level.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.base import CustomerEvent
from ledger.domain.events import EscalationRaised, SlaBreached
from ledger.errors import CaseNotFoundError, RuleViolationError
from ledger.history import tell
from ledger.sla_sweep import SweepAction, sweep_breaches
from ledger.storage import Storage
from ledger.vocabulary import Channel, ComplaintCategory
from projections.sla.items import SlaItem
from projections.views import Views
from tests.reading import reader
from tests.staffing import seed_staff

ACTOR = "li.wei"
SWEEPER = "sla.bot"
REGISTERED = datetime(2026, 3, 2, 9, tzinfo=UTC)
FILED = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)  # a Friday: due Monday 11:30
DUE = datetime(2026, 3, 9, 11, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def sweeper(ledger_app: Ledger) -> str:
    """The sweep runs as an account of its own, an executive (who may sweep every
    segment)."""
    seed_staff(ledger_app, (SWEEPER,))
    return SWEEPER


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


@pytest.fixture
def customer(ledger_app: Ledger) -> str:
    """C-00001 with a complaint (CP1) breached and still open, and an inquiry (IQ1)
    answered a day late."""
    code = ledger_app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR, name="Capital Airport Group", segment="airport", owner="zhang.min",
            occurred_at=REGISTERED,
        )
    ).customer_code  # fmt: skip
    ledger_app.file_complaint(
        c.FileComplaint(
            actor=ACTOR, customer=code, category=ComplaintCategory.SERVICE,
            description="The lounge closed early", channel=Channel.PHONE, occurred_at=FILED,
        )
    )  # fmt: skip
    ledger_app.receive_inquiry(
        c.ReceiveInquiry(
            actor=ACTOR, customer=code, channel=Channel.EMAIL, title="Fees", occurred_at=FILED
        )
    )
    ledger_app.answer_inquiry(
        c.AnswerInquiry(
            actor=ACTOR, customer=code, case="IQ1", answer="Free for members",
            occurred_at=datetime(2026, 3, 9, 17, tzinfo=UTC),
        )
    )  # fmt: skip
    return code


def sweep(app: Ledger, views: Views, *, escalate: bool = False) -> list[SweepAction[SlaItem]]:
    moment = now()
    return sweep_breaches(
        app,
        reader(views).unrecorded_breaches(as_of=moment),
        reader(views).breached_open_cases(as_of=moment),
        actor=SWEEPER,
        moment=moment,
        escalate=escalate,
    )


def stream(app: Ledger, customer: str) -> list[CustomerEvent]:
    return app.customer_events(customer)[1]


def test_a_sweep_records_each_breach_as_an_event_in_the_customers_stream(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    before = now()

    recorded = sweep(ledger_app, views)

    assert [(a.item.ref, a.level) for a in recorded] == [
        (f"{customer}/IQ1", None),
        (f"{customer}/CP1", None),
    ]
    events = [e for e in stream(ledger_app, customer) if isinstance(e, SlaBreached)]
    complaint = next(e for e in events if e.case_id == "CP1")
    assert (complaint.target, complaint.due_at, complaint.policy_version) == (
        "resolution",
        DUE,
        "default",
    )
    assert complaint.detected_at >= before and complaint.detected_at == complaint.occurred_at
    assert (complaint.actor, complaint.command_id) == (
        SWEEPER,
        f"sla-sweep:{customer}:CP1:resolution",
    )


def test_a_second_sweep_records_nothing_new(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    sweep(ledger_app, views)
    written = ledger_app.recorder.max_notification_id()

    again = sweep(ledger_app, views)

    assert again == []
    assert ledger_app.recorder.max_notification_id() == written


def test_two_sweeps_at_once_record_each_breach_once(
    ledger_app: Ledger, storage: Storage, customer: str
) -> None:
    # Opened one after the other: the library's start-up statements themselves
    # cannot run concurrently on PostgreSQL (CREATE OR REPLACE FUNCTION).
    sweepers = [Ledger(env=storage.env) for _ in range(2)]

    def one_sweep(app: Ledger) -> list[SweepAction[SlaItem]]:
        views = Views(app, storage)
        try:
            return sweep(app, views)
        finally:
            views.close()

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(one_sweep, sweepers))
    finally:
        for app in sweepers:
            app.close()

    assert sum(len(r) for r in results) == 2
    breached = [e for e in stream(ledger_app, customer) if isinstance(e, SlaBreached)]
    assert sorted(e.case_id for e in breached) == ["CP1", "IQ1"]


def test_a_swept_breach_is_shown_as_recorded(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    sweep(ledger_app, views)

    listed = reader(views).sla_breaches(as_of=now(), since=REGISTERED, kind=None)

    assert [(i.ref, i.recorded) for i in listed if i.customer] == [
        (f"{customer}/IQ1", True),
        (f"{customer}/CP1", True),
    ]


def test_the_history_tells_when_a_breach_was_detected(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    sweep(ledger_app, views)

    entry = next(
        e
        for e in tell(stream(ledger_app, customer))
        if e.data.get("case_id") == "CP1" and e.category == "sla"
    )

    assert entry.category == "sla"
    assert entry.text.startswith(
        "CP1 missed its resolution target (due 2026-03-09 11:30, policy default); detected "
    )


def test_escalating_raises_level_1_on_a_breached_complaint_still_open(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    actions = sweep(ledger_app, views, escalate=True)

    assert [(a.item.ref, a.level) for a in actions if a.level] == [(f"{customer}/CP1", 1)]
    raised = [e for e in stream(ledger_app, customer) if isinstance(e, EscalationRaised)]
    assert [(e.concerning, e.level, e.to, e.actor) for e in raised] == [
        ("CP1", 1, "supervisor", SWEEPER)
    ]


def test_escalating_again_raises_nothing_new(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    sweep(ledger_app, views, escalate=True)
    written = ledger_app.recorder.max_notification_id()

    again = sweep(ledger_app, views, escalate=True)

    assert again == []
    assert ledger_app.recorder.max_notification_id() == written


def test_an_escalation_gives_the_due_time_in_the_ledgers_time_zone(
    ledger_app: Ledger, storage: Storage, customer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_TIMEZONE", "Asia/Shanghai")
    in_shanghai = Ledger(env=storage.env)
    views = Views(in_shanghai, storage)

    try:
        sweep(in_shanghai, views, escalate=True)
    finally:
        views.close()
        in_shanghai.close()

    raised = [e for e in stream(ledger_app, customer) if isinstance(e, EscalationRaised)]
    assert [e.reason for e in raised] == [
        "SLA resolution target missed: due 2026-03-09 19:30 Asia/Shanghai (policy default)"
    ]


def escalate_by_hand(app: Ledger, customer: str, level: int) -> None:
    app.raise_escalation(
        c.RaiseEscalation(
            actor=ACTOR, customer=customer, case="CP1", level=level, to="wang.qiang",
            reason="The customer called the CEO",
        )
    )  # fmt: skip


def test_a_breach_escalated_by_hand_goes_one_level_higher(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    escalate_by_hand(ledger_app, customer, 1)

    actions = sweep(ledger_app, views, escalate=True)

    assert [a.level for a in actions if a.level] == [2]
    assert actions[-1].describe() == "escalated to level 2 (department head)"


def test_a_complaint_already_at_head_office_is_not_escalated_further(
    ledger_app: Ledger, views: Views, customer: str
) -> None:
    escalate_by_hand(ledger_app, customer, 3)

    actions = sweep(ledger_app, views, escalate=True)

    assert [a.level for a in actions] == [None, None]


def record_breach(app: Ledger, customer: str, **fields: object) -> None:
    values: dict[str, object] = {
        "actor": SWEEPER,
        "customer": customer,
        "case": "CP1",
        "target": "resolution",
        "due_at": DUE,
        "policy_version": "default",
        **fields,
    }
    app.record_breach(c.RecordBreach(**values))


def test_the_same_breach_is_refused_under_another_command_id(
    ledger_app: Ledger, customer: str
) -> None:
    record_breach(ledger_app, customer, command_id="first")

    with pytest.raises(RuleViolationError, match="CP1 has its resolution breach recorded already"):
        record_breach(ledger_app, customer, command_id="second")


def test_a_breach_of_a_target_the_case_does_not_have_is_refused(
    ledger_app: Ledger, customer: str
) -> None:
    with pytest.raises(RuleViolationError, match="its SLA target is resolution, not first_answer"):
        record_breach(ledger_app, customer, target="first_answer")


def test_a_breach_cannot_be_detected_before_the_target_has_passed(
    ledger_app: Ledger, customer: str
) -> None:
    with pytest.raises(RuleViolationError, match="cannot be detected before the target"):
        record_breach(ledger_app, customer, occurred_at=datetime(2026, 3, 9, 11, tzinfo=UTC))


def test_a_breach_of_an_unknown_case_is_refused(ledger_app: Ledger, customer: str) -> None:
    with pytest.raises(CaseNotFoundError):
        record_breach(ledger_app, customer, case="CP7")
