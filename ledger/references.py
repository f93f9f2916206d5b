"""How people name things: customers by code (`C-00042`) or name; things inside a
customer's stream by `CODE/LOCAL` (`C-00042/CP3`), or by local id when the
customer is already named."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ledger.domain.local_ids import KIND_BY_PREFIX
from ledger.errors import InvalidInputError

CODE_PATTERN = re.compile(r"^[Cc]-?(\d{1,9})$")
LOCAL_PATTERN = re.compile(r"^([A-Za-z]{1,2})(\d{1,9})$")


@lru_cache(maxsize=1024)
def parse_code(text: str) -> str | None:
    """`C-00042`, `c-42` and `C42` all name customer number 42; a name gives None.
    Remembered: a command reads its customer's code twice (to find it, then to check
    the directory), and a bulk writer names the same few customers over and over."""
    match = CODE_PATTERN.match(text.strip())
    if match is None:
        return None
    return f"C-{int(match.group(1)):05d}"


@dataclass(frozen=True)
class LocalRef:
    customer: str
    local_id: str
    kind: str

    def __str__(self) -> str:
        return f"{self.customer}/{self.local_id}"


def parse_local_id(text: str, *, expected: str | None = None) -> tuple[str, str]:
    match = LOCAL_PATTERN.match(text.strip())
    if match is None or match.group(1).upper() not in KIND_BY_PREFIX:
        raise InvalidInputError(
            f"{text!r} is not an id inside a customer: use an id such as CP3, IQ1, P2 or B1"
        )
    prefix = match.group(1).upper()
    kind = KIND_BY_PREFIX[prefix]
    if expected is not None and kind != expected:
        raise InvalidInputError(
            f"{text!r} names {_a(kind)}, not {_a(expected)}: "
            f"{expected} ids start with {_prefix_of(expected)}"
        )
    return f"{prefix}{int(match.group(2))}", kind


def parse_local_ref(text: str, *, expected: str | None = None) -> LocalRef:
    """Parse `C-00042/CP3` into the customer part and the local id."""
    customer, sep, local = text.strip().partition("/")
    if not sep or not customer or not local:
        raise InvalidInputError(
            f"{text!r} is not a case reference: use CUSTOMER/ID such as C-00042/CP3 "
            "(the id printed when the case was opened)"
        )
    local_id, kind = parse_local_id(local, expected=expected)
    return LocalRef(customer=customer.strip(), local_id=local_id, kind=kind)


def _prefix_of(kind: str) -> str:
    return next(prefix for prefix, k in KIND_BY_PREFIX.items() if k == kind)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
