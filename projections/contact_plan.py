"""Key people's contact plans (docs/domain.md, "Follow-through"): one row per
planned key person still with a customer we serve, so that "key people past
their next contact date, for staff X or segment S" is one indexed query
(`contacts_due`).

The next contact date is the domain's (`ledger.domain.contact_plan`). A row
keeps what the rule reads (the plan, the latest contact) and, for the index,
the next date counted in UTC days (`next_contact_utc`): read in the ledger's
time zone the date is at most a day away from it, so the query selects by it
with a day to spare and then applies the rule itself. The view is thereby the
same whatever the time zone, and a change of zone needs no rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import singledispatch
from typing import Any
from zoneinfo import ZoneInfo

from ledger.access import Sight
from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.contact_plan import ContactPlan, contact_made, new_state, plan_of, plan_set
from projections.base import DocumentReplay, Handlers, Projection, Replay
from projections.store import Transaction, chunks
from projections.visibility import sight_filter

Doc = dict[str, Any]
_UTC = ZoneInfo("UTC")

ROW_COLUMNS = (
    "customer_id",
    "code",
    "segment",
    "person_id",
    "name",
    "decision_role",
    "counterpart",
    "every_days",
    "since",
    "planned",
    "planned_at",
    "last_contact",
    "next_contact_utc",
)


class ContactPlans(Projection):
    name = "contact_plan"
    keyed_by_customer = True
    version = "1"
    tables = {
        "view_contact_plan_doc": (
            "CREATE TABLE IF NOT EXISTS view_contact_plan_doc ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, segment TEXT NOT NULL, "
            "doc TEXT NOT NULL)"
        ),
        "view_contact_plan": (
            "CREATE TABLE IF NOT EXISTS view_contact_plan ("
            "customer_id TEXT NOT NULL, code TEXT NOT NULL, segment TEXT NOT NULL, "
            "person_id TEXT NOT NULL, name TEXT NOT NULL, decision_role TEXT NOT NULL, "
            "counterpart TEXT NOT NULL, every_days INTEGER NOT NULL, since TEXT NOT NULL, "
            "planned TEXT, planned_at TEXT, last_contact TEXT, "
            "next_contact_utc TEXT NOT NULL, PRIMARY KEY (customer_id, person_id))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_contact_plan_by_counterpart "
        "ON view_contact_plan (counterpart, next_contact_utc)",
        "CREATE INDEX IF NOT EXISTS view_contact_plan_by_segment "
        "ON view_contact_plan (segment, next_contact_utc)",
        "CREATE INDEX IF NOT EXISTS view_contact_plan_by_date "
        "ON view_contact_plan (next_contact_utc)",
    )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Plans(tx, apply_event)


@dataclass(frozen=True)
class PlannedContact:
    """A planned key person as the work list shows them."""

    customer_id: str
    code: str
    segment: str
    person_id: str
    name: str
    decision_role: str
    counterpart: str
    every_days: int
    last_contact: datetime | None
    next_contact: date
    overdue_days: int


def contacts_due(
    tx: Transaction,
    sight: Sight,
    *,
    tz: ZoneInfo,
    today: date,
    until: date | None = None,
    counterpart: str | None = None,
    segment: str | None = None,
) -> list[PlannedContact]:
    """Planned key people the `sight` may see whose next contact date (in `tz`) is
    on or before `until` (default: the day before `today`, i.e. those past their
    date), most overdue first; `counterpart` and `segment` narrow it down. Each
    says how many days past its date it is on `today`."""
    last = until if until is not None else today - timedelta(days=1)
    seen, seen_params = sight_filter(sight)
    where = [seen, "p.next_contact_utc <= ?"]
    params: list[Any] = [*seen_params, (last + timedelta(days=1)).isoformat()]
    for column, value in (("counterpart", counterpart), ("segment", segment)):
        if value is not None:
            where.append(f"p.{column} = ?")
            params.append(value)
    rows = tx.fetchall(
        f"SELECT {', '.join('p.' + c for c in ROW_COLUMNS)} FROM view_contact_plan p "
        "JOIN view_customer360 c ON c.customer_id = p.customer_id "
        f"WHERE {' AND '.join(where)}",
        params,
    )
    due = []
    for row in rows:
        found = dict(zip(ROW_COLUMNS, row, strict=True))
        plan = plan_of(found)
        assert plan is not None
        next_contact = plan.next_contact(tz)
        if next_contact <= last:
            due.append(_planned(found, plan, next_contact, today))
    due.sort(key=lambda p: (p.next_contact, p.code, p.person_id))
    return due


def _planned(row: Doc, plan: ContactPlan, next_contact: date, today: date) -> PlannedContact:
    return PlannedContact(
        customer_id=str(row["customer_id"]),
        code=str(row["code"]),
        segment=str(row["segment"]),
        person_id=str(row["person_id"]),
        name=str(row["name"]),
        decision_role=str(row["decision_role"]),
        counterpart=str(row["counterpart"]),
        every_days=plan.every_days,
        last_contact=plan.last_contact,
        next_contact=next_contact,
        overdue_days=max(0, (today - next_contact).days),
    )


# ------------------------------------------------------------------ documents
class _Plans(DocumentReplay):
    """Customers' people and plans held while events are applied; each customer's
    rows are written anew with its document."""

    table = "view_contact_plan_doc"
    columns = ("customer_id", "code", "segment", "doc")

    def new(self, key: str) -> Doc:
        return {"code": "", "segment": "", "terminated": False, "people": {}}

    def written(self, keys: list[str], tx: Transaction) -> None:
        for chunk in chunks(keys):
            tx.execute(
                f"DELETE FROM view_contact_plan WHERE customer_id IN ({tx.in_list(len(chunk))})",
                chunk,
            )
        rows = [row for key in keys for row in _rows(key, self.docs[key])]
        tx.insert_new("view_contact_plan", ROW_COLUMNS, rows)


def _rows(key: str, doc: Doc) -> list[tuple[Any, ...]]:
    """A row per planned key person still there; none while the relationship is
    terminated: nothing is owed to a customer we no longer serve."""
    if doc["terminated"]:
        return []
    rows = []
    for person_id, person in doc["people"].items():
        state = person.get("contact")
        plan = plan_of(state)
        if plan is None or not person["present"] or state is None:
            continue
        rows.append(
            (
                key,
                doc["code"],
                doc["segment"],
                person_id,
                person["name"],
                person["decision_role"],
                person["counterpart"],
                plan.every_days,
                state["since"],
                state["planned"],
                state["planned_at"],
                state["last_contact"],
                plan.next_contact(_UTC).isoformat(),
            )
        )
    return rows


def apply_event(doc: Doc, event: CustomerEvent, at: str) -> None:
    _HANDLERS[type(event)](event, doc, at)


@singledispatch
def _handle(event: CustomerEvent, doc: Doc, at: str) -> None:
    """Events that change no plan."""


_HANDLERS = Handlers(_handle)


@_HANDLERS.register
def _(e: ev.CustomerRegistered, doc: Doc, at: str) -> None:
    doc.update(code=e.code, segment=e.segment)


@_HANDLERS.register
def _(e: ev.SegmentChanged, doc: Doc, at: str) -> None:
    doc["segment"] = e.segment


@_HANDLERS.register
def _(e: ev.RelationshipTerminated, doc: Doc, at: str) -> None:
    doc["terminated"] = True


@_HANDLERS.register
def _(e: ev.RelationshipReactivated, doc: Doc, at: str) -> None:
    doc["terminated"] = False


@_HANDLERS.register
def _(e: ev.KeyPersonAdded, doc: Doc, at: str) -> None:
    doc["people"][e.person_id] = {
        "name": e.name,
        "decision_role": e.decision_role,
        "counterpart": e.counterpart,
        "present": True,
    }


@_HANDLERS.register
def _(e: ev.KeyPersonUpdated, doc: Doc, at: str) -> None:
    person = doc["people"][e.person_id]
    for field in ("name", "decision_role", "counterpart"):
        if field in e.changes:
            person[field] = e.changes[field]


@_HANDLERS.register
def _(e: ev.KeyPersonLeft, doc: Doc, at: str) -> None:
    doc["people"][e.person_id]["present"] = False


@_HANDLERS.register
def _(e: ev.ResponsibilityHandedOver, doc: Doc, at: str) -> None:
    if e.role == "counterpart" and e.item in doc["people"]:
        doc["people"][e.item]["counterpart"] = e.holder


@_HANDLERS.register
def _(e: ev.ContactPlanSet, doc: Doc, at: str) -> None:
    person = doc["people"][e.person_id]
    person["counterpart"] = e.counterpart
    plan_set(person.setdefault("contact", new_state()), e.every_days, e.next_contact, at)


def _contacted(doc: Doc, people: Sequence[str], at: str) -> None:
    for person_id in people:
        person = doc["people"].get(person_id)
        if person is not None:
            contact_made(person.setdefault("contact", new_state()), at)


@_HANDLERS.register
def _(e: ev.ContactLogged, doc: Doc, at: str) -> None:
    _contacted(doc, e.people, at)


@_HANDLERS.register
def _(e: ev.VisitReported, doc: Doc, at: str) -> None:
    _contacted(doc, e.people_met, at)


def plan_summary(person: Doc, tz: ZoneInfo, today: date) -> Doc | None:
    """A key person's plan as the 360 and the brief show it (None: no plan):
    every how many days, the last and next contact, and how overdue on `today`."""
    state = person.get("contact")
    plan = plan_of(state)
    if plan is None:
        return None
    next_contact = plan.next_contact(tz)
    overdue = plan.overdue_days(tz, today)
    last = plan.last_contact.astimezone(tz).date().isoformat() if plan.last_contact else None
    late = f", overdue by {overdue} day{'' if overdue == 1 else 's'}" if overdue else ""
    return {
        "every_days": plan.every_days,
        "last_contact": last,
        "next_contact": next_contact.isoformat(),
        "overdue_days": overdue,
        "text": f"every {plan.every_days} days, next contact {next_contact.isoformat()}{late}",
    }
