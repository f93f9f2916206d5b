"""When two problems raised on a customer are the same problem.

Visit reports list the problems still pending and those handled in free text
(docs/domain.md, "Follow-through"). The same problem raised at two visits is one
open problem, not two; a later report that lists it handled settles it. Two
texts name the same problem when their words do: letter case, spacing and
closing punctuation aside.
"""

from __future__ import annotations

# Closing punctuation, the ASCII marks and their full-width forms in Chinese text.
_CLOSING = " .;,!?\u3002\uff1b\uff0c\uff01\uff1f"


def problem_key(text: str) -> str:
    """The key under which a problem's text is the same problem as another's."""
    return " ".join(text.casefold().split()).rstrip(_CLOSING)
