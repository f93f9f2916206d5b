"""The Customer aggregate: one stream per customer holds the whole relationship.

Each public method is a command: it checks the rule (a `check_...` guard) and only
then triggers the event. Cases, people, branches and visits live inside the stream
and are named by short local ids (`CP3`, `P2`, `B1`) issued in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.domain.base import SNAPSHOT_INCOMPLETE, Meta, create_chained, record_chained
from ledger.domain.case_guards import PolicyRecord
from ledger.domain.chain import GENESIS
from ledger.domain.contact_planning import ContactPlanning
from ledger.domain.corrections import check_correctable
from ledger.domain.events import (
    BranchAdded,
    BranchClosed,
    ContactLogged,
    CorrectionRecorded,
    CustomerRegistered,
    KeyPersonAdded,
    KeyPersonLeft,
    KeyPersonRelationshipAssessed,
    KeyPersonUpdated,
    LifecycleStageChanged,
    OwnerAssigned,
    ProfileUpdated,
    RelationshipReactivated,
    RelationshipTerminated,
    SatisfactionRecorded,
    SegmentChanged,
    TierChanged,
    VisitCancelled,
    VisitPlanned,
    VisitReported,
)
from ledger.domain.events.people import UPDATED_FIELDS
from ledger.domain.follow_through import FollowThrough
from ledger.domain.holdings import Holdings
from ledger.domain.personal_rules import PersonalDataRules, Sealer
from ledger.domain.sales_cases import SalesCases
from ledger.domain.service_cases import ServiceCases
from ledger.domain.sla.targets import CLOCK_OF_CASE, RECURRING_KINDS
from ledger.errors import (
    CaseAlreadyClosedError,
    CaseNotFoundError,
    EventNotFoundError,
    RuleViolationError,
)
from ledger.vocabulary import SATISFACTION_SCORES


class Customer(
    Holdings, ContactPlanning, FollowThrough, PersonalDataRules, ServiceCases, SalesCases, Aggregate
):
    """A customer organisation (or individual) and everything that happened with it."""

    # v2 added `worked_on`; v3 keys each recorded follow-up breach by its due time;
    # v4 adds what follow-through tracks (docs/domain.md, "Follow-through"): who
    # holds each opportunity and commitment, each key person's counterpart.
    class_version = 4

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # Who recorded before a v1 snapshot is only in the events before it: the
        # customer is marked, and the repository replays its whole stream instead.
        state["worked_on"] = {}
        state[SNAPSHOT_INCOMPLETE] = True

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        # Which lapse a follow-up breach recorded is only in its event.
        for case in state.get("cases", {}).values():
            if any("@" not in key for key in case.get("breaches", ())) and (
                CLOCK_OF_CASE.get(case.get("kind", "")) in RECURRING_KINDS
            ):
                state[SNAPSHOT_INCOMPLETE] = True

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        # Holders and counterparts are only in the events: replay them.
        state[SNAPSHOT_INCOMPLETE] = True

    def __init__(self) -> None:
        # Plain JSON-able state, so snapshots stay readable by a stock eventsourcing
        # application; CustomerRegistered.apply_to fills in the profile.
        self.code = ""
        self.name = ""
        self.kind = ""
        self.industry = ""
        self.segment = ""
        self.headquarters = ""
        self.tier = ""
        self.vip = False
        self.stage = ""
        self.stage_before_termination: str | None = None
        self.owner: str | None = None
        self.external_refs: dict[str, str] = {}
        self.branches: dict[str, dict[str, Any]] = {}
        self.people: dict[str, dict[str, Any]] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.counters: dict[str, int] = {}
        self.commands: dict[str, list[Any]] = {}
        self.registered_at: datetime | None = None
        self.chain_head = GENESIS
        # Staff id -> the last version they recorded (or were made owner at).
        self.worked_on: dict[str, int] = {}
        # Everyone who handed the customer over (docs/domain.md, "Follow-through").
        self.past_owners: list[str] = []

    # ----------------------------------------------------------------- creation
    @classmethod
    def register(
        cls,
        *,
        customer_id: UUID,
        code: str,
        name: str,
        kind: str,
        industry: str,
        segment: str,
        headquarters: str,
        tier: str,
        vip: bool,
        stage: str,
        owner: str | None,
        external_refs: dict[str, str],
        meta: Meta,
    ) -> Customer:
        if stage == "terminated":
            raise RuleViolationError(
                "a customer cannot be registered as terminated: register it, then "
                "use `ledger relationship terminate`"
            )
        return create_chained(
            cls,
            CustomerRegistered,
            customer_id,
            meta,
            code=code,
            name=name,
            kind=kind,
            industry=industry,
            segment=segment,
            headquarters=headquarters,
            tier=tier,
            vip=vip,
            stage=stage,
            owner=owner,
            external_refs=external_refs,
        )

    # ------------------------------------------------------------ bookkeeping
    def result_of(self, command_id: str) -> tuple[int, str] | None:
        """The (version, subject) a command produced, if it was recorded already."""
        recorded = self.commands.get(command_id)
        return None if recorded is None else (int(recorded[0]), str(recorded[1]))

    def _record(self, event_class: type[Aggregate.Event], meta: Meta, **fields: Any) -> None:
        # Every event of a customer after its registration passes here: the one
        # place for the lower bound of `--at` (docs/domain.md, "Time").
        if self.registered_at is not None and meta.occurred_at < self.registered_at:
            raise RuleViolationError(
                f"{self.code} was registered on {self.registered_at:%Y-%m-%d %H:%M} UTC: "
                "nothing about it can be dated before that: check --at"
            )
        record_chained(self, event_class, meta, **fields)

    # ------------------------------------------------------------------ profile
    def update_profile(self, changes: dict[str, Any], meta: Meta) -> None:
        effective = {k: v for k, v in changes.items() if getattr(self, k, None) != v}
        if "external_refs" in effective:
            # Only references that are new or different count as a change.
            refs = {
                system: ref
                for system, ref in effective["external_refs"].items()
                if self.external_refs.get(system) != ref
            }
            if refs:
                effective["external_refs"] = refs
            else:
                del effective["external_refs"]
        if not effective:
            raise RuleViolationError(f"nothing to change: {self.code} already has those values")
        self._record(ProfileUpdated, meta, changes=effective)

    def change_segment(self, segment: str, reason: str, meta: Meta) -> None:
        if segment == self.segment:
            raise RuleViolationError(f"{self.code} is already in segment {segment}")
        self._record(SegmentChanged, meta, previous=self.segment, segment=segment, reason=reason)

    def change_tier(self, tier: str, vip: bool, reason: str, meta: Meta) -> None:
        if tier == self.tier and vip == self.vip:
            raise RuleViolationError(f"{self.code} is already {tier}{' VIP' if vip else ''}")
        self._record(TierChanged, meta, tier=tier, vip=vip, reason=reason)

    def change_stage(self, stage: str, reason: str, meta: Meta) -> None:
        if stage == "terminated":
            raise RuleViolationError(
                "use `ledger relationship terminate` to end a relationship: it needs a "
                "reason, a root-cause analysis and the head-office filing"
            )
        self.check_not_terminated("change its lifecycle stage")
        if stage == self.stage:
            raise RuleViolationError(f"{self.code} is already at stage {stage}")
        self._record(LifecycleStageChanged, meta, previous=self.stage, stage=stage, reason=reason)

    def add_branch(self, name: str, location: str, meta: Meta) -> str:
        for branch_id, branch in self.branches.items():
            if branch["open"] and branch["name"].casefold() == name.casefold():
                raise RuleViolationError(
                    f"{self.code} already has an open branch {name} ({branch_id})"
                )
        branch_id = self.next_id("branch")
        self._record(BranchAdded, meta, branch_id=branch_id, name=name, location=location)
        return branch_id

    def close_branch(self, branch_id: str, reason: str, meta: Meta) -> None:
        branch = self.branches.get(branch_id)
        if branch is None:
            raise CaseNotFoundError(f"{self.code} has no branch {branch_id}")
        if not branch["open"]:
            raise CaseAlreadyClosedError(f"{self.code}/{branch_id} is closed already")
        self._record(BranchClosed, meta, branch_id=branch_id, reason=reason)

    def assign_owner(self, owner: str, reason: str, meta: Meta) -> list[tuple[str, str]]:
        """Hand the customer over, and with it everything the old owner held here
        (docs/domain.md, "Follow-through"): each open opportunity and commitment and
        each counterpart role moves by an event of its own, in the same command.
        Returns what moved, as (item, role) pairs."""
        if owner == self.owner:
            raise RuleViolationError(f"{owner} already owns {self.code}")
        self.check_handover_time(meta)
        previous = self.owner
        self._record(OwnerAssigned, meta, previous=previous, owner=owner, reason=reason)
        if previous is None:
            return []
        return self.hand_over(self.held_by(previous), owner, f"handover: {reason}", meta)

    def terminate(self, reason: str, root_cause: str, head_office_ref: str, meta: Meta) -> None:
        if self.is_terminated:
            raise RuleViolationError(f"the relationship with {self.code} is terminated already")
        self._record(
            RelationshipTerminated,
            meta,
            reason=reason,
            root_cause=root_cause,
            head_office_ref=head_office_ref,
        )

    def reactivate(self, repair_plan: str, meta: Meta) -> None:
        if not self.is_terminated:
            raise RuleViolationError(
                f"the relationship with {self.code} is not terminated: nothing to reactivate"
            )
        stage = self.stage_before_termination or "development"
        self._record(RelationshipReactivated, meta, repair_plan=repair_plan, stage=stage)

    # ------------------------------------------------------------------ people
    def add_key_person(
        self,
        *,
        name: str,
        title: str,
        decision_role: str,
        relationship_status: str,
        counterpart: str | None,
        meta: Meta,
        details: Mapping[str, Any] | None = None,
        seal: Sealer | None = None,
    ) -> str:
        person_id = self.next_id("person")
        self._record(
            KeyPersonAdded,
            meta,
            person_id=person_id,
            name=name,
            title=title,
            personal=self.sealed_details(person_id, details or {}, seal),
            legacy_personal={},
            decision_role=decision_role,
            relationship_status=relationship_status,
            counterpart=counterpart,
        )
        return person_id

    def update_key_person(
        self,
        person_id: str,
        changes: dict[str, Any],
        meta: Meta,
        details: Mapping[str, Any] | None = None,
        seal: Sealer | None = None,
    ) -> None:
        person = self.check_person(person_id)
        if not changes and not details:
            raise RuleViolationError("nothing to change: give at least one field to update")
        # A field given its present value changes nothing (a person recorded before
        # the title was kept has none to compare with: the title then counts).
        changes = {
            field: value
            for field, value in changes.items()
            if field not in UPDATED_FIELDS or field not in person or person[field] != value
        }
        if not changes and not details:
            raise RuleViolationError(
                f"nothing to change: {self.code}/{person_id} {person['name']} already has "
                "those values"
            )
        self._record(
            KeyPersonUpdated,
            meta,
            person_id=person_id,
            changes=changes,
            personal=self.sealed_details(person_id, details or {}, seal),
            legacy_personal={},
        )

    def assess_relationship(
        self, person_id: str, relationship_status: str, note: str, meta: Meta
    ) -> None:
        self.check_person(person_id)
        self._record(
            KeyPersonRelationshipAssessed,
            meta,
            person_id=person_id,
            relationship_status=relationship_status,
            note=note,
        )

    def record_person_left(self, person_id: str, reason: str, meta: Meta) -> None:
        self.check_person(person_id)
        self._record(KeyPersonLeft, meta, person_id=person_id, reason=reason)

    # ------------------------------------------------------------ interactions
    def log_contact(
        self,
        *,
        channel: str,
        direction: str,
        people: list[str],
        summary: str,
        follow_ups: list[str],
        meta: Meta,
        follow_up_due: date | None = None,
        sla_policy: PolicyRecord | None = None,
    ) -> None:
        """Log a contact; each follow-up promised becomes a commitment due on
        `follow_up_due` (docs/domain.md, "Follow-through"), in the same command."""
        self.check_people(people)
        if follow_ups and follow_up_due is None:
            raise RuleViolationError("follow-ups promised need a due date")
        self._record(
            ContactLogged,
            meta,
            channel=channel,
            direction=direction,
            people=people,
            summary=summary,
            follow_ups=follow_ups,
        )
        if follow_up_due is not None:
            self.promise_follow_ups(follow_ups, follow_up_due, meta, sla_policy=sla_policy)

    def plan_visit(
        self,
        *,
        planned_for: datetime,
        purpose: str,
        kind: str,
        visitor: str,
        companions: list[str],
        people: list[str],
        agenda: str,
        meta: Meta,
        plan: str = "",
    ) -> str:
        self.check_not_terminated("plan a visit")
        self.check_people(people)
        case_id = self.next_id("visit")
        self._record(
            VisitPlanned,
            meta,
            case_id=case_id,
            planned_for=planned_for,
            purpose=purpose,
            kind=kind,
            visitor=visitor,
            companions=companions,
            people=people,
            agenda=agenda,
            plan=plan,
        )
        return case_id

    def report_visit(
        self,
        *,
        visit_id: str | None,
        purpose: str,
        kind: str,
        visitor: str,
        companions: list[str],
        people_met: list[str],
        summary: str,
        outcome: str,
        expenses: list[dict[str, str]],
        problems_handled: list[str],
        problems_pending: list[str],
        commitments: list[dict[str, Any]],
        meta: Meta,
    ) -> str:
        self.check_people(people_met)
        if visit_id is not None:
            case = self.check_case(visit_id, "visit")
            self.check_open(visit_id, case, allowed=("planned",))
        case_id = visit_id or self.next_id("visit")
        numbered = [
            {**commitment, "commitment_id": self.next_id("commitment", offset=n)}
            for n, commitment in enumerate(commitments, start=1)
        ]
        self._record(
            VisitReported,
            meta,
            case_id=case_id,
            planned=visit_id is not None,
            purpose=purpose,
            kind=kind,
            visitor=visitor,
            companions=companions,
            people_met=people_met,
            summary=summary,
            outcome=outcome,
            expenses=expenses,
            expense_totals=VisitReported.total_expenses(expenses),
            problems_handled=problems_handled,
            problems_pending=problems_pending,
            commitments=numbered,
        )
        return case_id

    def cancel_visit(self, visit_id: str, reason: str, meta: Meta) -> None:
        case = self.check_case(visit_id, "visit")
        self.check_open(visit_id, case, allowed=("planned",))
        self._record(VisitCancelled, meta, case_id=visit_id, reason=reason)

    def record_satisfaction(self, score: int, source: str, note: str, meta: Meta) -> None:
        low, high = SATISFACTION_SCORES
        if not low <= score <= high:
            raise RuleViolationError(f"a satisfaction score is {low} to {high}, not {score}")
        self._record(SatisfactionRecorded, meta, score=score, source=source, note=note)

    def record_correction(
        self,
        *,
        target_version: int,
        target_type: str,
        reason: str,
        changes: dict[str, Any],
        meta: Meta,
    ) -> None:
        if not 1 <= target_version <= self.version:
            raise EventNotFoundError(
                f"{self.code} has versions 1 to {self.version}; there is no version "
                f"{target_version} to correct (see `ledger history {self.code}`)"
            )
        if not changes:
            raise RuleViolationError("a correction must change at least one field")
        check_correctable(target_type, changes)
        for people in ("people", "people_met"):
            self.check_people(changes.get(people, ()))
        self._record(
            CorrectionRecorded,
            meta,
            target_version=target_version,
            target_type=target_type,
            reason=reason,
            changes=changes,
        )
