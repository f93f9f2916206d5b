"""The read service: every read of the ledger's views for one caller.

Beside the write service (`ledger.application.Ledger`), the `Reader` answers
reads for the caller it is made for. It checks that the caller may read
customer records at all, applies the visibility rule (`ledger.access.Sight`),
records in the read log each read of one customer's record, catches up the
views a read needs (once, before the read is logged: the read's own event
concerns no view it reads), and replays the past for `as_of`. It hands back
plain data; the projection queries it calls take a transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from ledger.access import (
    CUSTOMER_ROLES,
    STAFF,
    Caller,
    Sight,
    may_audit,
    may_read_customers,
    may_see_activity_of,
    sight,
)
from ledger.errors import AccessDeniedError, InvalidInputError
from projections.visibility import Visibility, in_sight, visibility

if TYPE_CHECKING:
    # Each read imports the views and queries it uses, when it is made: a process
    # that shows one customer imports neither the other views nor the write
    # service's commands (docs/decisions.md, "Start-up: a process imports what it
    # uses").
    from ledger.domain.base import CustomerEvent
    from ledger.domain.customer import Customer
    from ledger.domain.periods import Period
    from ledger.domain.sla.clocks import Clocks
    from ledger.domain.sla.months import Month
    from ledger.domain.work import WorkItem
    from projections.activity import Member, StaffActivity
    from projections.churn import AtRisk
    from projections.churn_scoring import ChurnPolicy
    from projections.contact_plan import PlannedContact
    from projections.monthly import MonthlyReport
    from projections.pipeline import PipelineItem
    from projections.reads import Read
    from projections.sla.items import SlaItem
    from projections.store import Transaction
    from projections.summaries import OwedSummary, Submission
    from projections.views import Views
    from projections.visit_plans import PlanRow

Doc = dict[str, Any]


@dataclass(frozen=True)
class History:
    """A customer's stream as it was read: the customer then, the events known
    then, and how many events the stream holds now."""

    state: Customer
    events: list[CustomerEvent]
    total: int


# The views that say who may see a customer.
_SIGHT = ("customer360", "worked_on")  # Customer360.name, WorkedOn.name


class Reader:
    """The reads one caller may make. `Reader.for_caller` refuses a caller whose
    role reads no customer records, in one line, before anything is read."""

    def __init__(self, views: Views, caller: Caller) -> None:
        self.views = views
        self.caller = caller
        self.sight: Sight = sight(caller)

    @classmethod
    def for_caller(cls, views: Views, caller: Caller) -> Reader:
        if not may_read_customers(caller):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: that role has no access to customer records"
            )
        return cls(views, caller)

    # ------------------------------------------------------------- visibility
    @cached_property
    def visible(self) -> Visibility:
        """The customers the caller may see in lists."""
        if self.sight.everything:
            return Visibility(None)
        with self._caught_up(*_SIGHT) as tx:
            return visibility(tx, self.sight)

    def scope_segment(self, segment: str | None) -> str | None:
        """The segment a list is confined to: whatever was asked for by those who see
        every segment; one's own segment for segment heads and staff."""
        if self.caller.sees_every_customer:
            return segment
        if segment is not None and segment != self.caller.segment:
            raise AccessDeniedError(
                f"{self.caller.staff_id} works in segment {self.caller.segment} and sees no other"
            )
        return self.caller.segment

    def sees_owner_figures(self, owner: str | None) -> bool:
        """Whether figures about an owner (not about one customer), such as visit
        coverage, are the caller's to see: staff see only their own."""
        return self.caller.role != STAFF or owner == self.caller.staff_id

    # -------------------------------------------------------- one customer
    def customer(self, reference: str, view: str, detail: str = "", *also: str) -> UUID:
        """The id of the customer `reference` names, if the caller may see it, with
        the read logged as a read through `view`. The views that decide who may see
        it, and the views in `also` the read goes on to use, are caught up first:
        once, as the logged read changes none of them. A customer the caller may
        not see is reported exactly like one that does not exist."""
        customer_id = self._in_sight(reference, *also)
        self.views.app.record_read(self.caller, customer_id, view, detail)
        return customer_id

    def _in_sight(self, reference: str, *also: str) -> UUID:
        """The id of the customer `reference` names, if the caller may see it (the
        read not yet logged), with the views it is judged by and `also` caught up."""
        from ledger.service import customer_not_found

        customer_id = self.views.app.resolve_customer(reference)
        names = (*_SIGHT, *also) if not self.sight.everything else also
        if names:
            self.views.catch_up(list(dict.fromkeys(names)))
        if not self.sight.everything:
            with self.views.store.transaction() as tx:
                if not in_sight(tx, self.sight, str(customer_id)):
                    raise customer_not_found(reference)
        return customer_id

    def every_customer(self, view: str, detail: str = "") -> None:
        """Log a read of every customer's record at once (a full export): only for
        those who see every customer."""
        if not self.sight.everything:
            raise AccessDeniedError(
                f"{self.caller.staff_id} is {self.caller.role}: only executives and "
                "auditors read every customer at once"
            )
        self.views.app.record_read(self.caller, None, view, detail)

    def customer_360(
        self, reference: str, *, moment: datetime | None = None, detail: str = ""
    ) -> Doc | None:
        """The 360 of a customer the caller may see (read logged as `customer show`):
        as it stands, or with `moment` as it stood then, replayed from the events
        recorded up to that moment. None when it was not yet recorded then: nothing
        was read, so nothing is logged."""
        from ledger.domain.base import CustomerEvent
        from projections.customer360 import Customer360, as_of, customer_360
        from projections.recorded import RecordedVersions

        customer_id = self._in_sight(reference, Customer360.name, RecordedVersions.name)
        with self.views.store.transaction() as tx:
            version = (
                None if moment is None else RecordedVersions.version_as_of(tx, customer_id, moment)
            )
        if version == 0:
            return None
        self.views.app.record_read(self.caller, customer_id, "customer show", detail)
        if version is None:
            with self.views.store.transaction() as tx:
                return customer_360(tx, customer_id)
        events = self.views.app.events.get(customer_id, lte=version)
        return as_of(customer_id, [e for e in events if isinstance(e, CustomerEvent)])

    def brief(self, reference: str, tz: ZoneInfo, now: datetime) -> Doc:
        """The handover brief of a customer the caller may see (read logged as
        `brief`), with warnings about anything held by someone no longer responsible."""
        from projections import brief as briefs
        from projections.customer360 import Customer360, customer_360
        from projections.holding_warnings import holding_warnings, staff_statuses
        from projections.staff import StaffDirectoryView

        customer_id = self.customer(
            reference, "brief", "", Customer360.name, StaffDirectoryView.name
        )
        with self.views.store.transaction() as tx:
            doc = customer_360(tx, customer_id)
            statuses = staff_statuses(tx)
        _, events = self.views.app.customer_events(reference)
        brief = briefs.compose(doc or {}, events, tz, now)
        brief["warnings"] = holding_warnings(doc, statuses.get) if doc else []
        return brief

    def holding_warnings(self, doc: Doc) -> list[str]:
        """What is still held at the customer of `doc` (a current 360 the caller
        has read) by someone no longer responsible for it, and how to fix it."""
        from projections.holding_warnings import holding_warnings, staff_statuses
        from projections.staff import StaffDirectoryView

        with self._caught_up(StaffDirectoryView.name) as tx:
            statuses = staff_statuses(tx)
        return holding_warnings(doc, statuses.get)

    def history(
        self, reference: str, moment: datetime | None = None, *, detail: str = ""
    ) -> History | None:
        """A customer's stream (read logged as `history`): all of it, or with
        `moment` the events recorded by then and the customer as it stood then.
        None when it was not yet recorded then: nothing was read, so nothing is logged."""
        from projections.recorded import RecordedVersions

        customer_id = self._in_sight(reference, *([RecordedVersions.name] if moment else []))
        known = None
        if moment is not None:
            with self.views.store.transaction() as tx:
                known = RecordedVersions.version_as_of(tx, customer_id, moment)
            if known == 0:
                return None
        self.views.app.record_read(self.caller, customer_id, "history", detail)
        app = self.views.app
        state, events = app.customer_events(reference)
        total = len(events)
        if known is not None:
            events = [e for e in events if e.originator_version <= known]
            if known < state.version:
                state = app.repository.get(customer_id, version=known)
        return History(state, events, total)

    def read_log(
        self,
        customer: str | None = None,
        *,
        reader: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[tuple[Read, str]]:
        """Reads of customers' records in time order, each with the code of the
        customer read (`*` for every customer): of one customer (reads of every
        customer included), by one reader, in a period. For auditors and
        executives, who see every customer."""
        from projections.customer360 import Customer360, codes
        from projections.reads import EVERY_CUSTOMER, ReadLog, reads

        if not may_audit(self.caller):
            raise AccessDeniedError(
                f"{self.caller.staff_id} is {self.caller.role}: the read log is for "
                "auditors and executives"
            )
        customer_id = None if customer is None else self.views.app.resolve_customer(customer)
        with self._caught_up(ReadLog.name, Customer360.name) as tx:
            found = reads(tx, customer_id=customer_id, reader=reader, since=since, until=until)
            known = codes(tx, {r.customer_id for r in found} - {EVERY_CUSTOMER})
        return [(r, known.get(r.customer_id, r.customer_id)) for r in found]

    # ----------------------------------------------------------------- lists
    def churn_at_risk(
        self,
        policy: ChurnPolicy,
        moment: datetime,
        *,
        segment: str | None = None,
        owner: str | None = None,
        min_score: int = 0,
    ) -> list[AtRisk]:
        """Active customers the caller may see, by churn risk (highest first)."""
        from projections import churn
        from projections.churn import ChurnSignals

        segment = self.scope_segment(segment)
        with self._caught_up(ChurnSignals.name) as tx:
            ranked = churn.at_risk(
                tx, policy, moment, segment=segment, owner=owner, min_score=min_score
            )
        return [r for r in ranked if self.visible.allows(r.code)]

    def churn_at_risk_page(
        self,
        first: int | None,
        policy: ChurnPolicy,
        moment: datetime,
        *,
        segment: str | None = None,
        owner: str | None = None,
        min_score: int = 0,
    ) -> tuple[list[AtRisk], int]:
        """The `first` of `churn_at_risk` (all when None) and how many there are.
        For a caller who sees every customer the view scores only the customers
        that may rank among the first (`churn.at_risk_page`); for others, what they
        may see is taken from the whole list, then cut."""
        if not self.sight.everything:
            ranked = self.churn_at_risk(
                policy, moment, segment=segment, owner=owner, min_score=min_score
            )
            return (ranked if first is None else ranked[:first]), len(ranked)
        from projections import churn
        from projections.churn import ChurnSignals

        segment = self.scope_segment(segment)
        with self._caught_up(ChurnSignals.name) as tx:
            ranked, total = churn.at_risk_page(
                tx, policy, moment, first, segment=segment, owner=owner, min_score=min_score
            )
        return [r for r in ranked if self.visible.allows(r.code)], total

    def win_back(
        self, moment: datetime, *, segment: str | None = None, owner: str | None = None
    ) -> list[Doc]:
        """Terminated customers the caller may see, most recently lost first."""
        from projections import churn
        from projections.churn import ChurnSignals

        segment = self.scope_segment(segment)
        with self._caught_up(ChurnSignals.name) as tx:
            rows = churn.win_back(tx, moment, segment=segment, owner=owner)
        return [row for row in rows if self.visible.allows(row["code"])]

    def monthly_report(
        self, month: Month, *, segment: str | None = None, now: datetime
    ) -> MonthlyReport:
        """A month's figures, confined to the caller's segment where they have one."""
        from projections import monthly
        from projections.monthly import MonthlyFigures
        from projections.sla.view import SlaCases
        from projections.visit_plans import VisitPlans

        segment = self.scope_segment(segment)
        with self._caught_up(SlaCases.name, MonthlyFigures.name, VisitPlans.name) as tx:
            return monthly.monthly_report(tx, self.clocks, month, segment=segment, now=now)

    def sla_breaches(
        self,
        *,
        as_of: datetime,
        since: datetime | None = None,
        segment: str | None = None,
        owner: str | None = None,
        kind: str | None = None,
    ) -> list[SlaItem]:
        """Targets breached as of `as_of` that the caller may see (`sla.breaches`)."""
        from projections.sla import queries as sla

        segment = self.scope_segment(segment)
        with self._caught_up(*_sla_views(kind)) as tx:
            items = sla.breaches(
                tx, self.clocks, as_of=as_of, since=since, segment=segment, owner=owner, kind=kind
            )
        return self._seen(items)

    def sla_breaches_page(
        self,
        first: int | None,
        *,
        as_of: datetime,
        since: datetime | None = None,
        segment: str | None = None,
        owner: str | None = None,
        kind: str | None = None,
    ) -> tuple[list[SlaItem], int]:
        """The `first` of `sla_breaches` (all when None) and how many there are.
        For a caller who sees every customer the view gives only the first ones
        (`sla.first_breaches`); for others, what they may see is taken from the
        whole list, then cut."""
        from projections.sla import queries as sla

        if not self.sight.everything:
            items = self.sla_breaches(
                as_of=as_of, since=since, segment=segment, owner=owner, kind=kind
            )
            return (items if first is None else items[:first]), len(items)
        segment = self.scope_segment(segment)
        with self._caught_up(*_sla_views(kind)) as tx:
            items, total = sla.first_breaches(
                tx, self.clocks, first, as_of=as_of, since=since, segment=segment,
                owner=owner, kind=kind,
            )  # fmt: skip
        return self._seen(items), total

    def sla_at_risk(
        self,
        *,
        as_of: datetime,
        segment: str | None = None,
        owner: str | None = None,
        kind: str | None = None,
    ) -> list[SlaItem]:
        """Targets at risk as of `as_of` that the caller may see (`sla.at_risk`)."""
        from projections.sla import queries as sla

        segment = self.scope_segment(segment)
        with self._caught_up(*_sla_views(kind)) as tx:
            items = sla.at_risk(
                tx, self.clocks, as_of=as_of, segment=segment, owner=owner, kind=kind
            )
        return self._seen(items)

    def summaries_owed_by(self, head: str, *, as_of: datetime) -> list[OwedSummary]:
        """Monthly summaries segment head `head` has still to submit, due or overdue
        as of `as_of` (`summaries.summaries_owed_by`), within the caller's segment
        where they have one."""
        from projections import summaries
        from projections.staff import StaffDirectoryView
        from projections.summaries import SummarySubmissions

        segment = self.scope_segment(None)
        with self._caught_up(SummarySubmissions.name, StaffDirectoryView.name) as tx:
            owed = summaries.summaries_owed_by(tx, self.clocks, head, as_of=as_of)
        return [s for s in owed if segment in (None, s.segment)]

    def summary_submissions(
        self, *, segment: str | None = None, month: Month | None = None
    ) -> list[Submission]:
        """Summaries submitted, confined to the caller's segment where they have one."""
        from projections import summaries
        from projections.summaries import SummarySubmissions

        segment = self.scope_segment(segment)
        with self._caught_up(SummarySubmissions.name) as tx:
            return summaries.submissions(tx, segment=segment, month=month)

    def unrecorded_breaches(self, *, as_of: datetime) -> list[SlaItem]:
        """Breaches no sweep has recorded yet, as of `as_of` (every customer's: a
        sweep records them all, whoever runs it)."""
        from projections.sla import queries as sla
        from projections.sla.view import SlaCases

        with self._caught_up(SlaCases.name) as tx:
            return sla.unrecorded_breaches(tx, self.clocks, as_of=as_of)

    def breached_open_cases(self, *, as_of: datetime) -> list[SlaItem]:
        """Inquiries and complaints breached and still open as of `as_of` (every
        customer's, as for `unrecorded_breaches`)."""
        from projections.sla import queries as sla
        from projections.sla.view import SlaCases

        with self._caught_up(SlaCases.name) as tx:
            return sla.breached_open_cases(tx, self.clocks, as_of=as_of)

    def visit_plans(self, month: Month, *, now: datetime) -> list[PlanRow]:
        """Where each owner's visit plan for `month` stands (docs/domain.md,
        "Follow-through"): staff see their own; a segment head every account
        manager's and plan of their segment; executives and auditors everyone's."""
        from ledger.domain.visit_plan import plan_due
        from projections.staff import StaffDirectoryView
        from projections.visit_plans import VisitPlans, plan_rows

        owner = self.caller.staff_id if self.caller.role == STAFF else None
        segment = None if self.caller.sees_every_customer else self.caller.segment
        due = plan_due(month, self.clocks.calendar)
        with self._caught_up(VisitPlans.name, StaffDirectoryView.name) as tx:
            return plan_rows(tx, month, due, now, segment=segment, owner=owner)

    def planned_customers(self, month: Month, *, segment: str | None = None) -> dict[str, int]:
        """Per owner, the customers of their submitted or approved plan for `month`."""
        from projections.visit_plans import VisitPlans, planned_customers

        with self._caught_up(VisitPlans.name) as tx:
            return planned_customers(tx, month, segment=segment)

    def contacts_due(
        self,
        *,
        tz: ZoneInfo,
        today: date,
        until: date | None = None,
        counterpart: str | None = None,
        segment: str | None = None,
    ) -> list[PlannedContact]:
        """Key people the caller may see whose next contact date is on or before
        `until` (default: past it on `today`), for one counterpart or segment."""
        from projections.contact_plan import ContactPlans, contacts_due

        segment = self.scope_segment(segment)
        with self._caught_up(*_SIGHT, ContactPlans.name) as tx:
            return contacts_due(
                tx,
                self.sight,
                tz=tz,
                today=today,
                until=until,
                counterpart=counterpart,
                segment=segment,
            )

    def work_list(
        self,
        policy: ChurnPolicy,
        *,
        as_of: datetime,
        owner: str | None = None,
        segment: str | None = None,
        within: timedelta | None = None,
    ) -> list[WorkItem]:
        """What `owner` (default: the caller), or everyone in `segment`, owes as of
        `as_of`, most urgent first, of the customers the caller may see. Staff ask
        only for themselves; a segment head for staff of their segment."""
        from projections import worklist

        caller = self.caller
        if caller.role == STAFF and (
            (owner is not None and owner != caller.staff_id) or segment is not None
        ):
            raise AccessDeniedError(
                f"{caller.staff_id} is staff: a member of staff sees only their own work list"
            )
        if segment is not None:
            segment = self.scope_segment(segment)
        if owner is not None and owner != caller.staff_id:
            member = self.views.app.staff_member(owner)
            if not caller.sees_every_customer and member.segment != caller.segment:
                raise AccessDeniedError(
                    f"{caller.staff_id} works in segment {caller.segment}: {owner} does not"
                )
        elif owner is None and segment is None:
            owner = caller.staff_id
        with self._caught_up(*worklist.VIEWS) as tx:
            query = worklist.WorkQuery(
                tx=tx,
                clocks=self.clocks,
                churn=policy,
                as_of=as_of,
                holder=owner,
                segment=segment,
                within=timedelta(days=worklist.DEFAULT_WITHIN_DAYS) if within is None else within,
                sight=self.sight,
            )
            items = worklist.work_list(query)
        # Work of one customer, if the caller may see it; work of no one customer (a
        # plan, a summary), if the caller may see what its owner owes.
        return [
            item
            for item in items
            if (
                self.visible.allows(item.customer)
                if item.customer
                else self.sees_owner_figures(item.owed_by)
            )
        ]

    def pipeline(
        self,
        *,
        owner: str | None = None,
        segment: str | None = None,
        stage: str | None = None,
    ) -> list[PipelineItem]:
        """Open leads and opportunities of the customers the caller may see: of
        those `owner` holds, in `segment`, at `stage`, when given."""
        from projections.activity import directory
        from projections.pipeline import Pipeline, pipeline
        from projections.sla.view import SlaCases
        from projections.staff import StaffDirectoryView

        segment = self.scope_segment(segment)
        with self._caught_up(Pipeline.name, SlaCases.name, StaffDirectoryView.name, *_SIGHT) as tx:
            if owner is not None:
                _known(directory(tx), owner)
            return pipeline(tx, self.sight, holder=owner, segment=segment, stage=stage)

    def activity(
        self,
        period: Period,
        timezone: ZoneInfo,
        *,
        owner: str | None = None,
        segment: str | None = None,
    ) -> list[StaffActivity]:
        """What each member of staff whose activity the caller may see
        (`may_see_activity_of`) did in `period` and in the period before: every
        active account that works on customers, and anyone else with work counted;
        only `owner`, or the staff of `segment`, when given."""
        from projections.activity import Activity, Counts, Member, StaffActivity, counts, directory
        from projections.staff import StaffDirectoryView

        segment = self.scope_segment(segment)
        earlier = period.previous()
        with self._caught_up(Activity.name, StaffDirectoryView.name) as tx:
            staff = directory(tx)
            if owner is not None:
                member = _known(staff, owner)
                if not may_see_activity_of(self.caller, owner, member.segment):
                    raise AccessDeniedError(_activity_refusal(self.caller))
            now = counts(tx, period.start(timezone), period.end(timezone))
            before = counts(tx, earlier.start(timezone), earlier.end(timezone))
        working = {m.staff_id for m in staff.values() if m.active and m.role in CUSTOMER_ROLES}
        shown = []
        for staff_id in sorted(set(now) | set(before) | working):
            member = staff.get(staff_id) or Member(staff_id, None, None, None, False)
            if owner is not None and staff_id != owner:
                continue
            if segment is not None and member.segment != segment:
                continue
            if may_see_activity_of(self.caller, staff_id, member.segment):
                shown.append(
                    StaffActivity(
                        member, now.get(staff_id, Counts()), before.get(staff_id, Counts())
                    )
                )
        return shown

    # -------------------------------------------------------------- plumbing
    @property
    def clocks(self) -> Clocks:
        """The SLA clocks the SLA view works with (its policy, calendar, time zone)."""
        from projections.sla.view import SlaCases

        projection = self.views.projection(SlaCases.name)
        assert isinstance(projection, SlaCases)
        return projection.clocks

    def _seen(self, items: Sequence[SlaItem]) -> list[SlaItem]:
        """Items of customers the caller may see; an owner's figures (a customer-less
        item, such as visit coverage) only where `sees_owner_figures`."""
        return [
            item
            for item in items
            if (
                self.visible.allows(item.customer)
                if item.customer
                else self.sees_owner_figures(item.owner)
            )
        ]

    @contextmanager
    def _caught_up(self, *names: str) -> Iterator[Transaction]:
        """A transaction on the views `names`, caught up first."""
        self.views.catch_up(list(names))
        with self.views.store.transaction() as tx:
            yield tx


def _sla_views(kind: str | None) -> tuple[str, ...]:
    """The views an SLA list of `kind` reads: the handover view only for handovers,
    the summaries and staff views only for monthly summaries."""
    from ledger.domain.sla.targets import HANDOVER, SUMMARY
    from projections.handover import Handovers
    from projections.sla.view import SlaCases
    from projections.staff import StaffDirectoryView
    from projections.summaries import SummarySubmissions

    summaries = (SummarySubmissions.name, StaffDirectoryView.name)
    return (
        SlaCases.name,
        *([Handovers.name] if kind in (None, HANDOVER) else []),
        *(summaries if kind in (None, SUMMARY) else []),
    )


def _known(staff: dict[str, Member], staff_id: str) -> Member:
    """The directory's entry for `staff_id`, or one line saying there is none."""

    member = staff.get(staff_id)
    if member is None:
        raise InvalidInputError(
            f"--owner {staff_id!r} is not a staff member: `ledger staff list` shows who there is"
        )
    return member


def _activity_refusal(caller: Caller) -> str:
    if caller.role == STAFF:
        return f"{caller.staff_id} is staff: staff see their own activity only"
    return (
        f"{caller.staff_id} is {caller.role} of segment {caller.segment}: "
        "they see that segment's staff only"
    )
