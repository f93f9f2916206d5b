"""What every command on a customer's cases and people relies on: issuing local
ids (`CP3` is the third complaint; the prefixes are in ledger/domain/local_ids.py),
opening a case, and the guards each command passes before it records anything
(docs/domain.md, "Customers and their streams").

A mixin of the Customer aggregate (ledger/domain/customer.py), which holds the
state these read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from ledger.domain.base import Meta
from ledger.domain.local_ids import PREFIXES
from ledger.domain.sla.policy import SlaPolicy
from ledger.errors import (
    CaseAlreadyClosedError,
    CaseNotFoundError,
    RelationshipTerminatedError,
    RuleViolationError,
)

PolicyRecord = Mapping[str, Any]


def policy_record(sla_policy: PolicyRecord | None) -> dict[str, Any]:
    """The policy stamped on a case as it opens: the one given (the service passes
    the configured policy with its calendar and time zone, `sla.policy.stamp`),
    else the default policy, whose clocks then run on the configured calendar."""
    return dict(sla_policy) if sla_policy is not None else dict(SlaPolicy().as_record())


class CaseGuards:
    """Local ids, case opening and the guards; expects the aggregate's state and
    its `_record`."""

    code: str
    stage: str
    cases: dict[str, dict[str, Any]]
    people: dict[str, dict[str, Any]]
    counters: dict[str, int]
    _record: Callable[..., None]

    def next_id(self, kind: str, offset: int = 1) -> str:
        prefix = PREFIXES[kind]
        return f"{prefix}{self.counters.get(prefix, 0) + offset}"

    def open_case(
        self, case_id: str, kind: str, opened_at: datetime, status: str = "open", **extra: Any
    ) -> None:
        prefix = PREFIXES[kind]
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        self.cases[case_id] = {"kind": kind, "status": status, "opened_at": opened_at, **extra}

    @property
    def is_terminated(self) -> bool:
        return self.stage == "terminated"

    # ------------------------------------------------------------------ guards
    def check_case(self, case_id: str, kind: str) -> dict[str, Any]:
        case = self.cases.get(case_id)
        if case is None or case["kind"] != kind:
            raise CaseNotFoundError(f"{self.code} has no {kind} {case_id}")
        return case

    def check_not_before_opening(self, case_id: str, case: dict[str, Any], meta: Meta) -> None:
        if meta.occurred_at < case["opened_at"]:
            raise RuleViolationError(
                f"{self.code}/{case_id} was opened at {case['opened_at']:%Y-%m-%d %H:%M}; "
                "a later step cannot have happened before that: check --at"
            )

    def check_open(self, case_id: str, case: dict[str, Any], allowed: Iterable[str]) -> None:
        if case["status"] == "lead" and "lead" not in allowed:
            raise RuleViolationError(
                f"{self.code}/{case_id} is still a lead: open it first "
                f"(`ledger opportunity open {self.code} --lead {case_id} --title ...`)"
            )
        if case["status"] not in allowed:
            raise CaseAlreadyClosedError(
                f"{self.code}/{case_id} is {case['status']}: {_how_to_reopen(case['kind'])}"
            )

    def check_not_terminated(self, doing: str) -> None:
        if self.is_terminated:
            raise RelationshipTerminatedError(
                f"the relationship with {self.code} is terminated: "
                f"reactivate it (`ledger relationship reactivate`) before you {doing}"
            )

    def check_person(self, person_id: str, *, present: bool = True) -> dict[str, Any]:
        person = self.people.get(person_id)
        if person is None:
            raise CaseNotFoundError(f"{self.code} has no key person {person_id}")
        if present and not person["present"]:
            raise RuleViolationError(f"{self.code}/{person_id} {person['name']} has left")
        return person

    def check_people(self, person_ids: Iterable[str]) -> None:
        for person_id in person_ids:
            self.check_person(person_id, present=False)


def _how_to_reopen(kind: str) -> str:
    if kind == "complaint":
        return "reopen it first (`ledger complaint reopen`)"
    if kind == "inquiry":
        return "an answered inquiry stays answered; receive a new inquiry instead"
    if kind == "visit":
        return "plan a new visit instead"
    return f"open a new {kind} instead"
