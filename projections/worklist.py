"""The work list's sources (docs/domain.md, "Follow-through"): each a small
function that reads the views and yields the work items one person (or one
segment) owes as of a moment, under the rules of where the work comes from.
`SOURCES` lists them; `work_list` asks each and puts the answers in the one
order of `ledger.domain.work`. Adding a source is adding one function to
`SOURCES` (and, if it reads a view of its own, that view to `VIEWS`).

Who owes what: SLA cases (inquiries, complaints, handing a departed owner's
customers over) are owed by whom the SLA lists name, the customer's owner (a
handover, by the departed owner: a segment head sees them in their segment's
list); commitments and opportunities by their holder; a planned visit by its
visitor; a silent customer by its owner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from ledger.domain.sla.clocks import Clocks
from ledger.domain.sla.targets import HANDOVER
from ledger.domain.work import DUE, OVERDUE, WorkItem, ordered, state_of
from projections.base import from_iso, iso
from projections.churn import ChurnSignals
from projections.churn_scoring import ChurnPolicy, silence
from projections.customer360 import Customer360
from projections.handover import Handovers
from projections.sla import queries as sla
from projections.sla.items import SlaItem
from projections.sla.view import SlaCases
from projections.store import Transaction, chunks
from projections.work_view import COMMITMENT, OPPORTUNITY, VISIT, WorkItems

# Days ahead a work list looks for planned visits.
VISITS_AHEAD_DAYS = 7
# Days ahead it looks for commitments falling due, unless told otherwise.
DEFAULT_WITHIN_DAYS = 7


@dataclass(frozen=True)
class WorkQuery:
    """Whose work is asked for (a holder, a segment, or both), as of when."""

    tx: Transaction
    clocks: Clocks
    churn: ChurnPolicy
    as_of: datetime
    holder: str | None = None
    segment: str | None = None
    within: timedelta = timedelta(days=DEFAULT_WITHIN_DAYS)


Source = Callable[[WorkQuery], Iterable[WorkItem]]


# ------------------------------------------------------------------- SLA cases
# The SLA kinds owed as cases; commitments and follow-ups come from their holders.
_SLA_KINDS = ("inquiry", "complaint", HANDOVER)


def sla_cases(q: WorkQuery) -> Iterator[WorkItem]:
    """SLA cases still open and breached, or at risk, as the SLA lists say."""
    found: list[SlaItem] = []
    for kind in _SLA_KINDS:
        filters: dict[str, Any] = {"segment": q.segment, "owner": q.holder, "kind": kind}
        found += sla.breaches(q.tx, q.clocks, as_of=q.as_of, **filters)
        found += sla.at_risk(q.tx, q.clocks, as_of=q.as_of, **filters)
    names = _names(q.tx, {item.customer for item in found})
    for item in found:
        if item.status == "closed":
            continue
        yield WorkItem(
            kind=item.kind,
            owed_by=item.owner,
            customer=item.customer,
            name=names.get(item.customer, ""),
            segment=item.segment,
            item=item.case,
            text=item.detail or f"{item.kind} {item.case}: {item.target.replace('_', ' ')}",
            due_at=item.due_at,
            state=state_of(item.due_at, q.as_of, target=True, at_risk=item.left is not None),
            as_of=q.as_of,
            measured=item.late if item.late is not None else item.left,
        )


# ---------------------------------------------------- commitments and follow-up
def held_cases(q: WorkQuery) -> Iterator[WorkItem]:
    """Commitments due within the window or overdue, and leads and opportunities
    whose follow-up is at risk or late, owed by their holder. Their deadlines and
    at-risk points are the SLA clocks' (the SLA view's rows)."""
    moment = iso(q.as_of)
    where, params = _scope(q)
    rows = q.tx.fetchall(
        "SELECT w.kind, w.holder, w.item, w.text, s.due_at, s.risk_at, c.code, c.name, c.segment "
        "FROM view_work_items w "
        "JOIN view_sla_cases s ON s.case_key = w.customer_id || '/' || w.item "
        "JOIN view_customer360 c ON c.customer_id = w.customer_id "
        f"WHERE w.kind IN (?, ?){where} AND s.closed_at IS NULL AND s.due_at IS NOT NULL "
        "AND ((w.kind = ? AND s.due_at <= ?) OR (w.kind = ? AND s.risk_at <= ?))",
        (
            COMMITMENT,
            OPPORTUNITY,
            *params,
            COMMITMENT,
            iso(q.as_of + q.within),
            OPPORTUNITY,
            moment,
        ),
    )
    for kind, holder, item, text, due, risk, code, name, segment in rows:
        due_at = from_iso(due)
        at_risk = risk is not None and risk <= moment
        yield WorkItem(
            kind=kind if kind == COMMITMENT else "follow-up",
            owed_by=holder,
            customer=code,
            name=name,
            segment=segment,
            item=item,
            text=text,
            due_at=due_at,
            state=state_of(due_at, q.as_of, target=True, at_risk=at_risk),
            as_of=q.as_of,
        )


# ------------------------------------------------------------------- visits
def planned_visits(q: WorkQuery) -> Iterator[WorkItem]:
    """Visits planned for the next days, and planned visits whose time has passed
    with no report (owed a report, or a cancellation), owed by their visitor."""
    where, params = _scope(q)
    rows = q.tx.fetchall(
        "SELECT w.holder, w.item, w.text, w.due_at, c.code, c.name, c.segment "
        "FROM view_work_items w JOIN view_customer360 c ON c.customer_id = w.customer_id "
        f"WHERE w.kind = ?{where} AND w.due_at <= ?",
        (VISIT, *params, iso(q.as_of + timedelta(days=VISITS_AHEAD_DAYS))),
    )
    for holder, item, text, due, code, name, segment in rows:
        due_at = from_iso(due)
        yield WorkItem(
            kind=VISIT,
            owed_by=holder,
            customer=code,
            name=name,
            segment=segment,
            item=item,
            text=text,
            due_at=due_at,
            state=state_of(due_at, q.as_of, target=False),
            as_of=q.as_of,
        )


# ----------------------------------------------------------- silent customers
def silent_customers(q: WorkQuery) -> Iterator[WorkItem]:
    """Active customers silent past their usual cadence (the churn score's
    silence rule), owed a contact by their owner."""
    for doc in ChurnSignals.load_all(q.tx, segment=q.segment, owner=q.holder):
        if doc["stage"] == "terminated" or doc["owner"] is None:
            continue
        registered = doc["registered_at"]
        if registered is None or from_iso(registered) > q.as_of:
            continue
        found = silence(doc, q.as_of, q.churn)
        if found is None:
            continue
        due_at = datetime.combine(found.counts_from, time(), q.clocks.timezone)
        yield WorkItem(
            kind="silence",
            owed_by=doc["owner"],
            customer=doc["code"],
            name=doc["name"],
            segment=doc["segment"],
            item="contact",
            text=f"{found.what}, past {found.usual}",
            due_at=due_at,
            state=OVERDUE if due_at <= q.as_of else DUE,
            as_of=q.as_of,
        )


# Every source of work, in no particular order (the list is ordered by urgency).
SOURCES: tuple[Source, ...] = (sla_cases, held_cases, planned_visits, silent_customers)
# The views the sources read, caught up before a work list is made.
VIEWS = (SlaCases.name, Handovers.name, WorkItems.name, Customer360.name, ChurnSignals.name)


def work_list(q: WorkQuery, sources: Iterable[Source] = SOURCES) -> list[WorkItem]:
    """Everything the sources say is owed, most urgent first."""
    return ordered([item for source in sources for item in source(q)])


def _scope(q: WorkQuery) -> tuple[str, list[str]]:
    """The condition confining `view_work_items w` (joined with the customers'
    view `c`) to the holder and segment asked about."""
    where, params = "", []
    if q.holder is not None:
        where += " AND w.holder = ?"
        params.append(q.holder)
    if q.segment is not None:
        where += " AND c.segment = ?"
        params.append(q.segment)
    return where, params


def _names(tx: Transaction, codes: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for chunk in chunks(sorted(codes)):
        rows = tx.fetchall(
            f"SELECT code, name FROM view_customer360 WHERE code IN ({tx.in_list(len(chunk))})",
            chunk,
        )
        names.update({str(code): str(name) for code, name in rows})
    return names
