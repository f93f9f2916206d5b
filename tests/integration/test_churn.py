"""Churn risk on SQLite and PostgreSQL: hand-built customers with known signals get
the reasons a manager would give, in the order of their risk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.errors import InvalidInputError
from ledger.storage import Storage
from ledger.vocabulary import Channel, ComplaintCategory, Direction
from projections.churn import ChurnSignals, at_risk, new_signals
from projections.churn_scoring import ChurnPolicy, assess, parse_churn_policy, score
from projections.views import Views
from tests.reading import caught_up, reader

ACTOR = "li.wei"
TIMES = "\N{MULTIPLICATION SIGN}"
# Noon yesterday: every event below is back-dated from it, so nothing is in the future
# and day counts come out whole.
AS_OF = (now() - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)


def ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def register(
    app: Ledger, name: str, *, days_ago: float = 400, owner: str | None = "zhang.min"
) -> str:
    receipt = app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR, name=name, segment="airport", owner=owner, occurred_at=ago(days_ago)
        )
    )
    return receipt.customer_code


def call(app: Ledger, code: str, days_ago: float) -> int:
    receipt = app.log_contact(
        c.LogContact(
            actor=ACTOR,
            customer=code,
            channel=Channel.PHONE,
            direction=Direction.OUTBOUND,
            summary="Checked in on the schedule",
            occurred_at=ago(days_ago),
        )
    )
    return receipt.version


def calls_every(app: Ledger, code: str, gap: int, first: int, last: int) -> None:
    """Calls from `first` days ago to `last` days ago, one every `gap` days."""
    for days_ago in range(first, last - 1, -gap):
        call(app, code, days_ago)


def file_complaint(app: Ledger, code: str, days_ago: float) -> str:
    return app.file_complaint(
        c.FileComplaint(
            actor=ACTOR,
            customer=code,
            category=ComplaintCategory.SERVICE,
            channel=Channel.PHONE,
            description="Bags arrived late",
            occurred_at=ago(days_ago),
        )
    ).subject


def satisfaction(app: Ledger, code: str, score_: int, days_ago: float) -> None:
    app.record_satisfaction(
        c.RecordSatisfaction(
            actor=ACTOR, customer=code, score=score_, source="survey", occurred_at=ago(days_ago)
        )
    )


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


def ranking(views: Views, policy: ChurnPolicy | None = None, **filters: Any) -> list[Any]:
    return [
        (r.code, r.score, [f.reason for f in r.findings])
        for r in _ranked(views, policy or ChurnPolicy(), **filters)
    ]


def _ranked(views: Views, policy: ChurnPolicy, **filters: Any) -> list[Any]:
    with caught_up(views, ChurnSignals.name) as tx:
        return at_risk(tx, policy, AS_OF, **filters)


def stored_signals(views: Views) -> list[tuple[Any, ...]]:
    with views.store.transaction() as tx:
        return tx.fetchall("SELECT customer_id, code, segment, owner, stage, doc FROM view_churn")


# ------------------------------------------------------------------- ranking
def test_a_customer_silent_for_long_against_their_cadence_outranks_an_active_one(
    ledger_app: Ledger, views: Views
) -> None:
    silent = register(ledger_app, "Silent Airlines")
    calls_every(ledger_app, silent, gap=25, first=274, last=74)
    active = register(ledger_app, "Busy Cargo")
    calls_every(ledger_app, active, gap=10, first=272, last=2)

    ranked = ranking(views)

    assert ranked == [
        (
            silent,
            41,
            [
                f"no contact for 74 days, 3{TIMES} their usual 25-day cadence",
                "contacts fell to 1 in the last 90 days from 4 in the 90 before",
            ],
        ),
        (active, 0, []),
    ]


def test_customers_with_the_same_score_are_listed_by_code(ledger_app: Ledger, views: Views) -> None:
    for name in ("Gamma Air", "Alpha Air", "Beta Air"):
        register(ledger_app, name, days_ago=1, owner=None)

    ranked = ranking(views)

    assert [(code, risk) for code, risk, _ in ranked] == [
        ("C-00001", 10),
        ("C-00002", 10),
        ("C-00003", 10),
    ]


def test_each_signal_is_explained_in_words_a_manager_understands(
    ledger_app: Ledger, views: Views
) -> None:
    code = register(ledger_app, "Troubled Terminals", owner=None)
    ledger_app.add_key_person(
        c.AddKeyPerson(
            actor=ACTOR,
            customer=code,
            name="Zhang Wei",
            decision_role="decision_maker",
            occurred_at=ago(300),
        )
    )
    ledger_app.assess_relationship(
        c.AssessRelationship(
            actor=ACTOR,
            customer=code,
            case="P1",
            relationship_status="negative",
            occurred_at=ago(30),
        )
    )
    first = file_complaint(ledger_app, code, days_ago=12)
    file_complaint(ledger_app, code, days_ago=3)
    for level, days_ago in ((1, 11), (2, 10)):
        ledger_app.raise_escalation(
            c.RaiseEscalation(
                actor=ACTOR,
                customer=code,
                case=first,
                level=level,
                to="Head of ground handling",
                reason="No answer yet",
                occurred_at=ago(days_ago),
            )
        )
    for score_, days_ago in ((5, 200), (4, 150), (2, 40), (2, 20)):
        satisfaction(ledger_app, code, score_, days_ago)
    ledger_app.report_visit(
        c.ReportVisit(
            actor=ACTOR,
            customer=code,
            purpose="maintenance",
            kind="problem_handling",
            summary="They are talking to a competitor",
            outcome="D",
            occurred_at=ago(20),
        )
    )
    ledger_app.open_opportunity(
        c.OpenOpportunity(actor=ACTOR, customer=code, title="Lounge", occurred_at=ago(100))
    )
    ledger_app.lose_opportunity(
        c.LoseOpportunity(
            actor=ACTOR, customer=code, case="OP1", reason="price", occurred_at=ago(60)
        )
    )

    ranked = ranking(views)

    visit_day = ago(20).date().isoformat()
    assert ranked == [
        (
            code,
            83,
            [
                "2 complaints open, oldest 12 days",
                "satisfaction fell to 2.0 (last 2 scores) from 4.5 (the 2 before)",
                "decision maker Zhang Wei (P1) is negative",
                "2 escalations in the last 90 days",
                "no owner: nobody is responsible",
                f"latest visit V1 ({visit_day}) ended D (no hope)",
                "1 opportunity lost in the last 180 days (latest OP1: price)",
            ],
        )
    ]


def test_weights_from_the_configuration_change_the_score(ledger_app: Ledger, views: Views) -> None:
    register(ledger_app, "Ownerless Air", days_ago=1, owner=None)
    heavier = parse_churn_policy({"weights": {"no_owner": 50}})

    scores = [ranking(views)[0][1], ranking(views, heavier)[0][1]]

    assert scores == [10, 50]


def test_filters_pick_customers_by_segment_owner_score_and_count(
    ledger_app: Ledger, views: Views
) -> None:
    register(ledger_app, "Ownerless Air", days_ago=1, owner=None)
    register(ledger_app, "Owned Air", days_ago=1, owner="zhang.min")
    register(ledger_app, "Other Owner Air", days_ago=1, owner="wang.fang")

    picked = [
        [code for code, _, _ in ranking(views, owner="zhang.min")],
        [code for code, _, _ in ranking(views, min_score=10)],
        [code for code, _, _ in ranking(views, limit=2)],
        [code for code, _, _ in ranking(views, segment="cargo")],
    ]

    assert picked == [["C-00002"], ["C-00001"], ["C-00001", "C-00002"], []]


# --------------------------------------------------------------------- as of
def test_as_of_counts_back_from_that_moment_and_leaves_out_what_came_after(
    ledger_app: Ledger, views: Views
) -> None:
    code = register(ledger_app, "Silent Airlines")
    calls_every(ledger_app, code, gap=25, first=274, last=74)
    file_complaint(ledger_app, code, days_ago=5)
    earlier = AS_OF - timedelta(days=60)

    findings = reader(views).churn_at_risk(ChurnPolicy(), earlier)[0].findings

    assert findings == []


def test_a_customer_registered_after_the_moment_is_not_listed(
    ledger_app: Ledger, views: Views
) -> None:
    register(ledger_app, "Newcomer Air", days_ago=10)

    listed = reader(views).churn_at_risk(ChurnPolicy(), AS_OF - timedelta(days=20))

    assert listed == []


# ------------------------------------------------------------------ win-back
def test_terminated_customers_are_only_on_the_win_back_list(
    ledger_app: Ledger, views: Views
) -> None:
    register(ledger_app, "Staying Air", days_ago=1)
    lost = register(ledger_app, "Departed Air", days_ago=300)
    call(ledger_app, lost, days_ago=50)
    ledger_app.terminate_relationship(
        c.TerminateRelationship(
            actor=ACTOR,
            customer=lost,
            reason="Moved to a competitor",
            root_cause="Price",
            head_office_ref="HO-7",
            occurred_at=ago(30),
        )
    )

    scored = [code for code, _, _ in ranking(views)]
    terminated = reader(views).win_back(AS_OF)

    assert scored == ["C-00001"]
    assert terminated == [
        {
            "code": lost,
            "name": "Departed Air",
            "segment": "airport",
            "owner": "zhang.min",
            "terminated": ago(30).date().isoformat(),
            "days_since": 30,
            "reason": "Moved to a competitor",
            "last_contact": ago(50).date().isoformat(),
        }
    ]


def test_a_reactivated_customer_is_scored_again(ledger_app: Ledger, views: Views) -> None:
    code = register(ledger_app, "Returning Air", days_ago=5)
    ledger_app.terminate_relationship(
        c.TerminateRelationship(
            actor=ACTOR, customer=code, reason="Gone", root_cause="Price", head_office_ref="HO-8"
        )
    )
    ledger_app.reactivate_relationship(
        c.ReactivateRelationship(actor=ACTOR, customer=code, repair_plan="Quarterly reviews")
    )

    lists = (
        [r.code for r in reader(views).churn_at_risk(ChurnPolicy(), now())],
        reader(views).win_back(now()),
    )

    assert lists == ([code], [])


# ----------------------------------------------------------- kept and rebuilt
def test_signals_kept_up_step_by_step_equal_a_rebuild(ledger_app: Ledger, views: Views) -> None:
    code = register(ledger_app, "Stepwise Air")
    views.catch_up()
    calls_every(ledger_app, code, gap=20, first=300, last=40)
    views.catch_up()
    complaint = file_complaint(ledger_app, code, days_ago=30)
    satisfaction(ledger_app, code, 4, days_ago=100)
    views.catch_up()
    ledger_app.resolve_complaint(
        c.ResolveComplaint(actor=ACTOR, customer=code, case=complaint, resolution="Apologised")
    )
    ledger_app.reopen_complaint(
        c.ReopenComplaint(actor=ACTOR, customer=code, case=complaint, reason="Again late")
    )
    moved = call(ledger_app, code, days_ago=35)
    ledger_app.record_correction(
        c.RecordCorrection(
            actor=ACTOR,
            customer=code,
            version=moved,
            reason="wrong day",
            changes={"occurred_at": ago(33).isoformat()},
        )
    )
    ledger_app.assign_owner(
        c.AssignOwner(actor=ACTOR, customer=code, owner="wang.fang", reason="x")
    )
    views.catch_up()
    incremental = stored_signals(views)

    views.rebuild(["churn"])

    assert stored_signals(views) == incremental


def test_a_corrected_contact_date_moves_the_silence(ledger_app: Ledger, views: Views) -> None:
    code = register(ledger_app, "Misdated Air")
    calls_every(ledger_app, code, gap=10, first=200, last=100)
    typo = call(ledger_app, code, days_ago=60)

    ledger_app.record_correction(
        c.RecordCorrection(
            actor=ACTOR,
            customer=code,
            version=typo,
            reason="typed the wrong month",
            changes={"occurred_at": ago(90).isoformat()},
        )
    )

    assert ranking(views)[0][2][0] == f"no contact for 90 days, 9{TIMES} their usual 10-day cadence"


# ------------------------------------------------------------ pure scoring
def test_sla_breaches_count_beside_escalations_once_the_sweep_records_them() -> None:
    signals = new_signals("any")
    signals["owner"] = "zhang.min"
    signals["breaches"] = [[ago(10).isoformat(), 5], [ago(200).isoformat(), 3]]
    signals["escalations"] = [[ago(5).isoformat(), 6]]

    risk, reasons = score(signals, AS_OF, ChurnPolicy())

    assert (risk, reasons) == (10, ["1 SLA breach and 1 escalation in the last 90 days"])


def test_a_customer_never_contacted_is_measured_from_registration() -> None:
    signals = new_signals("any")
    signals.update(owner="zhang.min", registered_at=ago(120).isoformat())

    reasons = [f.reason for f in assess(signals, AS_OF, ChurnPolicy())]

    assert reasons == [
        f"no contact in the 120 days since registration, 4{TIMES} the default 30-day cadence"
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"weights": {"silence": "high"}},
            "churn.weights.silence must be a number of at least 0, got 'high'",
        ),
        (
            {"weights": {"mood": 5}},
            "churn.weights.mood is not a churn signal: use silence, "
            "open_complaints, breaches, falling_satisfaction, negative_decision_maker, no_owner, "
            "visit_outcome_d, falling_frequency, lost_opportunities",
        ),
        ({"window_days": 0}, "churn.window_days must be a whole number of at least 1, got 0"),
        ({"window_days": 7.5}, "churn.window_days must be a whole number of at least 1, got 7.5"),
        (
            {"silence_ratio": 4},
            "churn.silence_full_ratio must be above churn.silence_ratio (4), e.g. 3",
        ),
        ({"frequency_drop": 2}, "churn.frequency_drop is a share from 0 to 1, e.g. 0.5"),
        (
            {"negative_roles": ["boss"]},
            "churn.negative_roles must be a list of decision_maker, "
            "advisor, user, gatekeeper, coach, got ['boss']",
        ),
        ("loud", "churn must be a table: write it as [churn] with keys below"),
    ],
)
def test_a_bad_churn_setting_is_refused_in_one_line(table: object, message: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_churn_policy(table)

    assert str(refused.value) == message


def test_the_projection_is_listed_with_the_other_views(views: Views) -> None:
    assert "churn" in views.names() and isinstance(views.projection("churn"), ChurnSignals)
