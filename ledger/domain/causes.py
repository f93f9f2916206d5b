"""When two complaints' root causes are the same cause (docs/domain.md, "Reports").

Head office wants the common causes of complaints, not counts: the monthly
report groups complaints by the root cause their latest resolution states. Two
causes typed differently are one cause when their words are the same, by the
rule that says two problems raised at visits are one (`problem_key`: letter
case, spacing and closing punctuation aside).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ledger.domain.problems import problem_key

# The group of complaints not resolved yet, or resolved without a cause stated.
UNKNOWN_CAUSE = "(not known yet)"


def cause_key(text: str) -> str:
    """The key under which a root cause is the same cause as another's."""
    return problem_key(text)


def cause_label(spellings: Iterable[str]) -> str:
    """How a cause typed several ways is shown: its most common spelling (without
    surrounding spaces), the first in alphabetical order on a tie."""
    counts = Counter(" ".join(text.split()) for text in spellings)
    if not counts:
        return UNKNOWN_CAUSE
    return min(counts, key=lambda text: (-counts[text], text))
