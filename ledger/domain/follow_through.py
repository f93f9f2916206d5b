"""What the Customer aggregate does to keep its promises and problems tracked to
closure (docs/domain.md, "Follow-through"): follow-ups promised in a contact
become commitments, a commitment can be withdrawn, and problems raised at visits
are items with ids (`PB3`) until handled. `Customer` inherits this."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.base import Meta
from ledger.domain.events.promises import CommitmentWithdrawn, ProblemHandled
from ledger.domain.problems import problem_key, visit_problems
from ledger.errors import CaseAlreadyClosedError

if TYPE_CHECKING:
    from ledger.domain.case_guards import PolicyRecord

# Where a commitment promised as a contact's follow-up says it came from.
CONTACT_SOURCE = "contact"

# What a command opened or closed among commitments and problems, for its receipt:
# the commitment and problem counters and the ids of the open problems.
Mark = tuple[int, int, frozenset[str]]


class FollowThrough:
    """Promises and problems of a customer; expects the `Customer` aggregate's
    state (`code`, `cases`, `counters`) and methods."""

    code: str
    cases: dict[str, dict[str, Any]]
    counters: dict[str, int]

    if TYPE_CHECKING:

        def check_case(self, case_id: str, kind: str) -> dict[str, Any]: ...
        def check_open(
            self, case_id: str, case: dict[str, Any], allowed: Iterable[str]
        ) -> None: ...
        def check_not_before_opening(
            self, case_id: str, case: dict[str, Any], meta: Meta
        ) -> None: ...
        def make_commitment(
            self,
            description: str,
            due: date | None,
            source: str,
            meta: Meta,
            *,
            sla_policy: PolicyRecord | None = None,
        ) -> str: ...
        def open_case(
            self, case_id: str, kind: str, opened_at: datetime, status: str = "open", **extra: Any
        ) -> None: ...
        def next_id(self, kind: str, offset: int = 1) -> str: ...
        def _record(self, event_class: type[Any], meta: Meta, **fields: Any) -> None: ...

    # ------------------------------------------------------------ promises
    def promise_follow_ups(
        self,
        follow_ups: Iterable[str],
        due: date,
        meta: Meta,
        *,
        sla_policy: PolicyRecord | None = None,
    ) -> list[str]:
        """Each follow-up promised in a contact, as a commitment of its own held by
        whoever logged the contact, due on `due`; the commitments' ids."""
        return [
            self.make_commitment(text, due, CONTACT_SOURCE, meta, sla_policy=sla_policy)
            for text in follow_ups
        ]

    def withdraw_commitment(self, case_id: str, reason: str, meta: Meta) -> None:
        case = self.check_case(case_id, "commitment")
        self.check_open(case_id, case, allowed=("open",))
        self.check_not_before_opening(case_id, case, meta)
        self._record(CommitmentWithdrawn, meta, case_id=case_id, reason=reason)

    # ------------------------------------------------------------ problems
    def open_problems(self) -> dict[str, str]:
        """The open problems, problem key -> id, in the order they were raised."""
        return {
            case["key"]: case_id
            for case_id, case in self.cases.items()
            if case["kind"] == "problem" and case["status"] == "open"
        }

    def apply_visit_problems(
        self, visit: str, pending: Iterable[str], handled: Iterable[str], at: datetime
    ) -> None:
        """Open an item for each problem a visit report raises for the first time and
        settle each open one it lists handled (`ledger.domain.problems.visit_problems`).
        Applied with the report itself, so reports recorded before problems had ids
        number theirs the same way on replay."""
        effect = visit_problems(self.open_problems(), pending, handled)
        for problem_id in effect.handled:
            self.cases[problem_id].update(status="handled", handled_at=at)
        for text in effect.raised:
            self.open_case(
                self.next_id("problem"),
                "problem",
                at,
                text=text,
                key=problem_key(text),
                visit=visit,
            )

    def handle_problem(self, problem_id: str, note: str, meta: Meta) -> None:
        problem = self.check_case(problem_id, "problem")
        if problem["status"] != "open":
            raise CaseAlreadyClosedError(
                f"{self.code}/{problem_id} was handled already on "
                f"{problem['handled_at']:%Y-%m-%d}: nothing to handle"
            )
        self.check_not_before_opening(problem_id, problem, meta)
        self._record(ProblemHandled, meta, problem_id=problem_id, note=note)

    # -------------------------------------------------------------- receipts
    def follow_through_mark(self) -> Mark:
        open_problems = frozenset(self.open_problems().values())
        return self.counters.get("CM", 0), self.counters.get("PB", 0), open_problems

    def follow_through_since(self, mark: Mark, subject: str = "") -> tuple[str, ...]:
        """What a command did to commitments and problems since `mark`, one short
        sentence each, for its receipt: each commitment made with its due date,
        each problem opened or handled (`subject`, the item the receipt names
        already, is told by its due date alone, or not at all)."""
        commitments, problems, was_open = mark
        notes = []
        for n in range(commitments + 1, self.counters.get("CM", 0) + 1):
            due = self.cases[f"CM{n}"].get("due") or "not set"
            notes.append(f"Due {due}." if subject == f"CM{n}" else f"Commitment CM{n} due {due}.")
        for n in range(problems + 1, self.counters.get("PB", 0) + 1):
            notes.append(f"Problem PB{n} opened.")
        handled = sorted(was_open - set(self.open_problems().values()), key=lambda p: int(p[2:]))
        notes += [f"Problem {p} handled." for p in handled if p != subject]
        return tuple(notes)
