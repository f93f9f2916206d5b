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
visitor; a silent customer by its owner; a key person due for contact by their
counterpart (`ledger.domain.contact_plan`); an open problem from a visit by the
customer's owner (`ledger.domain.problems.owed_by`); a visit plan to submit by
its account manager, one awaiting review by the segment's head
(`ledger.domain.visit_plan`); a monthly summary by the segment's head
(`projections.summaries`). Each source asks the module that owns its rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from ledger.access import SEGMENT_HEAD, Caller, Sight
from ledger.domain.problems import owed_by
from ledger.domain.sla.clocks import Clocks
from ledger.domain.sla.months import Month
from ledger.domain.sla.targets import HANDOVER
from ledger.domain.visit_plan import RETURNED, plan_due, plan_reference
from ledger.domain.work import DUE, OVERDUE, WorkItem, ordered, state_of
from projections import contact_plan, summaries
from projections import visit_plans as plans
from projections.base import from_iso, iso
from projections.churn import ChurnSignals
from projections.churn_scoring import ChurnPolicy, silence
from projections.contact_plan import ContactPlans
from projections.customer360 import Customer360
from projections.handover import Handovers
from projections.sla import queries as sla
from projections.sla.items import SlaItem
from projections.sla.view import SlaCases
from projections.staff import StaffDirectoryView, WorkedOn
from projections.store import Transaction, chunks
from projections.summaries import SummarySubmissions
from projections.visit_plans import PlanRow, VisitPlans
from projections.work_view import COMMITMENT, OPPORTUNITY, PROBLEM, VISIT, WorkItems

# Days ahead a work list looks for planned visits.
VISITS_AHEAD_DAYS = 7
# Days ahead it looks for commitments falling due, unless told otherwise.
DEFAULT_WITHIN_DAYS = 7


EVERY_CUSTOMER = Sight(everything=True)


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
    # Whose customers may be listed (the read service also filters what comes out).
    sight: Sight = EVERY_CUSTOMER


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
            text=_case_text(item),
            due_at=item.due_at,
            state=state_of(item.due_at, q.as_of, target=True, at_risk=item.left is not None),
            as_of=q.as_of,
            measured=item.late if item.late is not None else item.left,
        )


def _case_text(item: SlaItem) -> str:
    """What a case owes; an open imported case is real work, said to be imported
    when its deadline passed before the import (`ledger.domain.sla.historic`)."""
    if item.detail and not item.historic:
        return item.detail  # a handover: says who left and what is owed
    text = f"{item.kind} {item.case}: {item.target.replace('_', ' ')}"
    return f"{text} ({IMPORTED_LATE})" if item.historic else text


# What an open item whose deadline passed before its import says (the old system's
# deadline, not one missed in this ledger).
IMPORTED_LATE = "imported, due before the import"


# ---------------------------------------------------- commitments and follow-up
def held_cases(q: WorkQuery) -> Iterator[WorkItem]:
    """Commitments due within the window or overdue, and leads and opportunities
    whose follow-up is at risk or late, owed by their holder. Their deadlines and
    at-risk points are the SLA clocks' (the SLA view's rows)."""
    moment = iso(q.as_of)
    where, params = _scope(q)
    rows = q.tx.fetchall(
        "SELECT w.kind, w.holder, w.item, w.text, s.due_at, s.risk_at, c.code, c.name, "
        "c.segment, s.historic "
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
    for kind, holder, item, text, due, risk, code, name, segment, historic in rows:
        due_at = from_iso(due)
        at_risk = risk is not None and risk <= moment
        yield WorkItem(
            kind=kind if kind == COMMITMENT else "follow-up",
            owed_by=holder,
            customer=code,
            name=name,
            segment=segment,
            item=item,
            text=f"{text} ({IMPORTED_LATE})" if historic else text,
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


# ------------------------------------------------------------ contact plans
def contacts_due(q: WorkQuery) -> Iterator[WorkItem]:
    """Key people past their next contact date, or due for contact within the
    window, owed by their counterpart (`projections.contact_plan.contacts_due`,
    under the rule of `ledger.domain.contact_plan`). A contact is due by the end of
    its date: late from the day after."""
    tz = q.clocks.timezone
    due = contact_plan.contacts_due(
        q.tx,
        q.sight,
        tz=tz,
        today=q.as_of.astimezone(tz).date(),
        until=(q.as_of + q.within).astimezone(tz).date(),
        counterpart=q.holder,
        segment=q.segment,
    )
    names = _names(q.tx, {person.code for person in due})
    for person in due:
        due_at = datetime.combine(person.next_contact + timedelta(days=1), time(), tz)
        yield WorkItem(
            kind="contact",
            owed_by=person.counterpart,
            customer=person.code,
            name=names.get(person.code, ""),
            segment=person.segment,
            item=person.person_id,
            text=f"contact {person.name} ({person.decision_role}), every {person.every_days}d",
            due_at=due_at,
            state=state_of(due_at, q.as_of, target=False),
            as_of=q.as_of,
        )


# ------------------------------------------------------------------ problems
def open_problems(q: WorkQuery) -> Iterator[WorkItem]:
    """Problems raised at visits and not yet handled, owed by the customer's owner
    (`ledger.domain.problems.owed_by`). A problem has no due time: it is listed as
    due, with how long it has been open."""
    # The owner narrows the rows read; `owed_by` below decides.
    where, params = _scope(q, holder="c.owner")
    rows = q.tx.fetchall(
        "SELECT w.item, w.text, w.opened_at, c.code, c.name, c.segment, c.owner "
        "FROM view_work_items w JOIN view_customer360 c ON c.customer_id = w.customer_id "
        f"WHERE w.kind = ?{where}",
        (PROBLEM, *params),
    )
    for item, text, opened, code, name, segment, owner in rows:
        owes = owed_by(owner)
        if q.holder is not None and owes != q.holder:
            continue
        yield WorkItem(
            kind=PROBLEM,
            owed_by=owes,
            customer=code,
            name=name,
            segment=segment,
            item=item,
            text=text,
            due_at=None,
            state=DUE,
            as_of=q.as_of,
            opened_at=from_iso(opened),
        )


# --------------------------------------------------------------- visit plans
def plans_to_submit(q: WorkQuery) -> Iterator[WorkItem]:
    """Visit plans an account manager owes (`plans_owed_by`): next month's, not
    submitted or returned, once its due time (`ledger.domain.visit_plan.plan_due`)
    is within the window; and a returned plan, of next month or of the month under
    way, at once (it is late once its due time has passed)."""
    tz = q.clocks.timezone
    this_month = Month.of(q.as_of, tz)
    horizon = q.as_of + q.within
    for month in (this_month, this_month.next()):
        due = plan_due(month, q.clocks.calendar)
        if q.holder is not None:
            owed = plans.plans_owed_by(q.tx, q.holder, month, due, q.as_of)
        else:
            found = plans.plan_rows(q.tx, month, due, q.as_of, segment=q.segment)
            owed = [row for row in found if row.owed]
        for row in owed:
            returned = row.status == RETURNED
            if q.segment is not None and row.segment != q.segment:
                continue
            if not returned and (month == this_month or row.due > horizon):
                continue
            why = f": returned by {row.decided_by}, {row.note}" if returned else ""
            yield WorkItem(
                kind="visit plan",
                owed_by=row.owner,
                customer="",
                name="",
                segment=row.segment or "",
                item=plan_reference(row.owner, month),
                text=f"submit{' again' if returned else ''} the visit plan for {month}{why}",
                due_at=row.due,
                state=state_of(row.due, q.as_of, target=False),
                as_of=q.as_of,
            )


def plans_to_review(q: WorkQuery) -> Iterator[WorkItem]:
    """Visit plans submitted and awaiting the review of the head of their segment
    (`plans_awaiting`). No rule gives a review a due time: each is due, with how
    long it has been waiting."""
    heads = summaries.segment_heads(q.tx)
    reviewers = []
    if q.holder is not None:
        member = q.tx.fetchone(
            "SELECT role, segment FROM view_staff WHERE staff_id = ? AND status = 'active'",
            (q.holder,),
        )
        if member is not None and member[0] == SEGMENT_HEAD:
            reviewers.append(Caller(q.holder, SEGMENT_HEAD, member[1]))
    else:
        reviewers += [
            Caller(head, SEGMENT_HEAD, segment)
            for segment, (head, _) in sorted(heads.items())
            if q.segment in (None, segment)
        ]
    for reviewer in reviewers:
        for row in plans.plans_awaiting(q.tx, reviewer):
            if q.segment is not None and row.segment != q.segment:
                continue
            yield _review(q, reviewer.staff_id, row)


def _review(q: WorkQuery, head: str, row: PlanRow) -> WorkItem:
    reference = plan_reference(row.owner, Month.parse(row.month))
    return WorkItem(
        kind="plan review",
        owed_by=head,
        customer="",
        name="",
        segment=row.segment or "",
        item=reference,
        text=f"approve or return the visit plan {reference} "
        f"({row.visits} visit{'' if row.visits == 1 else 's'})",
        due_at=None,
        state=DUE,
        as_of=q.as_of,
        opened_at=row.submitted_at,
    )


# ---------------------------------------------------------- monthly summaries
def summaries_to_submit(q: WorkQuery) -> Iterator[WorkItem]:
    """Monthly summaries a segment head still owes (`summaries_owed_by`; of a
    segment, its head's), due by the day the report rules say, at risk before."""
    if q.holder is not None:
        owed = summaries.summaries_owed_by(q.tx, q.clocks, q.holder, as_of=q.as_of)
    else:
        found = summaries.owed_summaries(q.tx, q.clocks, as_of=q.as_of, segment=q.segment)
        owed = [s for s in found if not s.submitted]
    for summary in owed:
        if q.segment is not None and summary.segment != q.segment:
            continue
        yield WorkItem(
            kind="summary",
            owed_by=summary.head,
            customer="",
            name="",
            segment=summary.segment,
            item=f"{summary.segment}/{summary.month}/{summary.kind}",
            text=f"submit the {summary.kind} summary of {summary.segment} for {summary.month}",
            due_at=summary.due_at,
            state=state_of(
                summary.due_at, q.as_of, target=True, at_risk=summary.at_risk_from <= q.as_of
            ),
            as_of=q.as_of,
        )


# Every source of work, in no particular order (the list is ordered by urgency).
SOURCES: tuple[Source, ...] = (
    sla_cases,
    held_cases,
    planned_visits,
    silent_customers,
    contacts_due,
    open_problems,
    plans_to_submit,
    plans_to_review,
    summaries_to_submit,
)
# The views the sources read, caught up before a work list is made.
VIEWS = (
    SlaCases.name,
    Handovers.name,
    WorkItems.name,
    Customer360.name,
    ChurnSignals.name,
    ContactPlans.name,
    WorkedOn.name,
    VisitPlans.name,
    StaffDirectoryView.name,
    SummarySubmissions.name,
)


def work_list(q: WorkQuery, sources: Iterable[Source] = SOURCES) -> list[WorkItem]:
    """Everything the sources say is owed, most urgent first."""
    return ordered([item for source in sources for item in source(q)])


def _scope(q: WorkQuery, holder: str = "w.holder") -> tuple[str, list[str]]:
    """The condition confining `view_work_items w` (joined with the customers'
    view `c`) to the holder (in the column `holder`) and segment asked about."""
    where, params = "", []
    if q.holder is not None:
        where += f" AND {holder} = ?"
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
