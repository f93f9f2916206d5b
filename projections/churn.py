"""Churn risk (DESIGN.md §5): per customer, the signals that predict losing it, kept
current from its events; and a score from 0 to 100 with its reasons in words,
worked out when asked, as of a given moment.

The stored document holds only what the events say. Everything relative to a
moment ("days since", "the last 90 days") is computed by `score` at query time,
so the view is the same whether it was kept up incrementally or rebuilt. What is
kept is bounded: contacts as counts per (UTC) day, pruned to the two years
before the latest contact; the most recent escalations, breaches, scores and
lost opportunities; open complaints only.

A "contact" is a logged contact or a reported visit.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from functools import singledispatch
from itertools import pairwise
from typing import Any

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.errors import InvalidInputError
from ledger.vocabulary import VISIT_OUTCOME_MEANING, DecisionRole
from projections.base import DocumentReplay, Handlers, Projection, Replay, from_iso, iso
from projections.store import Transaction

Doc = dict[str, Any]

# Contact days are kept for two years before the latest one; pruning waits until
# the map has grown past what two years can hold, so it costs little per event.
CONTACT_YEARS_DAYS = 731
PRUNE_CONTACT_DAYS_ABOVE = 800
KEPT_TIMES = 50
KEPT_SCORES = 24
KEPT_LOSSES = 20


# --------------------------------------------------------------- configuration
@dataclass(frozen=True)
class ChurnWeights:
    """Points each signal adds at full strength (the total is capped at 100)."""

    silence: float = 30
    open_complaints: float = 20
    breaches: float = 15
    falling_satisfaction: float = 15
    negative_decision_maker: float = 15
    no_owner: float = 10
    visit_outcome_d: float = 10
    falling_frequency: float = 15
    lost_opportunities: float = 5


@dataclass(frozen=True)
class ChurnPolicy:
    """Weights and thresholds, from the `[churn]` table of the configuration."""

    weights: ChurnWeights = field(default_factory=ChurnWeights)
    # The "last 90 days" of breaches, escalations and contact frequency.
    window_days: int = 90
    # Silence: under this many days, or under `silence_ratio` times the customer's
    # usual gap between contacts, silence is normal; at `silence_full_ratio` times
    # it counts in full.
    silence_min_days: int = 14
    silence_ratio: float = 1.5
    silence_full_ratio: float = 3.0
    # A cadence needs this many gaps between contact days; until then the default.
    cadence_min_gaps: int = 3
    default_cadence_days: float = 30.0
    # Open complaints count in full at this many, or when the oldest is this old.
    complaint_full_count: int = 2
    complaint_stale_days: int = 7
    # Breaches and escalations in the window count in full at this many.
    breach_full_count: int = 3
    # Satisfaction falls when the average of the last scores is this much below
    # the average of the ones before.
    satisfaction_recent: int = 2
    satisfaction_earlier: int = 4
    satisfaction_drop: float = 1.0
    # Contact frequency falls when the last window has this share fewer contacts
    # than the one before (which needs at least `frequency_min_previous`).
    frequency_min_previous: int = 3
    frequency_drop: float = 0.5
    lost_window_days: int = 180
    lost_full_count: int = 2
    negative_roles: tuple[str, ...] = (DecisionRole.DECISION_MAKER.value,)


# Smallest value each threshold may take.
_MINIMUM: dict[str, float] = {
    "window_days": 1,
    "silence_min_days": 0,
    "silence_ratio": 1,
    "silence_full_ratio": 1,
    "cadence_min_gaps": 1,
    "default_cadence_days": 1,
    "complaint_full_count": 1,
    "complaint_stale_days": 0,
    "breach_full_count": 1,
    "satisfaction_recent": 1,
    "satisfaction_earlier": 1,
    "satisfaction_drop": 0,
    "frequency_min_previous": 1,
    "frequency_drop": 0,
    "lost_window_days": 1,
    "lost_full_count": 1,
}
_WHOLE = frozenset(f.name for f in fields(ChurnPolicy) if f.type == "int")
_WEIGHTS = tuple(f.name for f in fields(ChurnWeights))


def parse_churn_policy(table: object) -> ChurnPolicy:
    """Read the `[churn]` table (weights under `[churn.weights]`); every mistake is
    one line naming the key."""
    if table is None:
        return ChurnPolicy()
    if not isinstance(table, Mapping):
        raise InvalidInputError("churn must be a table: write it as [churn] with keys below")
    known = {"weights", "negative_roles", *_MINIMUM}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InvalidInputError(
            f"churn.{unknown[0]} is not a churn setting: use {', '.join(sorted(known))}"
        )
    defaults = ChurnPolicy()
    values: dict[str, Any] = {}
    for key, low in _MINIMUM.items():
        if key not in table:
            continue
        values[key] = _number(f"churn.{key}", table[key], low, whole=key in _WHOLE)
    if "frequency_drop" in values and values["frequency_drop"] > 1:
        raise InvalidInputError("churn.frequency_drop is a share from 0 to 1, e.g. 0.5")
    if "negative_roles" in table:
        values["negative_roles"] = _roles(table["negative_roles"])
    policy = replace(defaults, **values, weights=_parse_weights(table.get("weights")))
    if policy.silence_full_ratio <= policy.silence_ratio:
        raise InvalidInputError(
            "churn.silence_full_ratio must be above churn.silence_ratio "
            f"({policy.silence_ratio:g}), e.g. 3"
        )
    return policy


def _parse_weights(table: object) -> ChurnWeights:
    if table is None:
        return ChurnWeights()
    if not isinstance(table, Mapping):
        raise InvalidInputError("churn.weights must be a table: write it as [churn.weights]")
    unknown = sorted(set(table) - set(_WEIGHTS))
    if unknown:
        raise InvalidInputError(
            f"churn.weights.{unknown[0]} is not a churn signal: use {', '.join(_WEIGHTS)}"
        )
    return ChurnWeights(
        **{key: _number(f"churn.weights.{key}", value, 0) for key, value in table.items()}
    )


def _number(key: str, value: object, low: float, *, whole: bool = False) -> Any:
    if (
        # bool is an int to Python, but `true` is no number of days.
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and not isinstance(value, int))
        or value < low
    ):
        kind = "a whole number" if whole else "a number"
        raise InvalidInputError(f"{key} must be {kind} of at least {low:g}, got {value!r}")
    return value


def _roles(value: object) -> tuple[str, ...]:
    allowed = [role.value for role in DecisionRole]
    if not isinstance(value, list) or not all(v in allowed for v in value):
        raise InvalidInputError(
            f"churn.negative_roles must be a list of {', '.join(allowed)}, got {value!r}"
        )
    return tuple(value)


def churn_policy(raw: Mapping[str, Any]) -> ChurnPolicy:
    """The churn policy of a parsed configuration file (`Settings.raw`)."""
    return parse_churn_policy(raw.get("churn"))


# ------------------------------------------------------------------ projection
class ChurnSignals(Projection):
    name = "churn"
    keyed_by_customer = True
    version = "2"
    tables = {
        "view_churn": (
            "CREATE TABLE IF NOT EXISTS view_churn ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, "
            "segment TEXT NOT NULL, owner TEXT, stage TEXT NOT NULL, doc TEXT NOT NULL)"
        )
    }
    indexes = ("CREATE INDEX IF NOT EXISTS view_churn_segment ON view_churn (segment, owner)",)

    def replay(self, tx: Transaction | None) -> Replay:
        return _Signals(tx, apply_event)

    @staticmethod
    def load_all(
        tx: Transaction, *, segment: str | None = None, owner: str | None = None
    ) -> list[Doc]:
        where, params = [], []
        for column, value in (("segment", segment), ("owner", owner)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = tx.fetchall(f"SELECT doc FROM view_churn{clause} ORDER BY code", params)
        return [dict(json.loads(doc)) for (doc,) in rows]


COLUMNS = ("customer_id", "code", "name", "segment", "owner", "stage", "doc")


class _Signals(DocumentReplay):
    """Customers' signals held while events are applied, each written once per flush."""

    table = "view_churn"
    columns = COLUMNS

    def new(self, key: str) -> Doc:
        return new_signals(key)


def new_signals(customer_id: str) -> Doc:
    return {
        "customer_id": customer_id,
        "code": "",
        "name": "",
        "segment": "",
        "owner": None,
        "stage": "",
        "registered_at": None,
        "contact_days": {},
        "first_contact_at": None,
        "contacts": 0,
        "open_complaints": {},
        "escalations": [],
        "breaches": [],
        "satisfaction": [],
        "people": {},
        "last_visit": None,
        "lost": [],
        "lost_total": 0,
        "termination": None,
    }


def apply_event(doc: Doc, event: CustomerEvent, at: str) -> None:
    """Fold one event (which happened at `at`, as ISO text) into the signals."""
    _HANDLERS[type(event)](event, doc, at)


# -------------------------------------------------------------------- handlers
@singledispatch
def _handle(event: CustomerEvent, doc: Doc, at: str) -> None:
    """Events that change no signal."""


_HANDLERS = Handlers(_handle)


def _set(doc: Doc, field_name: str, value: Any, version: int) -> None:
    doc[field_name] = value


@_handle.register
def _(e: ev.CustomerRegistered, doc: Doc, at: str) -> None:
    doc.update(code=e.code, registered_at=at)
    for name in ("name", "segment", "owner", "stage"):
        _set(doc, name, getattr(e, name), e.originator_version)


@_handle.register
def _(e: ev.ProfileUpdated, doc: Doc, at: str) -> None:
    if "name" in e.changes:
        _set(doc, "name", e.changes["name"], e.originator_version)


@_handle.register
def _(e: ev.SegmentChanged, doc: Doc, at: str) -> None:
    _set(doc, "segment", e.segment, e.originator_version)


@_handle.register
def _(e: ev.OwnerAssigned, doc: Doc, at: str) -> None:
    _set(doc, "owner", e.owner, e.originator_version)


@_handle.register
def _(e: ev.LifecycleStageChanged, doc: Doc, at: str) -> None:
    _set(doc, "stage", e.stage, e.originator_version)


@_handle.register
def _(e: ev.RelationshipTerminated, doc: Doc, at: str) -> None:
    _set(doc, "stage", "terminated", e.originator_version)
    doc["termination"] = {"v": e.originator_version, "at": at, "reason": e.reason}


@_handle.register
def _(e: ev.RelationshipReactivated, doc: Doc, at: str) -> None:
    _set(doc, "stage", e.stage, e.originator_version)
    doc["termination"] = None


@_handle.register
def _(e: ev.KeyPersonAdded, doc: Doc, at: str) -> None:
    doc["people"][e.person_id] = {
        "name": e.name,
        "role": e.decision_role,
        "status": e.relationship_status,
        "present": True,
    }


@_handle.register
def _(e: ev.KeyPersonUpdated, doc: Doc, at: str) -> None:
    person = doc["people"][e.person_id]
    for key, change in (("name", "name"), ("role", "decision_role")):
        if change in e.changes:
            person[key] = e.changes[change]


@_handle.register
def _(e: ev.KeyPersonRelationshipAssessed, doc: Doc, at: str) -> None:
    person = doc["people"][e.person_id]
    person["status"] = e.relationship_status


@_handle.register
def _(e: ev.KeyPersonLeft, doc: Doc, at: str) -> None:
    doc["people"][e.person_id]["present"] = False


@_handle.register
def _(e: ev.ContactLogged, doc: Doc, at: str) -> None:
    _count_contact(doc, e.originator_version, at)


@_handle.register
def _(e: ev.VisitReported, doc: Doc, at: str) -> None:
    _count_contact(doc, e.originator_version, at)
    last = doc["last_visit"]
    if last is None or (at, e.originator_version) >= (last["at"], last["v"]):
        doc["last_visit"] = {
            "v": e.originator_version,
            "case_id": e.case_id,
            "at": at,
            "outcome": e.outcome,
        }


@_handle.register
def _(e: ev.ComplaintFiled, doc: Doc, at: str) -> None:
    doc["open_complaints"][e.case_id] = {"v": e.originator_version, "since": at}


@_handle.register
def _(e: ev.ComplaintReopened, doc: Doc, at: str) -> None:
    # Resolved complaints are not kept, so a reopened one is open since reopening.
    doc["open_complaints"][e.case_id] = {"v": e.originator_version, "since": at}


@_handle.register
def _(e: ev.ComplaintResolved, doc: Doc, at: str) -> None:
    doc["open_complaints"].pop(e.case_id, None)


@_handle.register
def _(e: ev.EscalationRaised, doc: Doc, at: str) -> None:
    _remember(doc["escalations"], [at, e.originator_version], KEPT_TIMES)


@_handle.register
def _(e: ev.SlaBreached, doc: Doc, at: str) -> None:
    # A breach counts from when the target passed, not from when a sweep noticed.
    # Where no sweep has recorded breaches, escalations raised stand in for them
    # (both count in the same signal).
    _remember(doc["breaches"], [iso(e.due_at), e.originator_version], KEPT_TIMES)


@_handle.register
def _(e: ev.OpportunityLost, doc: Doc, at: str) -> None:
    doc["lost_total"] += 1
    _remember(doc["lost"], [at, e.originator_version, e.case_id, e.reason], KEPT_LOSSES)


@_handle.register
def _(e: ev.SatisfactionRecorded, doc: Doc, at: str) -> None:
    _remember(doc["satisfaction"], [at, e.originator_version, e.score], KEPT_SCORES)


def _remember(entries: list[list[Any]], entry: list[Any], keep: int) -> None:
    """Keep the latest `keep` entries in time order (time, then version)."""
    entries.append(entry)
    entries.sort(key=lambda x: (x[0], x[1]))
    del entries[:-keep]


def _count_contact(doc: Doc, version: int, at: str) -> None:
    day = at[:10]
    days = doc["contact_days"]
    days[day] = days.get(day, 0) + 1
    doc["contacts"] += 1
    if doc["first_contact_at"] is None or at < doc["first_contact_at"]:
        doc["first_contact_at"] = at
    if len(days) > PRUNE_CONTACT_DAYS_ABOVE:
        cutoff = (date.fromisoformat(max(days)) - timedelta(days=CONTACT_YEARS_DAYS)).isoformat()
        for old in [d for d in days if d < cutoff]:
            del days[old]


# --------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class Finding:
    """One signal that fired: its name, the points it adds, and why, in words."""

    signal: str
    points: float
    reason: str


def score(signals: Doc, as_of: datetime, policy: ChurnPolicy) -> tuple[int, list[str]]:
    """The churn risk (0-100) of one customer as of a moment, and its reasons,
    strongest first."""
    findings = assess(signals, as_of, policy)
    return total(findings), [f.reason for f in findings]


def total(findings: Iterable[Finding]) -> int:
    return min(100, int(sum(f.points for f in findings) + 0.5))


def assess(signals: Doc, as_of: datetime, policy: ChurnPolicy) -> list[Finding]:
    """Every signal that fires as of `as_of`, strongest first. Ages and windows are
    measured back from `as_of`; what happened after it is left out. People, owner
    and stage are as the ledger knows them now."""
    checks = (
        _silence,
        _open_complaints,
        _breaches,
        _falling_satisfaction,
        _negative_people,
        _no_owner,
        _visit_outcome_d,
        _falling_frequency,
        _lost_opportunities,
    )
    # Points are rounded so that equal signals tie exactly and keep their order.
    found = [
        replace(f, points=round(f.points, 6))
        for check in checks
        for f in check(signals, as_of, policy)
        if f.points > 0
    ]
    return sorted(found, key=lambda f: -f.points)


def _silence(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    today = as_of.date()
    days = contact_days_until(s, today)
    cadence = usual_cadence(days, today, p)
    if days:
        silent = (today - days[-1]).days
        what = f"no contact for {silent} days"
    elif s["registered_at"]:
        silent = (today - from_iso(s["registered_at"]).date()).days
        what = f"no contact in the {silent} days since registration"
    else:
        return []
    usual = (
        f"their usual {cadence:g}-day cadence"
        if cadence is not None
        else (f"the default {p.default_cadence_days:g}-day cadence")
    )
    gap = cadence if cadence is not None else p.default_cadence_days
    ratio = silent / gap
    if silent < p.silence_min_days or ratio < p.silence_ratio:
        return []
    strength = min(1.0, (ratio - 1) / (p.silence_full_ratio - 1))
    return [Finding("silence", p.weights.silence * strength, f"{what}, {_times(ratio)} {usual}")]


def contact_days_until(s: Doc, today: date) -> list[date]:
    """Days with a contact, oldest first, up to and including `today`."""
    return sorted(d for d in (date.fromisoformat(k) for k in s["contact_days"]) if d <= today)


def usual_cadence(days: Sequence[date], today: date, p: ChurnPolicy) -> float | None:
    """The median gap in days between contact days of the two years before `today`;
    None while there are too few gaps to tell."""
    since = today - timedelta(days=CONTACT_YEARS_DAYS)
    recent = [d for d in days if d >= since]
    gaps = [(b - a).days for a, b in pairwise(recent)]
    if len(gaps) < p.cadence_min_gaps:
        return None
    return max(1.0, float(statistics.median(gaps)))


def _open_complaints(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    opened = [from_iso(c["since"]) for c in s["open_complaints"].values()]
    opened = [moment for moment in opened if moment <= as_of]
    if not opened:
        return []
    oldest = (as_of - min(opened)).days
    strength = min(1.0, len(opened) / p.complaint_full_count)
    if oldest >= p.complaint_stale_days:
        strength = 1.0
    count = _plural(len(opened), "complaint")
    return [
        Finding(
            "open_complaints",
            p.weights.open_complaints * strength,
            f"{count} open, oldest {_plural(oldest, 'day')}"
            if len(opened) > 1
            else f"1 complaint open for {_plural(oldest, 'day')}",
        )
    ]


def _in_window(entries: Iterable[list[Any]], as_of: datetime, days: int) -> list[list[Any]]:
    start = as_of - timedelta(days=days)
    return [e for e in entries if start < from_iso(e[0]) <= as_of]


def _breaches(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    breaches = len(_in_window(s["breaches"], as_of, p.window_days))
    escalations = len(_in_window(s["escalations"], as_of, p.window_days))
    if not breaches and not escalations:
        return []
    parts = [
        _plural(n, word) for n, word in ((breaches, "SLA breach"), (escalations, "escalation")) if n
    ]
    strength = min(1.0, (breaches + escalations) / p.breach_full_count)
    return [
        Finding(
            "breaches",
            p.weights.breaches * strength,
            f"{' and '.join(parts)} in the last {p.window_days} days",
        )
    ]


def _falling_satisfaction(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    scores = [e[2] for e in s["satisfaction"] if from_iso(e[0]) <= as_of]
    recent = scores[-p.satisfaction_recent :]
    earlier = scores[: -p.satisfaction_recent][-p.satisfaction_earlier :]
    if not earlier or len(recent) < p.satisfaction_recent:
        return []
    now_avg, before_avg = statistics.mean(recent), statistics.mean(earlier)
    drop = before_avg - now_avg
    if drop < p.satisfaction_drop or drop <= 0:
        return []
    strength = min(1.0, drop / 2)
    return [
        Finding(
            "falling_satisfaction",
            p.weights.falling_satisfaction * strength,
            f"satisfaction fell to {now_avg:.1f} (last {_plural(len(recent), 'score')}) "
            f"from {before_avg:.1f} "
            + ("(the score before)" if len(earlier) == 1 else f"(the {len(earlier)} before)"),
        )
    ]


def _negative_people(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    negative = [
        f"{person['role'].replace('_', ' ')} {person['name']} ({pid})"
        for pid, person in sorted(s["people"].items(), key=lambda kv: _person_order(kv[0]))
        if person["present"]
        and person["status"] == "negative"
        and person["role"] in p.negative_roles
    ]
    if not negative:
        return []
    verb = "is" if len(negative) == 1 else "are"
    return [
        Finding(
            "negative_decision_maker",
            p.weights.negative_decision_maker,
            f"{' and '.join(negative)} {verb} negative",
        )
    ]


def _person_order(person_id: str) -> tuple[int, str]:
    digits = person_id.lstrip("P")
    return (int(digits) if digits.isdigit() else 0, person_id)


def _no_owner(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    # Hook: once staff accounts exist, an owner who has left counts as none.
    if s["owner"]:
        return []
    return [Finding("no_owner", p.weights.no_owner, "no owner: nobody is responsible")]


def _visit_outcome_d(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    visit = s["last_visit"]
    if visit is None or visit["outcome"] != "D" or from_iso(visit["at"]) > as_of:
        return []
    return [
        Finding(
            "visit_outcome_d",
            p.weights.visit_outcome_d,
            f"latest visit {visit['case_id']} ({visit['at'][:10]}) ended D "
            f"({VISIT_OUTCOME_MEANING['D']})",
        )
    ]


def contacts_between(s: Doc, first: date, last: date) -> int:
    """Contacts on the days from `first` to `last`, both included."""
    low, high = first.isoformat(), last.isoformat()
    return sum(n for day, n in s["contact_days"].items() if low <= day <= high)


def _falling_frequency(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    today = as_of.date()
    window = timedelta(days=p.window_days)
    recent = contacts_between(s, today - window + timedelta(days=1), today)
    previous = contacts_between(s, today - 2 * window + timedelta(days=1), today - window)
    if previous < p.frequency_min_previous or recent > previous * (1 - p.frequency_drop):
        return []
    strength = 1 - recent / previous
    return [
        Finding(
            "falling_frequency",
            p.weights.falling_frequency * strength,
            f"contacts fell to {recent} in the last {p.window_days} days "
            f"from {previous} in the {p.window_days} before",
        )
    ]


def _lost_opportunities(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    lost = _in_window(s["lost"], as_of, p.lost_window_days)
    if not lost:
        return []
    latest = lost[-1]
    strength = min(1.0, len(lost) / p.lost_full_count)
    return [
        Finding(
            "lost_opportunities",
            p.weights.lost_opportunities * strength,
            f"{_plural(len(lost), 'opportunity')} lost in the last {p.lost_window_days} days "
            f"(latest {latest[2]}: {latest[3]})",
        )
    ]


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{n} {word[:-1]}ies"
    if word.endswith("ch"):
        return f"{n} {word}es"
    return f"{n} {word}s"


def _times(ratio: float) -> str:
    shown = f"{ratio:.1f}".removesuffix(".0")
    return f"{shown}\N{MULTIPLICATION SIGN}"


# ---------------------------------------------------------------------- queries
@dataclass(frozen=True)
class AtRisk:
    code: str
    name: str
    segment: str
    owner: str | None
    stage: str
    score: int
    findings: list[Finding]

    def as_row(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "segment": self.segment,
            "owner": self.owner,
            "stage": self.stage,
            "score": self.score,
            "reasons": [f.reason for f in self.findings],
            "points": {f.signal: round(f.points, 1) for f in self.findings},
        }


def _registered_by(doc: Doc, as_of: datetime) -> bool:
    return doc["registered_at"] is not None and from_iso(doc["registered_at"]) <= as_of


def at_risk(
    views: Any,
    policy: ChurnPolicy,
    as_of: datetime,
    *,
    segment: str | None = None,
    owner: str | None = None,
    min_score: int = 0,
    limit: int | None = None,
) -> list[AtRisk]:
    """Active customers by churn risk, highest first (then by code), caught up first.
    Customers registered after `as_of` are not listed; terminated ones are in
    `win_back`."""
    views.catch_up(["churn"])
    with views.store.transaction() as tx:
        docs = ChurnSignals.load_all(tx, segment=segment, owner=owner)
    ranked = []
    for doc in docs:
        if doc["stage"] == "terminated" or not _registered_by(doc, as_of):
            continue
        findings = assess(doc, as_of, policy)
        risk = total(findings)
        if risk < min_score:
            continue
        ranked.append(
            AtRisk(
                code=doc["code"],
                name=doc["name"],
                segment=doc["segment"],
                owner=doc["owner"],
                stage=doc["stage"],
                score=risk,
                findings=findings,
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.code))
    return ranked if limit is None else ranked[:limit]


def win_back(
    views: Any,
    as_of: datetime,
    *,
    segment: str | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Terminated customers, most recently lost first (then by code)."""
    views.catch_up(["churn"])
    with views.store.transaction() as tx:
        docs = ChurnSignals.load_all(tx, segment=segment, owner=owner)
    rows = []
    for doc in docs:
        ended = doc["termination"]
        if doc["stage"] != "terminated" or ended is None or not _registered_by(doc, as_of):
            continue
        days = contact_days_until(doc, as_of.date())
        rows.append(
            {
                "code": doc["code"],
                "name": doc["name"],
                "segment": doc["segment"],
                "owner": doc["owner"],
                "terminated": ended["at"][:10],
                "days_since": max(0, (as_of - from_iso(ended["at"])).days),
                "reason": ended["reason"],
                "last_contact": days[-1].isoformat() if days else None,
            }
        )
    rows.sort(key=lambda r: r["code"])
    rows.sort(key=lambda r: r["terminated"], reverse=True)
    return rows if limit is None else rows[:limit]
