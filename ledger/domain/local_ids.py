"""The prefixes of the ids a customer's stream gives what it holds: a case id reads
as what it is (`CP3` is the third complaint). Apart from the customer aggregate,
which numbers them, so that reading a reference imports no aggregate."""

from __future__ import annotations

PREFIXES = {
    "inquiry": "IQ",
    "complaint": "CP",
    "escalation": "ES",
    "opportunity": "OP",
    "commitment": "CM",
    "visit": "V",
    "branch": "B",
    "person": "P",
    "problem": "PB",
}
KIND_BY_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}
