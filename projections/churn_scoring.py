"""Churn risk as a score (docs/domain.md, "Churn risk"): the `[churn]` policy
(weights and thresholds), and the score from 0 to 100 with its reasons in words,
worked out from a customer's signals (projections.churn) as of a given moment."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from ledger.errors import InvalidInputError
from ledger.vocabulary import VISIT_OUTCOME_MEANING, DecisionRole
from projections.base import from_iso
from projections.base import iso as iso_text

Doc = dict[str, Any]

# The contacts a customer's usual cadence is worked out from: two years' worth.
CONTACT_YEARS_DAYS = 731


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


@dataclass(frozen=True)
class Silence:
    """A customer silent past their usual cadence: since when (the last contact
    day, or registration), for how many days, against which gap, and from which
    day the silence counts (the rule's thresholds crossed)."""

    since: date
    days: int
    gap: float
    ratio: float
    what: str
    usual: str
    counts_from: date


def silence(s: Doc, as_of: datetime, p: ChurnPolicy) -> Silence | None:
    """The silence signal's rule: a customer silent for at least
    `silence_min_days` and `silence_ratio` times their usual cadence (or the
    default one) as of `as_of`; None when they are not."""
    today = as_of.date()
    days = contact_days_until(s, today)
    cadence = usual_cadence(days, today, p)
    if days:
        since = days[-1]
        silent = (today - since).days
        what = f"no contact for {silent} days"
    elif s["registered_at"]:
        since = from_iso(s["registered_at"]).date()
        silent = (today - since).days
        what = f"no contact in the {silent} days since registration"
    else:
        return None
    usual = (
        f"their usual {cadence:g}-day cadence"
        if cadence is not None
        else (f"the default {p.default_cadence_days:g}-day cadence")
    )
    gap = cadence if cadence is not None else p.default_cadence_days
    ratio = silent / gap
    if silent < p.silence_min_days or ratio < p.silence_ratio:
        return None
    counts_after = max(float(p.silence_min_days), gap * p.silence_ratio)
    counts_from = since + timedelta(days=math.ceil(counts_after))
    return Silence(since, silent, gap, ratio, what, usual, counts_from)


def _silence(s: Doc, as_of: datetime, p: ChurnPolicy) -> list[Finding]:
    found = silence(s, as_of, p)
    if found is None:
        return []
    strength = min(1.0, (found.ratio - 1) / (p.silence_full_ratio - 1))
    return [
        Finding(
            "silence",
            p.weights.silence * strength,
            f"{found.what}, {_times(found.ratio)} {found.usual}",
        )
    ]


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
    # Imported when a score is computed, not by every command that reads the
    # settings: it brings fractions and decimal (docs/decisions.md, "Start-up").
    import statistics

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
    import statistics  # as in the cadence above

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


# ------------------------------------------------------------- upper bounds
# What a list of the highest scores reads instead of scoring every customer
# (docs/decisions.md, "Churn list: the highest scores without scoring everyone").
# Each signal above can fire as of a moment only when a condition on a few facts
# of the customer's signals holds (`facts`, kept in the churn view's columns),
# and adds at most its weight; so the weights of the signals that may fire,
# rounded up, bound the score from above. A condition here must hold whenever
# its check above fires: change one, change the other.


def facts(s: Doc) -> dict[str, Any]:
    """The facts of a customer's signals that the bounds read, as column values:
    days as `YYYY-MM-DD`, times as stored (UTC ISO text of fixed shape, which
    sorts as time), None where there is nothing."""
    days = s["contact_days"]
    complaints = [c["since"] for c in s["open_complaints"].values()]
    marked = [entries[-1][0] for entries in (s["breaches"], s["escalations"]) if entries]
    visit = s["last_visit"]
    return {
        "registered_at": s["registered_at"],
        "first_contact": min(days) if days else None,
        "last_contact": max(days) if days else None,
        "complaint_since": min(complaints) if complaints else None,
        "breach_last": max(marked) if marked else None,
        "satisfactions": len(s["satisfaction"]),
        "negative_people": sum(
            1
            for person in s["people"].values()
            if person["present"] and person["status"] == "negative"
        ),
        "visit_d_at": visit["at"] if visit is not None and visit["outcome"] == "D" else None,
        "lost_last": s["lost"][-1][0] if s["lost"] else None,
    }


# The names of `facts`, in its order: the churn view's columns for them.
FACTS = (
    "registered_at",
    "first_contact",
    "last_contact",
    "complaint_since",
    "breach_last",
    "satisfactions",
    "negative_people",
    "visit_d_at",
    "lost_last",
)


def bound_terms(as_of: datetime, p: ChurnPolicy) -> list[tuple[str, int, str, tuple[Any, ...]]]:
    """Per signal: its name, the most points it adds (its weight rounded up), and the SQL
    condition on `facts` (and the view's `owner`) without which it cannot fire
    as of `as_of`, with its parameters."""
    w = p.weights
    today = as_of.date()
    moment = iso_text(as_of)
    window = timedelta(days=p.window_days)

    def most(weight: float) -> int:
        # A finding's points are at most its weight, rounded to 6 places (`assess`).
        return math.ceil(round(weight, 6))

    return [
        # Silence: the latest contact day, when it is not after today, is the day
        # silence counts from, and under `silence_min_days` ago it is no silence.
        (
            "silence",
            most(w.silence),
            "(last_contact IS NULL OR last_contact <= ? OR last_contact > ?)",
            ((today - timedelta(days=p.silence_min_days)).isoformat(), today.isoformat()),
        ),
        ("open_complaints", most(w.open_complaints), "complaint_since <= ?", (moment,)),
        ("breaches", most(w.breaches), "breach_last > ?", (iso_text(as_of - window),)),
        # Falling satisfaction needs `satisfaction_recent` scores and one before.
        (
            "falling_satisfaction",
            most(w.falling_satisfaction),
            "satisfactions > ?",
            (p.satisfaction_recent,),
        ),
        ("negative_decision_maker", most(w.negative_decision_maker), "negative_people > 0", ()),
        ("no_owner", most(w.no_owner), "(owner IS NULL OR owner = '')", ()),
        ("visit_outcome_d", most(w.visit_outcome_d), "visit_d_at <= ?", (moment,)),
        # Falling frequency needs contacts in the window before the last one.
        (
            "falling_frequency",
            most(w.falling_frequency),
            "(first_contact <= ? AND last_contact >= ?)",
            ((today - window).isoformat(), (today - 2 * window + timedelta(days=1)).isoformat()),
        ),
        (
            "lost_opportunities",
            most(w.lost_opportunities),
            "lost_last > ?",
            (iso_text(as_of - timedelta(days=p.lost_window_days)),),
        ),
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
