"""When two problems raised on a customer are the same problem.

Visit reports list the problems still pending and those handled in free text
(docs/domain.md, "Follow-through"). The same problem raised at two visits is one
open problem, not two; a later report that lists it handled settles it. Two
texts name the same problem when their words do: letter case, spacing and
closing punctuation aside.

Each problem is an item with an id (`PB3`), opened by the visit report that
first raises it and numbered in the order of the customer's stream, so a
ledger recorded before problems had ids numbers them the same way on replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Closing punctuation, the ASCII marks and their full-width forms in Chinese text.
_CLOSING = " .;,!?\u3002\uff1b\uff0c\uff01\uff1f"


def problem_key(text: str) -> str:
    """The key under which a problem's text is the same problem as another's."""
    return " ".join(text.casefold().split()).rstrip(_CLOSING)


def owed_by(owner: str | None) -> str | None:
    """Who owes an open problem: the customer's owner, whoever that is now. A
    problem belongs to the customer, not to the visit that found it, so it moves
    with a handover without an event of its own (docs/domain.md, "Follow-through")."""
    return owner


@dataclass(frozen=True)
class VisitProblems:
    """What a visit report does to a customer's problems: `handled` (ids of open
    problems it lists handled), `raised` (texts of problems it raises for the first
    time, each a new item, in the order listed) and `again` (ids of open problems
    it lists pending again: the same item, not a second one)."""

    handled: tuple[str, ...]
    raised: tuple[str, ...]
    again: tuple[str, ...]


def visit_problems(
    open_problems: Mapping[str, str], pending: Iterable[str], handled: Iterable[str]
) -> VisitProblems:
    """The effect of a visit report's `problems_handled` and `problems_pending` on
    the open problems (`open_problems`: problem key -> id). A problem listed both
    handled and pending counts as handled; a handled text that matches no open
    problem settles nothing."""
    handled_keys = {problem_key(text): text for text in handled}
    settled = tuple(pid for key, pid in open_problems.items() if key in handled_keys)
    raised: list[str] = []
    again: list[str] = []
    seen = set(handled_keys)
    for text in pending:
        key = problem_key(text)
        if key in seen:
            continue
        seen.add(key)
        if key in open_problems:
            again.append(open_problems[key])
        else:
            raised.append(text)
    return VisitProblems(settled, tuple(raised), tuple(again))
