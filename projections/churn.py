"""Churn risk (docs/domain.md, "Churn risk"): per customer, the signals that predict losing it, kept
current from its events; and a score from 0 to 100 with its reasons in words,
worked out when asked, as of a given moment.

The stored document holds only what the events say. Everything relative to a
moment ("days since", "the last 90 days") is computed at query time
(`projections.churn_scoring`),
so the view is the same whether it was kept up incrementally or rebuilt. What is
kept is bounded: contacts as counts per (UTC) day, pruned to the two years
before the latest contact; the most recent escalations, breaches, scores and
lost opportunities; open complaints only.

A "contact" is a logged contact or a reported visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import singledispatch
from typing import Any

import orjson

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from projections.base import (
    DocumentReplay,
    Handlers,
    Projection,
    Replay,
    dumps,
    from_iso,
    iso,
)
from projections.churn_scoring import (
    CONTACT_YEARS_DAYS,
    FACTS,
    ChurnPolicy,
    Finding,
    assess,
    bound_terms,
    contact_days_until,
    facts,
    total,
)
from projections.store import Transaction, chunks

Doc = dict[str, Any]

# Contact days are kept for two years (CONTACT_YEARS_DAYS) before the latest one;
# pruning waits until the map has grown past what two years can hold, so it costs
# little per event.
PRUNE_CONTACT_DAYS_ABOVE = 800
KEPT_TIMES = 50
KEPT_SCORES = 24
KEPT_LOSSES = 20


# The churn list's bounds (`at_risk_page`) read every active customer's facts:
# from this index alone on SQLite, not from rows that hold the documents. It
# leads with the stage, so the terminated (the win-back list) are a range too.
BOUNDS_INDEX = (
    "CREATE INDEX IF NOT EXISTS view_churn_bounds ON view_churn (stage, registered_at, "
    "segment, owner, first_contact, last_contact, complaint_since, breach_last, "
    "satisfactions, negative_people, visit_d_at, lost_last, code, customer_id)"
)


# ------------------------------------------------------------------ projection
class ChurnSignals(Projection):
    name = "churn"
    keyed_by_customer = True
    # 3: the facts the churn list's upper bounds read (`churn_scoring.facts`) in
    # columns of their own, and an index holding them.
    version = "3"
    tables = {
        "view_churn": (
            "CREATE TABLE IF NOT EXISTS view_churn ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, "
            "segment TEXT NOT NULL, owner TEXT, stage TEXT NOT NULL, "
            "registered_at TEXT, first_contact TEXT, last_contact TEXT, complaint_since TEXT, "
            "breach_last TEXT, satisfactions INTEGER NOT NULL, negative_people INTEGER NOT NULL, "
            "visit_d_at TEXT, lost_last TEXT, doc TEXT NOT NULL)"
        )
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_churn_segment ON view_churn (segment, owner)",
        # One owner's customers (the work list's silent customers), without a scan.
        "CREATE INDEX IF NOT EXISTS view_churn_owner ON view_churn (owner)",
        BOUNDS_INDEX,
    )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Signals(tx, apply_event)

    def create_indexes(self, tx: Transaction) -> None:
        # A table of version 2 has no facts to index: it stays as it is, read as
        # it was, until the rebuild its version calls for swaps a new one in.
        if has_facts(tx):
            super().create_indexes(tx)
        else:
            for statement in self.indexes:
                if statement != BOUNDS_INDEX:
                    tx.execute(statement)

    @staticmethod
    def load_all(
        tx: Transaction,
        *,
        segment: str | None = None,
        owner: str | None = None,
        terminated: bool | None = None,
    ) -> list[Doc]:
        """The documents of the customers of a segment, of an owner, and only the
        terminated ones (True) or only the others (False). Parsed by orjson (the
        same values as `json.loads`, a few times faster: the churn list reads every
        customer's)."""
        where, params = [], []
        for column, value in (("segment", segment), ("owner", owner)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if terminated is not None:
            where.append("stage = 'terminated'" if terminated else "stage <> 'terminated'")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = tx.fetchall(f"SELECT doc FROM view_churn{clause} ORDER BY code", params)
        return [orjson.loads(doc) for (doc,) in rows]


COLUMNS = ("customer_id", "code", "name", "segment", "owner", "stage", *FACTS, "doc")


class _Signals(DocumentReplay):
    """Customers' signals held while events are applied, each written once per flush."""

    table = "view_churn"
    columns = COLUMNS

    def new(self, key: str) -> Doc:
        return new_signals(key)

    def row(self, key: str, doc: Doc) -> tuple[Any, ...]:
        found = facts(doc)
        return (
            key,
            *(doc[c] for c in COLUMNS[1:6]),
            *(found[c] for c in FACTS),
            dumps(doc),
        )


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


@_HANDLERS.register
def _(e: ev.CustomerRegistered, doc: Doc, at: str) -> None:
    doc.update(code=e.code, registered_at=at)
    for name in ("name", "segment", "owner", "stage"):
        _set(doc, name, getattr(e, name), e.originator_version)


@_HANDLERS.register
def _(e: ev.ProfileUpdated, doc: Doc, at: str) -> None:
    if "name" in e.changes:
        _set(doc, "name", e.changes["name"], e.originator_version)


@_HANDLERS.register
def _(e: ev.SegmentChanged, doc: Doc, at: str) -> None:
    _set(doc, "segment", e.segment, e.originator_version)


@_HANDLERS.register
def _(e: ev.OwnerAssigned, doc: Doc, at: str) -> None:
    _set(doc, "owner", e.owner, e.originator_version)


@_HANDLERS.register
def _(e: ev.LifecycleStageChanged, doc: Doc, at: str) -> None:
    _set(doc, "stage", e.stage, e.originator_version)


@_HANDLERS.register
def _(e: ev.RelationshipTerminated, doc: Doc, at: str) -> None:
    _set(doc, "stage", "terminated", e.originator_version)
    doc["termination"] = {"v": e.originator_version, "at": at, "reason": e.reason}


@_HANDLERS.register
def _(e: ev.RelationshipReactivated, doc: Doc, at: str) -> None:
    _set(doc, "stage", e.stage, e.originator_version)
    doc["termination"] = None


@_HANDLERS.register
def _(e: ev.KeyPersonAdded, doc: Doc, at: str) -> None:
    doc["people"][e.person_id] = {
        "name": e.name,
        "role": e.decision_role,
        "status": e.relationship_status,
        "present": True,
    }


@_HANDLERS.register
def _(e: ev.KeyPersonUpdated, doc: Doc, at: str) -> None:
    person = doc["people"][e.person_id]
    for key, change in (("name", "name"), ("role", "decision_role")):
        if change in e.changes:
            person[key] = e.changes[change]


@_HANDLERS.register
def _(e: ev.KeyPersonRelationshipAssessed, doc: Doc, at: str) -> None:
    person = doc["people"][e.person_id]
    person["status"] = e.relationship_status


@_HANDLERS.register
def _(e: ev.KeyPersonLeft, doc: Doc, at: str) -> None:
    doc["people"][e.person_id]["present"] = False


@_HANDLERS.register
def _(e: ev.ContactLogged, doc: Doc, at: str) -> None:
    _count_contact(doc, e.originator_version, at)


@_HANDLERS.register
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


@_HANDLERS.register
def _(e: ev.ComplaintFiled, doc: Doc, at: str) -> None:
    doc["open_complaints"][e.case_id] = {"v": e.originator_version, "since": at}


@_HANDLERS.register
def _(e: ev.ComplaintReopened, doc: Doc, at: str) -> None:
    # Resolved complaints are not kept, so a reopened one is open since reopening.
    doc["open_complaints"][e.case_id] = {"v": e.originator_version, "since": at}


@_HANDLERS.register
def _(e: ev.ComplaintResolved, doc: Doc, at: str) -> None:
    doc["open_complaints"].pop(e.case_id, None)


@_HANDLERS.register
def _(e: ev.EscalationRaised, doc: Doc, at: str) -> None:
    _remember(doc["escalations"], [at, e.originator_version], KEPT_TIMES)


@_HANDLERS.register
def _(e: ev.SlaBreached, doc: Doc, at: str) -> None:
    # A breach counts from when the target passed, not from when a sweep noticed.
    # Where no sweep has recorded breaches, escalations raised stand in for them
    # (both count in the same signal).
    _remember(doc["breaches"], [iso(e.due_at), e.originator_version], KEPT_TIMES)


@_HANDLERS.register
def _(e: ev.OpportunityLost, doc: Doc, at: str) -> None:
    doc["lost_total"] += 1
    _remember(doc["lost"], [at, e.originator_version, e.case_id, e.reason], KEPT_LOSSES)


@_HANDLERS.register
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


def _scored(doc: Doc, as_of: datetime, policy: ChurnPolicy) -> AtRisk:
    findings = assess(doc, as_of, policy)
    return AtRisk(
        code=doc["code"],
        name=doc["name"],
        segment=doc["segment"],
        owner=doc["owner"],
        stage=doc["stage"],
        score=total(findings),
        findings=findings,
    )


def _rank(scored: list[AtRisk]) -> list[AtRisk]:
    return sorted(scored, key=lambda r: (-r.score, r.code))


def at_risk(
    tx: Transaction,
    policy: ChurnPolicy,
    as_of: datetime,
    *,
    segment: str | None = None,
    owner: str | None = None,
    min_score: int = 0,
    limit: int | None = None,
) -> list[AtRisk]:
    """Active customers by churn risk, highest first (then by code).
    Customers registered after `as_of` are not listed; terminated ones are in
    `win_back`. Every customer is scored: for the first few, `at_risk_page`."""
    docs = ChurnSignals.load_all(tx, segment=segment, owner=owner, terminated=False)
    ranked = []
    for doc in docs:
        if doc["stage"] == "terminated" or not _registered_by(doc, as_of):
            continue
        risk = _scored(doc, as_of, policy)
        if risk.score >= min_score:
            ranked.append(risk)
    ranked = _rank(ranked)
    return ranked if limit is None else ranked[:limit]


# Candidates read per query, and documents per read, while looking for the first.
_CANDIDATES = 500
_DOCUMENTS = 100


def at_risk_page(
    tx: Transaction,
    policy: ChurnPolicy,
    as_of: datetime,
    first: int | None,
    *,
    segment: str | None = None,
    owner: str | None = None,
    min_score: int = 0,
) -> tuple[list[AtRisk], int]:
    """The `first` of `at_risk` (all of them when None), and how many there are,
    without scoring every customer (docs/decisions.md, "Churn list: the highest
    scores without scoring everyone"). Customers are taken by an upper bound of
    their score as of `as_of` (`churn_scoring.bound_terms`, read from the view's
    columns), highest first and then by code, and scored in that order; the walk
    stops at the first customer whose bound cannot rank them above the `first`-th
    score found, which no customer after them can either. With `min_score`,
    every customer whose bound reaches it is scored, to count them."""
    if first is None or not has_facts(tx):
        # Every row, or a table of before the facts (a rebuild held by another process).
        ranked = at_risk(tx, policy, as_of, segment=segment, owner=owner, min_score=min_score)
        return (ranked if first is None else ranked[:first]), len(ranked)
    moment = iso(as_of)
    where = ["stage <> 'terminated'", "registered_at <= ?"]
    params: list[Any] = [moment]
    for column, value in (("segment", segment), ("owner", owner)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    condition = " AND ".join(where)
    terms = bound_terms(as_of, policy)
    bound = " + ".join(f"(CASE WHEN {test} THEN {most} ELSE 0 END)" for _, most, test, _ in terms)
    bound_params = [value for *_, values in terms for value in values]
    # Codes in the order Python sorts them (by code point), whatever the database's collation.
    code = 'code COLLATE "C"' if tx.postgres else "code"
    candidates = (
        f"SELECT customer_id, code, bound FROM (SELECT customer_id, code, {bound} AS bound "
        f"FROM view_churn WHERE {condition}) AS c WHERE bound >= ?"
    )
    counting = min_score > 0
    scored: list[AtRisk] = []
    last: tuple[int, str] | None = None  # the last candidate read: where the next read starts
    while True:
        after, after_params = "", []
        if last is not None:
            after = f" AND (bound < ? OR (bound = ? AND {code} > ?))"
            after_params = [last[0], last[0], last[1]]
        rows = tx.fetchall(
            f"{candidates}{after} ORDER BY bound DESC, {code} LIMIT ?",
            [*bound_params, *params, min_score, *after_params, _CANDIDATES],
        )
        done = len(rows) < _CANDIDATES
        for batch in chunks(rows, _DOCUMENTS):
            if not counting and first == 0:
                return [], _count(tx, condition, params)
            if not counting and len(scored) >= first:
                # Whoever is `first`-th so far: a candidate ranks after them when
                # even its bound does, and so do all the candidates after it.
                kth = scored[first - 1]
                keep = [(cid, c) for cid, c, b in batch if (-b, c) < (-kth.score, kth.code)]
                if len(keep) < len(batch):
                    scored += _score_ids(tx, [cid for cid, _ in keep], as_of, policy)
                    return _rank(scored)[:first], _count(tx, condition, params)
            scored = _rank(
                scored + _score_ids(tx, [cid for cid, _, _ in batch], as_of, policy, min_score)
            )
            last = (int(batch[-1][2]), str(batch[-1][1]))
        if done:
            break
    if counting:
        return scored[:first], len(scored)
    return scored[:first], _count(tx, condition, params)


def has_facts(tx: Transaction) -> bool:
    """Whether the churn table has the facts' columns (version 3 on)."""
    if tx.postgres:
        found = tx.fetchall(
            "SELECT attname FROM pg_attribute "
            "WHERE attrelid = to_regclass('view_churn') AND NOT attisdropped"
        )
    else:
        found = tx.fetchall("SELECT name FROM pragma_table_info('view_churn')")
    return FACTS[-1] in {str(name) for (name,) in found}


def _score_ids(
    tx: Transaction, ids: list[str], as_of: datetime, policy: ChurnPolicy, min_score: int = 0
) -> list[AtRisk]:
    """The customers of `ids` scored as of `as_of`, those reaching `min_score`."""
    if not ids:
        return []
    rows = tx.fetchall(
        f"SELECT doc FROM view_churn WHERE customer_id IN ({tx.in_list(len(ids))})", ids
    )
    found = [_scored(orjson.loads(doc), as_of, policy) for (doc,) in rows]
    return [risk for risk in found if risk.score >= min_score]


def _count(tx: Transaction, condition: str, params: Sequence[Any]) -> int:
    row = tx.fetchone(f"SELECT COUNT(*) FROM view_churn WHERE {condition}", params)
    return int(row[0]) if row else 0


def win_back(
    tx: Transaction,
    as_of: datetime,
    *,
    segment: str | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Terminated customers, most recently lost first (then by code)."""
    docs = ChurnSignals.load_all(tx, segment=segment, owner=owner, terminated=True)
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
