"""SLA clocks (DESIGN.md §4): one row per case that runs against a service target,
and what visit coverage needs, kept current from the customers' events.

The targets: an inquiry's first answer and a complaint's resolution, in business
time (a complaint's clock stops while it waits on the customer); a follow-up on
an open lead or opportunity every so many calendar days; a commitment by the end
of its due day. Each case runs under the policy stamped on it when it opened.

A row keeps what makes the queries fast: the deadline as things stand
(`due_at`), when the case turns at risk (`risk_at`), and when its target was
breached, or will be if nothing happens first (`breach_at`). A breach can only
be put off by what happens before it, so `breach_at < T` answers "breached as
of T" for every T without replaying anything. A query into the past that falls
between a case's steps replays that row's steps up to T (`Clocks.evaluate`).

Visit coverage (each owner visits at least a share of their active customers
every calendar month) is counted at query time from each customer's periods
(owner, segment, active) and its reported visits.

Rows carry the customer's current code, segment and owner, so filters use
today's owner even for a moment in the past.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, singledispatch
from itertools import groupby
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ledger.calendar import BusinessCalendar, Pause
from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.events.cases import POLICY_BEFORE_STAMPING
from ledger.sla_policy import SlaPolicy
from projections.base import Decoded, Projection, Replay, dumps, from_iso, iso
from projections.handover import HANDOVER, Handovers, handovers
from projections.store import Transaction, chunks

if TYPE_CHECKING:
    from ledger.config import Settings
    from projections.views import Views

Doc = dict[str, Any]

CASE_KINDS = ("inquiry", "complaint", "follow-up", "commitment")
COVERAGE = "visit-coverage"
KINDS = (*CASE_KINDS, COVERAGE, HANDOVER)
# Kinds that are not cases of `view_sla_cases`: worked out from other views.
_NOT_CASES = (COVERAGE, HANDOVER)
TARGETS = {
    "inquiry": "first_answer",
    "complaint": "resolution",
    "follow-up": "follow_up",
    "commitment": "commitment_due",
    COVERAGE: "visit_coverage",
    # Departures: from the handover view (projections.handover).
    HANDOVER: "handover_after_departure",
}
BUSINESS_TIME_KINDS = frozenset({"inquiry", "complaint"})

# The steps of a case's clock, as stored in its row: [occurred_at, version, step].
OPEN, CLOSE, PAUSE, RESUME, REOPEN, TOUCH = "open", "close", "pause", "resume", "reopen", "touch"

# Cases opened before policies were stamped, and promises made in visit reports.
UNSTAMPED_POLICY = dumps(POLICY_BEFORE_STAMPING)

_LOCAL_ID = re.compile(r"^([A-Z]+)(\d+)$")


# ------------------------------------------------------------------- clocks
@dataclass(frozen=True)
class Clock:
    """A case's SLA state from its steps (all of them, or those up to a moment)."""

    opened_at: datetime
    closed_at: datetime | None
    paused: bool
    pauses: tuple[Pause, ...]
    due_at: datetime | None  # the deadline as things stand; None while paused or undated
    risk_at: datetime | None
    breach_at: datetime | None  # when the target was (or, still open, will be) missed


class Clocks:
    """The business calendar and time zone the clocks run on; pure otherwise."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timezone: ZoneInfo = settings.timezone
        self.calendar = BusinessCalendar.from_settings(settings)
        self._policies: dict[str, SlaPolicy] = {}

    @property
    def fingerprint(self) -> str:
        """What stored deadlines depend on besides the events: a change means the
        rows were computed on another calendar."""
        config = self.calendar.config
        return dumps(
            {
                "timezone": str(self.timezone),
                "working_days": sorted(config.working_days),
                "working_hours": [[s.isoformat(), e.isoformat()] for s, e in config.working_hours],
                "holidays": sorted(d.isoformat() for d in config.holidays),
                "country": config.country,
                "subdivision": config.subdivision,
                "makeup_days": sorted(d.isoformat() for d in config.makeup_days),
            }
        )

    def policy(self, record: str) -> SlaPolicy:
        """The policy a case runs under, from the record stamped on it (as JSON)."""
        policy = self._policies.get(record)
        if policy is None:
            policy = self._policies[record] = SlaPolicy.from_record(json.loads(record))
        return policy

    def end_of_day(self, day: date) -> datetime:
        """The first moment after `day` in the ledger's time zone."""
        following = day + timedelta(days=1)
        return datetime.combine(following, time(0), tzinfo=self.timezone).astimezone(UTC)

    def evaluate(self, case: Doc, until: datetime | None = None) -> Clock | None:
        """The clock of `case` from its steps up to `until` (default: all of them);
        None if the case had not opened by then."""
        if until is None:
            steps = sorted(map(tuple, case["steps"]))
        else:
            cutoff = iso(until)
            steps = sorted(tuple(s) for s in case["steps"] if s[0] <= cutoff)
        openings = [at for at, _, step in steps if step == OPEN]
        if not openings:
            return None
        parse = datetime.fromisoformat  # as from_iso, without a call around it per step
        opened = parse(openings[0])
        closed: datetime | None = None
        paused_since: datetime | None = None
        pauses: list[Pause] = []
        touches = [opened]
        for at_text, _, step in steps:
            at = parse(at_text)
            if step == PAUSE and closed is None and paused_since is None:
                paused_since = at
            elif step == RESUME and paused_since is not None:
                pauses.append((paused_since, at))
                paused_since = None
            elif step == CLOSE and closed is None:
                if paused_since is not None:
                    pauses.append((paused_since, at))
                    paused_since = None
                closed = at
            elif step == REOPEN and closed is not None:
                # While a complaint stood resolved nobody worked on it: its clock stopped.
                pauses.append((closed, at))
                closed = None
            elif step == TOUCH and closed is None and at > opened:
                touches.append(at)
        if paused_since is not None:
            pauses.append((paused_since, None))
        policy = self.policy(case["policy"])
        due, risk = self._deadlines(case, policy, opened, pauses, touches)
        breach = self._breach(case["kind"], policy, due, closed, touches)
        if case["kind"] == "follow-up" and closed is not None and breach is not None:
            due = breach
        return Clock(opened, closed, paused_since is not None, tuple(pauses), due, risk, breach)

    def _deadlines(
        self,
        case: Doc,
        policy: SlaPolicy,
        opened: datetime,
        pauses: list[Pause],
        touches: list[datetime],
    ) -> tuple[datetime | None, datetime | None]:
        kind = case["kind"]
        if kind == "inquiry":
            target = policy.inquiry_first_answer
            return (
                self.calendar.add_business_time(opened, target),
                self.calendar.add_business_time(opened, policy.at_risk_after(target)),
            )
        if kind == "complaint":
            target = policy.complaint_resolution
            return (
                self.calendar.deadline_with_pauses(opened, target, pauses),
                self.calendar.deadline_with_pauses(opened, policy.at_risk_after(target), pauses),
            )
        if kind == "follow-up":
            last = touches[-1]
            interval = policy.follow_up_interval
            return last + interval, last + policy.at_risk_after(interval)
        if case.get("due") is None:
            return None, None
        deadline = self.end_of_day(date.fromisoformat(case["due"]))
        span = max(deadline - opened, timedelta(0))
        return deadline, opened + policy.at_risk_after(span)

    @staticmethod
    def _breach(
        kind: str,
        policy: SlaPolicy,
        due: datetime | None,
        closed: datetime | None,
        touches: list[datetime],
    ) -> datetime | None:
        if kind == "follow-up":
            # The first gap longer than the interval, between follow-ups or until the
            # case closed; an open case's last gap has not ended yet.
            interval = policy.follow_up_interval
            for touch, following in zip(touches, [*touches[1:], closed], strict=True):
                limit = touch + interval
                if following is None or following > limit:
                    return limit
            return None
        if due is None or (closed is not None and closed <= due):
            return None
        return due

    def business_time(self, start: datetime, end: datetime, pauses: Iterable[Pause]) -> timedelta:
        return self.calendar.business_time_between(start, end, pauses=pauses)


# ------------------------------------------------------------------ months
@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-03`; anything else is a usage error naming the option."""
        from ledger.errors import InvalidInputError

        match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text)
        if match is None or not 1 <= int(match[2]) <= 12:
            raise InvalidInputError(f"--month {text!r} is not a month: use YYYY-MM, e.g. 2026-03")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, moment: datetime, timezone: ZoneInfo) -> Month:
        local = moment.astimezone(timezone)
        return cls(local.year, local.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def start(self, timezone: ZoneInfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=timezone).astimezone(UTC)

    def end(self, timezone: ZoneInfo) -> datetime:
        return self.next().start(timezone)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Coverage:
    """How many of an owner's active customers were visited in a month (so far)."""

    owner: str
    month: Month
    customers: int
    visited: int
    visits: int

    @property
    def share(self) -> float:
        return self.visited / self.customers if self.customers else 1.0


def coverage(
    tx: Transaction,
    month: Month,
    moment: datetime,
    timezone: ZoneInfo,
    *,
    segment: str | None = None,
    owner: str | None = None,
) -> list[Coverage]:
    """Each owner's active customers just before `moment` (the month's end, or an
    earlier moment inside the month) and how many of them had a reported visit in
    the month by then."""
    start = iso(month.start(timezone))
    until = iso(min(moment, month.end(timezone)))
    filters, params = _filters(segment=segment, owner=owner, prefix="p.")
    rows = tx.fetchall(
        "SELECT p.owner, COUNT(*), COUNT(v.customer_id), SUM(v.visits) "
        "FROM view_sla_periods p LEFT JOIN (SELECT customer_id, COUNT(*) AS visits "
        "FROM view_sla_visits WHERE visited_at >= ? AND visited_at < ? GROUP BY customer_id) v "
        "ON v.customer_id = p.customer_id WHERE p.active = 1 AND p.owner IS NOT NULL "
        f"AND p.since < ? AND (p.until IS NULL OR p.until >= ?){filters} "
        "GROUP BY p.owner ORDER BY p.owner",
        (start, until, until, until, *params),
    )
    return [
        Coverage(str(name), month, int(customers), int(visited or 0), int(visits or 0))
        for name, customers, visited, visits in rows
    ]


# ------------------------------------------------------------ the projection
class SlaCases(Projection):
    name = "sla"
    keyed_by_customer = True
    bulky = True  # a row of 24 columns per case, and eight indexes
    # 2: the cases' key is a unique index, built after a rebuild's rows are in
    # (as view_recorded's).
    version = "2"
    tables = {
        "view_sla_cases": (
            "CREATE TABLE IF NOT EXISTS view_sla_cases ("
            "case_key TEXT NOT NULL, customer_id TEXT NOT NULL, case_id TEXT NOT NULL, "
            "code TEXT NOT NULL, segment TEXT NOT NULL, owner TEXT, kind TEXT NOT NULL, "
            "target TEXT NOT NULL, category TEXT NOT NULL, opened_at TEXT NOT NULL, "
            "closed_at TEXT, settled_at TEXT NOT NULL, paused INTEGER NOT NULL, due_at TEXT, "
            "risk_at TEXT, breach_at TEXT, escalation_level INTEGER NOT NULL, "
            "recorded INTEGER NOT NULL, policy_version TEXT NOT NULL, policy TEXT NOT NULL, "
            "due_date TEXT, pauses TEXT NOT NULL, steps TEXT NOT NULL, "
            "escalations TEXT NOT NULL)"
        ),
        "view_sla_customers": (
            "CREATE TABLE IF NOT EXISTS view_sla_customers ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, segment TEXT NOT NULL, "
            "owner TEXT, stage TEXT NOT NULL, history TEXT NOT NULL, escalations TEXT NOT NULL)"
        ),
        "view_sla_periods": (
            "CREATE TABLE IF NOT EXISTS view_sla_periods ("
            "customer_id TEXT NOT NULL, since TEXT NOT NULL, until TEXT, owner TEXT, "
            "segment TEXT NOT NULL, active INTEGER NOT NULL, PRIMARY KEY (customer_id, since))"
        ),
        "view_sla_visits": (
            "CREATE TABLE IF NOT EXISTS view_sla_visits ("
            "customer_id TEXT NOT NULL, version INTEGER NOT NULL, visited_at TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, version))"
        ),
        "view_sla_meta": (
            "CREATE TABLE IF NOT EXISTS view_sla_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        ),
    }
    indexes = (
        "CREATE UNIQUE INDEX IF NOT EXISTS view_sla_cases_key ON view_sla_cases (case_key)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_breach ON view_sla_cases (breach_at)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_open_breach "
        "ON view_sla_cases (closed_at, breach_at)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_open_risk "
        "ON view_sla_cases (closed_at, risk_at)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_settled ON view_sla_cases (settled_at)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_customer ON view_sla_cases (customer_id)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_opened ON view_sla_cases (opened_at)",
        # Coverage reads every customer's period once: in owner order, from the index alone.
        "CREATE INDEX IF NOT EXISTS view_sla_periods_owner "
        "ON view_sla_periods (owner, active, since, until, segment, customer_id)",
        "CREATE INDEX IF NOT EXISTS view_sla_visits_time "
        "ON view_sla_visits (visited_at, customer_id)",
    )

    def __init__(self, settings: Settings | None = None) -> None:
        if settings is None:
            from ledger.config import load_settings

            settings = load_settings()
        self.clocks = Clocks(settings)

    def create(self, tx: Transaction, *, indexed: bool = True) -> None:
        super().create(tx, indexed=indexed)
        stored = tx.fetchone("SELECT value FROM view_sla_meta WHERE key = 'calendar'")
        fingerprint = self.clocks.fingerprint
        if stored is not None and stored[0] == fingerprint:
            return
        if stored is not None:
            # The stored deadlines were computed on another calendar (holidays or hours
            # changed in the configuration): empty the view so it replays from the start.
            for table in self.tables:
                tx.execute(f"DELETE FROM {table}")
            tx.execute("DELETE FROM view_tracking WHERE name = ?", (self.name,))
        tx.execute(
            "INSERT INTO view_sla_meta (key, value) VALUES ('calendar', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (fingerprint,),
        )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Rows(tx, self.clocks)


class _Rows(Replay):
    """Customers and cases held while events are applied; a case's clock is worked
    out when it is written, once per flush, however many steps it took meanwhile."""

    def __init__(self, tx: Transaction | None, clocks: Clocks) -> None:
        self.tx = tx  # where rows not held yet are read from; None: nowhere
        self.clocks = clocks
        self.batch = Batch(customers={}, cases={})

    def feed(self, batch: Decoded) -> None:
        held = self.batch
        if self.tx is not None:
            _load(self.tx, batch, held)
        for event, customer_id, at in zip(batch.events, batch.keys, batch.times, strict=True):
            _handler(type(event))(event, held, customer_id, at)

    def flush(self, tx: Transaction) -> None:
        # Into tables emptied for this replay, each visit's row is new.
        _store(tx, self.batch, self.clocks, fresh=self.tx is None)
        self.batch.written()


@cache
def _handler(event_class: type[CustomerEvent]) -> Callable[[Any, Batch, str, str], None]:
    # Looked up once per class: singledispatch's own lookup costs more than most handlers.
    return _handle.dispatch(event_class)


# ------------------------------------------------------------ working state
@dataclass
class Batch:
    """The rows events read and change, and what changed since they were last written."""

    customers: dict[str, Doc]
    cases: dict[str, Doc]
    # Each customer's cases (case key -> case), to find them without a scan.
    by_customer: dict[str, dict[str, Doc]] = field(default_factory=dict)
    changed_customers: set[str] = field(default_factory=set)
    fresh: set[str] = field(default_factory=set)  # customers with no row stored yet
    fresh_cases: set[str] = field(default_factory=set)  # cases with no row stored yet
    moved: set[str] = field(default_factory=set)  # code, segment or owner changed
    changed_cases: set[str] = field(default_factory=set)
    visits: list[tuple[str, int, str]] = field(default_factory=list)
    visit_corrections: list[tuple[str, str, int]] = field(default_factory=list)

    def hold(self, key: str, case: Doc) -> None:
        self.cases[key] = case
        self.by_customer.setdefault(case["customer_id"], {})[key] = case

    def written(self) -> None:
        """Everything held is stored now."""
        self.changed_customers.clear()
        self.fresh.clear()
        self.fresh_cases.clear()
        self.moved.clear()
        self.changed_cases.clear()
        self.visits = []
        self.visit_corrections = []

    def customer(self, customer_id: str) -> Doc:
        doc = self.customers.get(customer_id)
        if doc is None:
            doc = self.customers[customer_id] = _new_customer(customer_id)
            self.fresh.add(customer_id)
        self.changed_customers.add(customer_id)
        return doc

    def case(self, customer_id: str, case_id: str) -> Doc | None:
        key = f"{customer_id}/{case_id}"
        doc = self.cases.get(key)
        if doc is not None:
            self.changed_cases.add(key)
        return doc

    def open_case(self, customer_id: str, case_id: str, kind: str, **values: Any) -> Doc:
        key = f"{customer_id}/{case_id}"
        doc: Doc = {
            "customer_id": customer_id,
            "case_id": case_id,
            "kind": kind,
            "category": "",
            "policy": UNSTAMPED_POLICY,
            "due": None,
            "steps": [],
            "escalations": {},
            "recorded": False,
            **values,
        }
        if key not in self.cases:
            self.fresh_cases.add(key)
        self.hold(key, doc)
        self.changed_cases.add(key)
        return doc

    def cases_of(self, customer_id: str) -> Iterator[Doc]:
        for key, doc in self.by_customer.get(customer_id, {}).items():
            self.changed_cases.add(key)
            yield doc


def _new_customer(customer_id: str) -> Doc:
    return {
        "customer_id": customer_id,
        "code": "",
        "segment": "",
        "owner": None,
        "stage": "",
        "history": [],
        "escalations": {},
    }


def _load(tx: Transaction, decoded: Decoded, batch: Batch) -> None:
    """Read into `batch` the stored rows these events need that it does not hold."""
    ids = sorted({k for k in decoded.keys if k not in batch.customers})
    customers = batch.customers
    for chunk in chunks(ids):
        for customer_id, code, segment, owner, stage, history, escalations in tx.fetchall(
            "SELECT customer_id, code, segment, owner, stage, history, escalations "
            f"FROM view_sla_customers WHERE customer_id IN ({tx.in_list(len(chunk))})",
            chunk,
        ):
            customers[str(customer_id)] = {
                "customer_id": str(customer_id),
                "code": code,
                "segment": segment,
                "owner": owner,
                "stage": stage,
                "history": json.loads(history),
                "escalations": json.loads(escalations),
            }
    whole: set[str] = set()
    keys: set[str] = set()
    raised: dict[tuple[str, str], str] = {}
    for event, customer_id in zip(decoded.events, decoded.keys, strict=True):
        if isinstance(event, ev.CorrectionRecorded):
            whole.add(customer_id)
        elif isinstance(event, ev.EscalationRaised):
            raised[(customer_id, event.case_id)] = event.concerning
            keys.add(f"{customer_id}/{event.concerning}")
        elif isinstance(event, ev.EscalationResolved):
            concerning = raised.get((customer_id, event.case_id)) or _concerning(
                customers.get(customer_id), event.case_id
            )
            if concerning:
                keys.add(f"{customer_id}/{concerning}")
        elif getattr(event, "case_id", None):
            keys.add(f"{customer_id}/{event.case_id}")  # type: ignore[attr-defined]
    cases: dict[str, Doc] = {}
    for chunk in chunks(sorted(whole)):
        cases.update(_case_rows(tx, f"customer_id IN ({tx.in_list(len(chunk))})", chunk))
    for chunk in chunks(sorted(keys - set(cases) - set(batch.cases))):
        cases.update(_case_rows(tx, f"case_key IN ({tx.in_list(len(chunk))})", chunk))
    for key, case in cases.items():
        if key not in batch.cases:  # what is held may have changed since it was stored
            batch.hold(key, case)


def _concerning(customer: Doc | None, escalation_id: str) -> str | None:
    if customer is None or escalation_id not in customer["escalations"]:
        return None
    return str(customer["escalations"][escalation_id][0])


def _case_rows(tx: Transaction, where: str, params: Sequence[str]) -> dict[str, Doc]:
    rows = tx.fetchall(
        "SELECT case_key, customer_id, case_id, kind, category, policy, due_date, steps, "
        f"escalations, recorded FROM view_sla_cases WHERE {where}",
        params,
    )
    cases: dict[str, Doc] = {}
    for (
        key,
        customer_id,
        case_id,
        kind,
        category,
        policy,
        due,
        steps,
        escalations,
        recorded,
    ) in rows:
        cases[str(key)] = {
            "customer_id": str(customer_id),
            "case_id": str(case_id),
            "kind": kind,
            "category": category,
            "policy": policy,
            "due": due,
            "steps": json.loads(steps),
            "escalations": json.loads(escalations),
            "recorded": bool(recorded),
        }
    return cases


def _store(tx: Transaction, batch: Batch, clocks: Clocks, *, fresh: bool) -> None:
    # Tables are written in the order `create` indexes them, so that a catch-up
    # here and another process creating the tables take their locks in one order.
    customers = {cid: batch.customers[cid] for cid in sorted(batch.changed_customers)}
    for doc in customers.values():
        _settle_current(doc)
    history_changed = sorted(cid for cid in batch.moved if cid in customers)
    tx.executemany(
        "UPDATE view_sla_cases SET code = ?, segment = ?, owner = ? WHERE customer_id = ?",
        [
            (
                batch.customers[cid]["code"],
                batch.customers[cid]["segment"],
                batch.customers[cid]["owner"],
                cid,
            )
            for cid in history_changed
            if cid not in batch.fresh
        ],
    )
    rows: list[tuple[Any, ...]] = []
    fresh_rows: list[tuple[Any, ...]] = []
    for key in sorted(batch.changed_cases):
        case = batch.cases[key]
        customer = batch.customers.get(case["customer_id"]) or _new_customer(case["customer_id"])
        row = _case_row(key, case, customer, clocks)
        if row is not None:
            (fresh_rows if key in batch.fresh_cases else rows).append(row)
    tx.insert_new("view_sla_cases", CASE_COLUMNS, fresh_rows)
    tx.executemany(
        f"INSERT INTO view_sla_cases ({', '.join(CASE_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?) ON CONFLICT (case_key) DO UPDATE SET code = excluded.code, "
        "segment = excluded.segment, owner = excluded.owner, category = excluded.category, "
        "opened_at = excluded.opened_at, closed_at = excluded.closed_at, "
        "settled_at = excluded.settled_at, paused = excluded.paused, due_at = excluded.due_at, "
        "risk_at = excluded.risk_at, breach_at = excluded.breach_at, "
        "escalation_level = excluded.escalation_level, recorded = excluded.recorded, "
        "due_date = excluded.due_date, pauses = excluded.pauses, steps = excluded.steps, "
        "escalations = excluded.escalations",
        rows,
    )
    customer_rows = [
        (
            cid,
            d["code"],
            d["segment"],
            d["owner"],
            d["stage"],
            dumps(d["history"]),
            dumps(d["escalations"]),
        )
        for cid, d in customers.items()
    ]
    tx.insert_new(
        "view_sla_customers",
        CUSTOMER_COLUMNS,
        [row for row in customer_rows if row[0] in batch.fresh],
    )
    tx.executemany(
        f"INSERT INTO view_sla_customers ({', '.join(CUSTOMER_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET "
        "code = excluded.code, segment = excluded.segment, owner = excluded.owner, "
        "stage = excluded.stage, history = excluded.history, escalations = excluded.escalations",
        [row for row in customer_rows if row[0] not in batch.fresh],
    )
    for chunk in chunks([cid for cid in history_changed if cid not in batch.fresh]):
        tx.execute(
            f"DELETE FROM view_sla_periods WHERE customer_id IN ({tx.in_list(len(chunk))})",
            chunk,
        )
    tx.insert_new(
        "view_sla_periods",
        ("customer_id", "since", "until", "owner", "segment", "active"),
        [
            (cid, *period)
            for cid in history_changed
            for period in periods(batch.customers[cid]["history"])
        ],
    )
    if fresh:
        tx.insert_new("view_sla_visits", ("customer_id", "version", "visited_at"), batch.visits)
    else:
        tx.executemany(
            "INSERT INTO view_sla_visits (customer_id, version, visited_at) VALUES (?, ?, ?) "
            "ON CONFLICT (customer_id, version) DO UPDATE SET visited_at = excluded.visited_at",
            batch.visits,
        )
    tx.executemany(
        "UPDATE view_sla_visits SET visited_at = ? WHERE customer_id = ? AND version = ?",
        batch.visit_corrections,
    )


CASE_COLUMNS = (
    "case_key",
    "customer_id",
    "case_id",
    "code",
    "segment",
    "owner",
    "kind",
    "target",
    "category",
    "opened_at",
    "closed_at",
    "settled_at",
    "paused",
    "due_at",
    "risk_at",
    "breach_at",
    "escalation_level",
    "recorded",
    "policy_version",
    "policy",
    "due_date",
    "pauses",
    "steps",
    "escalations",
)
CUSTOMER_COLUMNS = ("customer_id", "code", "segment", "owner", "stage", "history", "escalations")


def _case_row(key: str, case: Doc, customer: Doc, clocks: Clocks) -> tuple[Any, ...] | None:
    clock = clocks.evaluate(case)
    if clock is None:
        return None
    settled = max(at for at, _, _ in case["steps"])
    return (
        key,
        case["customer_id"],
        case["case_id"],
        customer["code"],
        customer["segment"],
        customer["owner"],
        case["kind"],
        TARGETS[case["kind"]],
        case["category"],
        iso(clock.opened_at),
        _iso_or_none(clock.closed_at),
        settled,
        int(clock.paused),
        _iso_or_none(clock.due_at),
        _iso_or_none(clock.risk_at),
        _iso_or_none(clock.breach_at),
        max(case["escalations"].values(), default=0),
        int(case["recorded"]),
        clocks.policy(case["policy"]).version,
        case["policy"],
        case["due"],
        dumps([[iso(start), _iso_or_none(end)] for start, end in clock.pauses])
        if clock.pauses
        else "[]",
        dumps(case["steps"]),
        dumps(case["escalations"]) if case["escalations"] else "{}",
    )


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def _settle_current(customer: Doc) -> None:
    """The customer's code, segment, owner and stage now: the last recorded of each."""
    for _, _, name, value in sorted(customer["history"], key=lambda entry: entry[1]):
        customer[name] = value


def periods(history: list[list[Any]]) -> list[tuple[str, str | None, str | None, str, int]]:
    """(since, until, owner, segment, active) periods from a customer's history, in
    the order things happened."""
    state: Doc = {"owner": None, "segment": "", "stage": ""}
    result: list[list[Any]] = []
    ordered = sorted(history, key=lambda entry: (entry[0], entry[1]))
    for at, entries in groupby(ordered, key=lambda entry: str(entry[0])):
        for _, _, name, value in entries:
            if name in state:
                state[name] = value
        current = [state["owner"], state["segment"], int(state["stage"] != "terminated")]
        if result and result[-1][2:] == current:
            continue
        if result:
            result[-1][1] = at
        result.append([at, None, *current])
    return [(p[0], p[1], p[2], p[3], p[4]) for p in result]


# ----------------------------------------------------------------- handlers
@singledispatch
def _handle(event: CustomerEvent, batch: Batch, customer_id: str, at: str) -> None:
    """Events that no SLA clock depends on."""


def _history(batch: Batch, customer_id: str, event: CustomerEvent, at: str, **values: Any) -> None:
    customer = batch.customer(customer_id)
    for name, value in values.items():
        customer["history"].append([at, event.originator_version, name, value])
    batch.moved.add(customer_id)


def _step(
    batch: Batch, customer_id: str, case_id: str, event: CustomerEvent, at: str, step: str
) -> None:
    case = batch.case(customer_id, case_id)
    if case is not None:
        case["steps"].append([at, event.originator_version, step])


# Events that only add a step to their case's clock.
CASE_STEPS: dict[type[CustomerEvent], str] = {
    ev.InquiryAnswered: CLOSE,
    ev.ComplaintPaused: PAUSE,
    ev.ComplaintResumed: RESUME,
    ev.ComplaintResolved: CLOSE,
    ev.ComplaintReopened: REOPEN,
    ev.OpportunityStageChanged: TOUCH,
    ev.FollowUpLogged: TOUCH,
    ev.OpportunityWon: CLOSE,
    ev.OpportunityLost: CLOSE,
    ev.CommitmentFulfilled: CLOSE,
}


def _register_case_steps() -> None:
    for event_class, step in CASE_STEPS.items():

        def handle(e: Any, batch: Batch, customer_id: str, at: str, step: str = step) -> None:
            _step(batch, customer_id, e.case_id, e, at, step)

        _handle.register(event_class)(handle)


_register_case_steps()


@_handle.register
def _(e: ev.CustomerRegistered, batch: Batch, customer_id: str, at: str) -> None:
    _history(
        batch, customer_id, e, at, code=e.code, segment=e.segment, owner=e.owner, stage=e.stage
    )


@_handle.register
def _(e: ev.SegmentChanged, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, segment=e.segment)


@_handle.register
def _(e: ev.OwnerAssigned, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, owner=e.owner)


@_handle.register
def _(e: ev.LifecycleStageChanged, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, stage=e.stage)


@_handle.register
def _(e: ev.RelationshipTerminated, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, stage="terminated")


@_handle.register
def _(e: ev.RelationshipReactivated, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, stage=e.stage)


@_handle.register
def _(e: ev.InquiryReceived, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(
        customer_id, e.case_id, "inquiry", category=e.channel, policy=dumps(e.sla_policy)
    )
    case["steps"].append([at, e.originator_version, OPEN])


@_handle.register
def _(e: ev.ComplaintFiled, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(
        customer_id, e.case_id, "complaint", category=e.category, policy=dumps(e.sla_policy)
    )
    case["steps"].append([at, e.originator_version, OPEN])


@_handle.register
def _(e: ev.LeadCreated, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(customer_id, e.case_id, "follow-up", policy=dumps(e.sla_policy))
    case["steps"].append([at, e.originator_version, OPEN])


@_handle.register
def _(e: ev.OpportunityOpened, batch: Batch, customer_id: str, at: str) -> None:
    if e.from_lead:
        # A converted lead keeps the clock and the policy it opened under.
        _step(batch, customer_id, e.case_id, e, at, TOUCH)
        return
    case = batch.open_case(customer_id, e.case_id, "follow-up", policy=dumps(e.sla_policy))
    case["steps"].append([at, e.originator_version, OPEN])


@_handle.register
def _(e: ev.CommitmentMade, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(
        customer_id, e.case_id, "commitment", due=e.due, policy=dumps(e.sla_policy)
    )
    case["steps"].append([at, e.originator_version, OPEN])


@_handle.register
def _(e: ev.VisitReported, batch: Batch, customer_id: str, at: str) -> None:
    batch.visits.append((customer_id, e.originator_version, at))
    for commitment in e.commitments:
        # Promises made in a visit report carry no policy of their own: the visit
        # report has none to give, so they run under the policy of unstamped cases.
        case = batch.open_case(
            customer_id, commitment["commitment_id"], "commitment", due=commitment.get("due")
        )
        case["steps"].append([at, e.originator_version, OPEN])


@_handle.register
def _(e: ev.EscalationRaised, batch: Batch, customer_id: str, at: str) -> None:
    batch.customer(customer_id)["escalations"][e.case_id] = [e.concerning, e.level]
    case = batch.case(customer_id, e.concerning)
    if case is not None:
        case["escalations"][e.case_id] = e.level


@_handle.register
def _(e: ev.EscalationResolved, batch: Batch, customer_id: str, at: str) -> None:
    customer = batch.customer(customer_id)
    concerning = _concerning(customer, e.case_id)
    if concerning is None:
        return
    case = batch.case(customer_id, concerning)
    if case is not None:
        case["escalations"].pop(e.case_id, None)


@_handle.register
def _(e: ev.SlaBreached, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.case(customer_id, e.case_id)
    if case is not None and TARGETS[case["kind"]] == e.target:
        case["recorded"] = True


# ------------------------------------------------------------------ queries
@dataclass(frozen=True)
class SlaItem:
    """One target breached or at risk: a case's, or an owner's visit coverage in a
    month (then `customer` is empty and `case` is the month)."""

    kind: str
    customer: str
    case: str
    owner: str | None
    segment: str
    opened_at: datetime
    due_at: datetime
    status: str  # open, paused or closed, at the moment asked about
    closed_at: datetime | None
    policy_version: str
    business_time: bool
    late: timedelta | None = None  # how late, for a breach
    left: timedelta | None = None  # time left, for a case at risk
    escalation_level: int = 0
    recorded: bool = False  # a sweep recorded the breach as an event
    detail: str = ""

    @property
    def target(self) -> str:
        return TARGETS[self.kind]

    @property
    def ref(self) -> str:
        return f"{self.customer}/{self.case}" if self.customer else self.case

    def sort_key(self) -> tuple[Any, ...]:
        return (self.due_at, self.customer, *_natural(self.case), self.owner or "")


def _natural(local_id: str) -> tuple[str, int]:
    match = _LOCAL_ID.match(local_id)
    return (match[1], int(match[2])) if match else (local_id, 0)


_ITEM_COLUMNS = (
    "customer_id, case_id, code, segment, owner, kind, opened_at, closed_at, settled_at, "
    "due_at, breach_at, policy_version, pauses, steps, policy, due_date, escalation_level, "
    "recorded, paused"
)


def breaches(
    views: Views,
    *,
    as_of: datetime,
    since: datetime | None = None,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
) -> list[SlaItem]:
    """Targets breached as of `as_of`: every case still open and breached then,
    however old, and every breach after `since` (default: the start of the month
    before `as_of`'s), closed or not; plus owners' months of visit coverage that
    ended short of the target after `since`. Ordered by due time, then reference."""
    sla = _caught_up(views, kind)
    clocks = sla.clocks
    if since is None:
        since = Month.of(as_of, clocks.timezone).previous().start(clocks.timezone)
    items: list[SlaItem] = []
    with views.store.transaction() as tx:
        if kind not in _NOT_CASES:
            filters, params = _filters(segment=segment, owner=owner, kind=kind)
            moment, after = iso(as_of), iso(since)
            rows = tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases "
                f"WHERE breach_at > ? AND breach_at < ?{filters}",
                (after, moment, *params),
            )
            rows += tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases "
                f"WHERE closed_at IS NULL AND breach_at <= ?{filters}",
                (after, *params),
            )
            rows += tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases "
                f"WHERE closed_at > ? AND breach_at <= ?{filters}",
                (moment, after, *params),
            )
            items += [_breach_item(row, clocks, as_of, moment) for row in rows]
        if kind in (None, COVERAGE):
            items += _coverage_breaches(tx, clocks, as_of, since, segment, owner)
        if kind in (None, HANDOVER):
            items += _handover_items(tx, clocks, as_of, since, segment, owner, breached=True)
    return sorted(items, key=SlaItem.sort_key)


def at_risk(
    views: Views,
    *,
    as_of: datetime,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
) -> list[SlaItem]:
    """Open cases, not paused, past the at-risk share of their target but not yet
    due as of `as_of`; plus owners whose coverage of the month so far is short of
    the target once that share of the month has passed."""
    sla = _caught_up(views, kind)
    clocks = sla.clocks
    items: list[SlaItem] = []
    with views.store.transaction() as tx:
        if kind not in _NOT_CASES:
            filters, params = _filters(segment=segment, owner=owner, kind=kind)
            moment = iso(as_of)
            settled = tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE closed_at IS NULL "
                f"AND risk_at <= ? AND due_at > ? AND settled_at <= ?{filters}",
                (moment, moment, moment, *params),
            )
            # Cases with steps after the moment (few, unless it is long ago): replay
            # their steps up to it.
            unsettled = tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE settled_at > ?{filters}",
                (moment, *params),
            )
            for row in settled:
                items.append(_risk_item(row, clocks, as_of, None))
            for row in unsettled:
                clock = clocks.evaluate(_row_case(row), as_of)
                if (
                    clock is not None
                    and clock.closed_at is None
                    and clock.risk_at is not None
                    and clock.due_at is not None
                    and clock.risk_at <= as_of < clock.due_at
                ):
                    items.append(_risk_item(row, clocks, as_of, clock))
        if kind in (None, COVERAGE):
            items += _coverage_at_risk(tx, clocks, as_of, segment, owner)
        if kind in (None, HANDOVER):
            items += _handover_items(tx, clocks, as_of, None, segment, owner, breached=False)
    return sorted(items, key=SlaItem.sort_key)


def unrecorded_breaches(views: Views, *, as_of: datetime) -> list[SlaItem]:
    """Breaches of cases as of `as_of` that no sweep has recorded yet, oldest first."""
    sla = _caught_up(views)
    with views.store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE breach_at < ? AND recorded = 0",
            (iso(as_of),),
        )
    return sorted((_breach_item(row, sla.clocks, as_of) for row in rows), key=SlaItem.sort_key)


def breached_open_cases(
    views: Views, *, as_of: datetime, kinds: Iterable[str] = ("inquiry", "complaint")
) -> list[SlaItem]:
    """Cases of `kinds` breached and still open as of `as_of`."""
    sla = _caught_up(views)
    wanted = list(kinds)
    with views.store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE closed_at IS NULL "
            f"AND breach_at < ? AND kind IN ({tx.in_list(len(wanted))})",
            (iso(as_of), *wanted),
        )
    return sorted((_breach_item(row, sla.clocks, as_of) for row in rows), key=SlaItem.sort_key)


def _caught_up(views: Views, kind: str | None = None) -> SlaCases:
    """The SLA view, caught up; with the handover view when `kind` includes it."""
    views.catch_up([SlaCases.name, *([Handovers.name] if kind in (None, HANDOVER) else [])])
    sla = views.projection(SlaCases.name)
    assert isinstance(sla, SlaCases)
    return sla


def _filters(
    *,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
    prefix: str = "",
) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column, value in (("segment", segment), ("owner", owner), ("kind", kind)):
        if value is not None:
            clauses.append(f" AND {prefix}{column} = ?")
            params.append(value)
    return "".join(clauses), params


def _row_case(row: Sequence[Any]) -> Doc:
    return {
        "kind": row[5],
        "steps": json.loads(row[13]),
        "policy": row[14],
        "due": row[15],
    }


def _pauses(text: str) -> list[Pause]:
    if text == "[]":
        return []
    return [
        (from_iso(start), None if end is None else from_iso(end)) for start, end in json.loads(text)
    ]


def _breach_item(
    row: Sequence[Any], clocks: Clocks, as_of: datetime, moment: str | None = None
) -> SlaItem:
    kind = row[5]
    due = from_iso(row[10])
    if row[8] > (moment or iso(as_of)):
        clock = clocks.evaluate(_row_case(row), as_of)
        assert clock is not None
        closed, paused, pauses = clock.closed_at, clock.paused, list(clock.pauses)
    else:
        closed = None if row[7] is None else from_iso(row[7])
        paused, pauses = bool(row[18]), _pauses(row[12])
    end = closed or as_of
    if kind == "follow-up":
        # A follow-up gap ends with the next follow-up, even if the case stays open.
        end = min([end, *(from_iso(at) for at, _, _ in json.loads(row[13]) if at > row[10])])
    business = kind in BUSINESS_TIME_KINDS
    late = clocks.business_time(due, end, pauses) if business else end - due
    return SlaItem(
        kind=kind,
        customer=row[2],
        case=row[1],
        owner=row[4],
        segment=row[3],
        opened_at=from_iso(row[6]),
        due_at=due,
        status="closed" if closed else ("paused" if paused else "open"),
        closed_at=closed,
        policy_version=row[11],
        business_time=business,
        late=late,
        escalation_level=int(row[16]),
        recorded=bool(row[17]),
    )


def _risk_item(row: Sequence[Any], clocks: Clocks, as_of: datetime, clock: Clock | None) -> SlaItem:
    kind = row[5]
    due = from_iso(row[9]) if clock is None else clock.due_at
    assert due is not None
    pauses = _pauses(row[12]) if clock is None else list(clock.pauses)
    business = kind in BUSINESS_TIME_KINDS
    left = clocks.business_time(as_of, due, pauses) if business else due - as_of
    return SlaItem(
        kind=kind,
        customer=row[2],
        case=row[1],
        owner=row[4],
        segment=row[3],
        opened_at=from_iso(row[6]) if clock is None else clock.opened_at,
        due_at=due,
        status="open",
        closed_at=None,
        policy_version=row[11],
        business_time=business,
        left=left,
        escalation_level=int(row[16]),
        recorded=bool(row[17]),
    )


def _coverage_item(
    share: Coverage, clocks: Clocks, segment: str | None, as_of: datetime, **extra: Any
) -> SlaItem:
    policy = clocks.settings.sla
    tz = clocks.timezone
    end = share.month.end(tz)
    return SlaItem(
        kind=COVERAGE,
        customer="",
        case=str(share.month),
        owner=share.owner,
        segment=segment or "",
        opened_at=share.month.start(tz),
        due_at=end,
        status="closed" if end <= as_of else "open",
        closed_at=end if end <= as_of else None,
        policy_version=policy.version,
        business_time=False,
        detail=(
            f"{share.visited} of {share.customers} active customers visited "
            f"({share.share:.0%}; target {policy.visit_coverage:.0%})"
        ),
        **extra,
    )


def _handover_items(
    tx: Transaction,
    clocks: Clocks,
    as_of: datetime,
    since: datetime | None,
    segment: str | None,
    owner: str | None,
    *,
    breached: bool,
) -> list[SlaItem]:
    """Departed owners' customers not handed over within one working day (breached
    after `since`, or still open), or close to it (at risk), as of `as_of`."""
    calendar = clocks.calendar
    items = []
    for h in handovers(tx, as_of=as_of):
        if (segment is not None and h.segment != segment) or (
            owner is not None and h.departed != owner
        ):
            continue
        due = calendar.add_working_days(h.started_at, 1)
        end = h.closed_at or as_of
        detail = f"{h.departed} left; " + (
            f"handed to {h.handed_to}" if h.handed_to else "not handed over"
        )
        item = SlaItem(
            kind=HANDOVER,
            customer=h.code,
            case="handover",
            owner=h.departed,
            segment=h.segment,
            opened_at=h.started_at,
            due_at=due,
            status="closed" if h.closed_at else "open",
            closed_at=h.closed_at,
            policy_version="",
            business_time=True,
            detail=detail,
        )
        if breached:
            if end > due and (h.closed_at is None or since is None or due > since):
                items.append(replace(item, late=calendar.business_time_between(due, end)))
        elif h.closed_at is None and end < due:
            elapsed = calendar.business_time_between(h.started_at, end)
            if elapsed >= clocks.settings.sla.at_risk_after(calendar.working_day_length):
                items.append(replace(item, left=calendar.business_time_between(end, due)))
    return items


def _coverage_breaches(
    tx: Transaction,
    clocks: Clocks,
    as_of: datetime,
    since: datetime,
    segment: str | None,
    owner: str | None,
) -> list[SlaItem]:
    tz = clocks.timezone
    target = clocks.settings.sla.visit_coverage
    items = []
    month = Month.of(since, tz)
    while month.end(tz) < as_of:
        if month.end(tz) > since:
            for share in coverage(tx, month, month.end(tz), tz, segment=segment, owner=owner):
                if share.share < target:
                    items.append(_coverage_item(share, clocks, segment, as_of))
        month = month.next()
    return items


def _coverage_at_risk(
    tx: Transaction, clocks: Clocks, as_of: datetime, segment: str | None, owner: str | None
) -> list[SlaItem]:
    tz = clocks.timezone
    policy = clocks.settings.sla
    month = Month.of(as_of, tz)
    start, end = month.start(tz), month.end(tz)
    if as_of - start < policy.at_risk_after(end - start):
        return []
    return [
        _coverage_item(share, clocks, segment, as_of, left=end - as_of)
        for share in coverage(tx, month, as_of, tz, segment=segment, owner=owner)
        if share.share < policy.visit_coverage
    ]
