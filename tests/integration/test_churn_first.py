"""The churn list's first rows (`at_risk_page`), read by upper bounds of the
scores, are exactly the first rows of the whole list (`at_risk`, every customer
scored) and the count is the whole list's: over a generated ledger of customers
with every kind of signal and many ties, at moments before, during and long
after their events, under several policies and filters, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import orjson
import pytest

from ledger.application import Ledger
from ledger.storage import Storage
from ledger.vocabulary import DecisionRole, RelationshipStatus
from projections.base import iso
from projections.churn import (
    ChurnSignals,
    _Signals,
    apply_event,
    at_risk,
    at_risk_page,
    new_signals,
)
from projections.churn_scoring import ChurnPolicy, ChurnWeights, assess, bound_terms
from projections.views import Views
from tests.reading import caught_up

T0 = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
CUSTOMERS = 360
MOMENTS = (
    T0 - timedelta(days=400),
    T0 - timedelta(days=45, hours=3),
    T0,
    T0 + timedelta(days=6),
    T0 + timedelta(days=95),
    T0 + timedelta(days=900),
    # Not UTC, and on another day there than in UTC: days count in the moment's own zone.
    datetime(2026, 6, 16, 1, 15, tzinfo=timezone(timedelta(hours=8))),
)
POLICIES = (
    ChurnPolicy(),
    # Fractional weights (bounds round them up), a signal weighed at nothing, a
    # short window, silence from the first day, other roles counting as negative.
    ChurnPolicy(
        weights=ChurnWeights(silence=12.5, no_owner=0, lost_opportunities=7.25, breaches=40),
        window_days=30,
        silence_min_days=0,
        lost_window_days=20,
        negative_roles=("advisor", "coach"),
    ),
    replace(ChurnPolicy(), satisfaction_recent=1, satisfaction_earlier=1, frequency_min_previous=1),
)


def when(rng: random.Random, low: int = -700, high: int = 30) -> str:
    return iso(T0 + timedelta(days=rng.randint(low, high), minutes=rng.randint(0, 1439)))


def entries(rng: random.Random, most: int, *extra: Any) -> list[list[Any]]:
    found = [[when(rng), v, *extra] for v in range(rng.randint(0, most))]
    return sorted(found, key=lambda e: (e[0], e[1]))


def generated_signals(rng: random.Random, number: int) -> dict[str, Any]:
    """One customer's signals as the view keeps them. Every 3rd customer is a
    copy of one of a few profiles, so that scores tie often and ties are cut by code."""
    doc = new_signals(str(uuid4()))
    profile = random.Random(number % 5) if number % 3 == 0 else rng
    doc.update(
        code=f"C-{number:05d}",
        name=f"Customer {number}",
        segment=rng.choice(("airport", "airline")),
        owner=profile.choice((None, "zhang.min", "li.wei", "li.wei")),
        stage=rng.choice(("growth",) * 9 + ("terminated",)),
        registered_at=when(rng, -800, 60),
    )
    for day in {when(profile, -720, 40)[:10] for _ in range(profile.randint(0, 14))}:
        doc["contact_days"][day] = profile.randint(1, 3)
        doc["contacts"] += doc["contact_days"][day]
    doc["open_complaints"] = {
        f"CP-{n}": {"v": n, "since": when(profile, -60, 20)} for n in range(profile.randint(0, 2))
    }
    doc["escalations"] = entries(profile, 2)
    doc["breaches"] = entries(profile, 3)
    doc["satisfaction"] = [[at, v, profile.randint(1, 5)] for at, v in entries(profile, 7)]
    doc["lost"] = [[at, v, f"OP-{v}", "price"] for at, v in entries(profile, 3)]
    doc["lost_total"] = len(doc["lost"])
    for n in range(profile.randint(0, 3)):
        doc["people"][f"P{n + 1}"] = {
            "name": f"Person {n}",
            "role": profile.choice(list(DecisionRole)).value,
            "status": profile.choice(list(RelationshipStatus)).value,
            "present": profile.random() < 0.8,
        }
    if profile.random() < 0.4:
        doc["last_visit"] = {
            "v": 1,
            "case_id": "VS-1",
            "at": when(profile, -200, 20),
            "outcome": profile.choice("ABCDD"),
        }
    return doc


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    views.catch_up([ChurnSignals.name])  # an empty ledger: the view's tables
    rng = random.Random(19)
    numbers = rng.sample(range(1, 10 * CUSTOMERS), CUSTOMERS)
    rows = _Signals(None, apply_event)
    for number in numbers:
        doc = generated_signals(rng, number)
        rows.docs[doc["customer_id"]] = doc
    rows.changed = set(rows.docs)
    with views.store.transaction() as tx:
        rows.flush(tx)
    yield views
    views.close()


def both(views: Views, policy: ChurnPolicy, moment: datetime, first: int, **filters: Any) -> None:
    with caught_up(views, ChurnSignals.name) as tx:
        whole = at_risk(tx, policy, moment, **filters)
        page, total = at_risk_page(tx, policy, moment, first, **filters)
    assert [r.as_row() for r in page] == [r.as_row() for r in whole[:first]]
    assert total == len(whole)


@pytest.mark.parametrize("policy", POLICIES, ids=("default", "reweighed", "short"))
def test_the_first_rows_are_those_of_the_whole_list_at_every_moment(
    views: Views, policy: ChurnPolicy
) -> None:
    for moment in MOMENTS:
        for first in (1, 7, 50, 2 * CUSTOMERS):
            both(views, policy, moment, first)


def test_filters_and_a_minimum_score_cut_the_same_rows(views: Views) -> None:
    for moment in MOMENTS[1:4]:
        for filters in (
            {"segment": "airport"},
            {"owner": "li.wei"},
            {"min_score": 30},
            {"segment": "airline", "min_score": 15},
        ):
            for first in (3, 50):
                both(views, ChurnPolicy(), moment, first, **filters)


def test_a_page_of_none_is_the_whole_list(views: Views) -> None:
    with caught_up(views, ChurnSignals.name) as tx:
        whole = at_risk(tx, ChurnPolicy(), T0)
        page, total = at_risk_page(tx, ChurnPolicy(), T0, None)
    assert [r.as_row() for r in page] == [r.as_row() for r in whole]
    assert total == len(whole) > 0


def test_the_list_is_read_without_scoring_every_customer(
    views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    import projections.churn as churn

    scored: list[str] = []
    score = churn._scored

    def counted(doc: dict[str, Any], as_of: datetime, policy: ChurnPolicy) -> Any:
        scored.append(doc["code"])
        return score(doc, as_of, policy)

    monkeypatch.setattr(churn, "_scored", counted)
    with caught_up(views, ChurnSignals.name) as tx:
        page, total = at_risk_page(tx, ChurnPolicy(), T0, 5)
    assert len(page) == 5
    assert len(scored) < total / 2


@pytest.mark.parametrize("policy", POLICIES, ids=("default", "reweighed", "short"))
def test_a_signal_fires_only_where_its_bound_lets_it_and_within_its_points(
    views: Views, policy: ChurnPolicy
) -> None:
    """Each day of two years (so that every threshold is crossed on its day by some
    customer): every signal that fires has its condition hold, and adds no more
    than its bound's points."""
    checked = 0
    with caught_up(views, ChurnSignals.name) as tx:
        docs = [orjson.loads(doc) for (doc,) in tx.fetchall("SELECT doc FROM view_churn")]
        for day in range(-720, 60, 3):
            moment = T0 + timedelta(days=day, hours=day % 24)
            terms = bound_terms(moment, policy)
            tests = ", ".join(f"CASE WHEN {test} THEN 1 ELSE 0 END" for _, _, test, _ in terms)
            holds = {
                str(row[0]): dict(zip([t[0] for t in terms], row[1:], strict=True))
                for row in tx.fetchall(
                    f"SELECT customer_id, {tests} FROM view_churn",
                    [value for *_, values in terms for value in values],
                )
            }
            most = {name: points for name, points, _, _ in terms}
            for doc in docs:
                for finding in assess(doc, moment, policy):
                    assert holds[doc["customer_id"]][finding.signal] == 1, (finding, moment)
                    assert finding.points <= most[finding.signal], (finding, moment)
                    checked += 1
    assert checked > 1000


def test_a_table_of_before_the_facts_is_read_as_it_was_until_rebuilt(views: Views) -> None:
    # Version 2's table, as an upgraded ledger has it until the rebuild its new
    # version calls for swaps a new one in (held up by another process, say).
    with views.store.transaction() as tx:
        tx.execute("ALTER TABLE view_churn RENAME TO view_churn_v2")
        tx.execute(
            "CREATE TABLE view_churn (customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, "
            "name TEXT NOT NULL, segment TEXT NOT NULL, owner TEXT, stage TEXT NOT NULL, "
            "doc TEXT NOT NULL)"
        )
        tx.execute(
            "INSERT INTO view_churn SELECT customer_id, code, name, segment, owner, stage, doc "
            "FROM view_churn_v2"
        )
        tx.execute("DROP TABLE view_churn_v2")
        ChurnSignals().create_indexes(tx)
        whole = at_risk(tx, ChurnPolicy(), T0)
        page, total = at_risk_page(tx, ChurnPolicy(), T0, 10)
    assert [r.as_row() for r in page] == [r.as_row() for r in whole[:10]]
    assert total == len(whole)
