"""Checks the customer directory (docs/architecture.md, "Directory aggregates")
against the customer streams it points into.

Directory rows (`CustomerKey`, `CustomerNumbering`) steer writes: `contact log
C-00001` writes wherever the key `code:C-00001` points. They are not hash-chained
(ledgers recorded before this check have unchained directory rows), so instead
every row is checked against the chained customer streams, which are the truth:
a code key must point at the customer whose `CustomerRegistered.code` is that
code, a name key at the customer whose current name normalises to it, and the
numbering's last number must be the highest code issued.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.directory import (
    CustomerKey,
    CustomerNumbering,
    code_key,
    format_code,
    name_key,
)

DIRECTORY_TOPIC_PREFIX = "ledger.domain.directory:"
_REGISTERED = "ledger.domain.events.profile:CustomerRegistered"
_PROFILE_UPDATED = "ledger.domain.events.profile:ProfileUpdated"


@dataclass(frozen=True)
class DirectoryFinding:
    """One directory row that does not agree with the customer streams."""

    key: str  # e.g. "code:C-00001", "name:capital airport", "numbering"
    points_at: str  # the customer it steers writes to (code, or id), "" if none
    should_point_at: str  # the customer the streams say, "" if none
    detail: str


@dataclass
class _Key:
    key: str = ""
    customer_id: UUID | None = None
    unreadable: str = ""


@dataclass
class DirectoryCheck:
    """Fed every stored row of the log once (`observe`), then judged (`findings`).

    Of the customer streams' rows only those of `STREAM_TOPICS` matter: a caller
    walking millions of rows may pass it just those and the directory's own."""

    STREAM_TOPICS: ClassVar[frozenset[str]] = frozenset({_REGISTERED, _PROFILE_UPDATED})
    mapper: Mapper[Any]
    keys: dict[UUID, _Key] = field(default_factory=dict)
    codes: dict[UUID, str] = field(default_factory=dict)  # customer id -> registered code
    names: dict[UUID, str] = field(default_factory=dict)  # customer id -> current name
    issued: dict[int, UUID] = field(default_factory=dict)
    # Numbers set aside for customers an import may register (`NumbersReserved`):
    # one whose customer was never registered is a gap, not a finding.
    reserved: dict[int, UUID] = field(default_factory=dict)
    last_number: int = 0
    numbering_problem: str = ""

    def observe(self, row: StoredEvent) -> None:
        topic = row.topic
        if topic.startswith(DIRECTORY_TOPIC_PREFIX):
            self._directory(row)
        elif topic in (_REGISTERED, _PROFILE_UPDATED):
            content = self._decode(row)
            if content is None:
                return  # the stream's own hash check reports an unreadable row
            stream = _uuid(row.originator_id)
            if topic == _REGISTERED:
                self.codes[stream] = str(content.get("code", ""))
                self.names[stream] = str(content.get("name", ""))
            elif isinstance(changes := content.get("changes"), dict) and "name" in changes:
                self.names[stream] = str(changes["name"])

    def _directory(self, row: StoredEvent) -> None:
        stream = _uuid(row.originator_id)
        content = self._decode(row)
        name = row.topic[len(DIRECTORY_TOPIC_PREFIX) :]
        if stream == CustomerNumbering.SINGLETON_ID:
            if content is None:
                self.numbering_problem = f"version {row.originator_version} is unreadable"
            elif name.endswith(".NumberIssued"):
                number, customer = content.get("number"), content.get("customer_id")
                if isinstance(number, int) and isinstance(customer, UUID):
                    self.issued[number] = customer
                    self.last_number = number
            elif name.endswith(".NumbersReserved"):
                first, customers = content.get("first"), content.get("customer_ids")
                if isinstance(first, int) and isinstance(customers, list):
                    for offset, customer in enumerate(customers):
                        if isinstance(customer, UUID):
                            self.reserved[first + offset] = customer
                    self.last_number = first + len(customers) - 1
            return
        entry = self.keys.setdefault(stream, _Key())
        if content is None:
            entry.unreadable = f"version {row.originator_version} is unreadable"
            return
        if name.endswith(".Claimed"):
            entry.key = str(content.get("key", ""))
        if name.endswith((".Claimed", ".Reclaimed")):
            customer = content.get("customer_id")
            entry.customer_id = customer if isinstance(customer, UUID) else None
        elif name.endswith(".Released"):
            entry.customer_id = None

    def _decode(self, row: StoredEvent) -> dict[str, Any] | None:
        try:
            state = row.state
            if self.mapper.cipher:
                state = self.mapper.cipher.decrypt(state)
            if self.mapper.compressor:
                state = self.mapper.compressor.decompress(state)
            content = self.mapper.transcoder.decode(state)
        except Exception:  # an altered byte can leave an undecodable row: a finding
            return None
        return content if isinstance(content, dict) else None

    # ------------------------------------------------------------------ judging
    def findings(self) -> list[DirectoryFinding]:
        found: list[DirectoryFinding] = []
        expected = self._expected_keys()
        seen: set[str] = set()
        for stream, entry in sorted(self.keys.items(), key=lambda kv: kv[1].key):
            if entry.unreadable:
                found.append(DirectoryFinding(f"key row {stream}", "", "", entry.unreadable))
                continue
            if CustomerKey.id_for(entry.key) != stream:
                found.append(
                    DirectoryFinding(
                        entry.key or f"key row {stream}",
                        self._label(entry.customer_id),
                        "",
                        f"the row stored under {stream} names another key",
                    )
                )
                continue
            seen.add(entry.key)
            owner = expected.get(entry.key)
            if entry.customer_id == owner:
                continue
            if owner is None and entry.key.startswith("name:") and entry.customer_id is None:
                continue  # a released name: free for anyone
            found.append(
                DirectoryFinding(
                    entry.key,
                    self._label(entry.customer_id),
                    self._label(owner),
                    "redirected"
                    if owner is not None
                    else "points at no customer of that "
                    + ("code" if entry.key.startswith("code:") else "name"),
                )
            )
        for key, owner in sorted(expected.items()):
            if key not in seen:
                found.append(DirectoryFinding(key, "", self._label(owner), "missing"))
        found.extend(self._numbering())
        return found

    def _expected_keys(self) -> dict[str, UUID]:
        expected = {code_key(code): cid for cid, code in self.codes.items() if code}
        expected.update({name_key(name): cid for cid, name in self.names.items()})
        return expected

    def _numbering(self) -> list[DirectoryFinding]:
        if self.numbering_problem:
            return [DirectoryFinding("numbering", "", "", self.numbering_problem)]
        numbers = [n for code in self.codes.values() if (n := _code_number(code))]
        highest = max(numbers, default=0)
        # Past the highest code, only numbers reserved and never used.
        if self.last_number < highest or any(
            n not in self.reserved for n in range(highest + 1, self.last_number + 1)
        ):
            return [
                DirectoryFinding(
                    "numbering",
                    format_code(self.last_number) if self.last_number else "",
                    format_code(highest) if highest else "",
                    "its last number is not the highest code issued",
                )
            ]
        wrong = [
            n for n, cid in sorted(self.issued.items()) if self.codes.get(cid) != format_code(n)
        ]
        # A reserved number's code, if someone has it, is its customer's.
        code_holders = {_code_number(code): cid for cid, code in self.codes.items()}
        wrong.extend(
            n for n, cid in sorted(self.reserved.items()) if code_holders.get(n, cid) != cid
        )
        if wrong:
            n = wrong[0]
            return [
                DirectoryFinding(
                    "numbering",
                    self._label(self.issued.get(n) or self.reserved[n]),
                    format_code(n),
                    f"number {n} is recorded as issued to another customer",
                )
            ]
        return []

    def _label(self, customer_id: UUID | None) -> str:
        if customer_id is None:
            return ""
        return self.codes.get(customer_id) or str(customer_id)


def _code_number(code: str) -> int:
    digits = code.removeprefix("C-")
    return int(digits) if digits.isdigit() else 0


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
