"""Tamper evidence: recompute every customer stream's hashes from the stored rows,
find the first divergence per stream, and roll the stream heads up into one
ledger-wide digest that can be kept outside the system.

Verification reads the raw stored rows (not domain events), so it checks exactly
what the database holds, before any upcasting. Each row must be *sound* (its
content hashes to its recorded `event_hash`) and *follow* the row before it (its
`previous_hash` is that row's `event_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification, StoredEvent

from ledger.directory_audit import DirectoryCheck, DirectoryFinding
from ledger.domain.chain import GENESIS, event_hash, hash_body, plain_decoder, plain_hasher
from ledger.domain.topics import RECORDED_TOPIC_PREFIX
from ledger.errors import InvalidInputError
from ledger.log_pages import log_pages

DIGEST_PREFIX = "ledger-digest-v1"
BATCH = 5000

Content = dict[str, Any]


@dataclass(frozen=True)
class Divergence:
    """The first place a stream stops proving itself."""

    stream_id: UUID
    version: int
    kind: str  # modified, removed, inserted, reordered
    detail: str
    customer_code: str = ""


@dataclass
class _Head:
    hash: str = GENESIS
    version: int = 0


@dataclass
class AuditReport:
    events: int = 0
    streams: int = 0
    position: int = 0
    divergences: list[Divergence] = field(default_factory=list)
    heads: dict[UUID, tuple[int, str]] = field(default_factory=dict)
    # Directory rows that disagree with the customer streams (only a full walk checks them).
    directory: list[DirectoryFinding] = field(default_factory=list)
    codes: dict[UUID, str] = field(default_factory=dict)  # customer stream -> its code

    @property
    def ok(self) -> bool:
        return not self.divergences and not self.directory

    @property
    def digest(self) -> str:
        return make_digest(self.position, self.heads)


def make_digest(position: int, heads: dict[UUID, tuple[int, str]]) -> str:
    """`ledger-digest-v1:<log position>:<streams>:<sha256 of the sorted stream heads>`."""
    material = "\n".join(
        f"{stream_id}:{version}:{head}" for stream_id, (version, head) in sorted(heads.items())
    )
    seal = hashlib.sha256(material.encode("ascii")).hexdigest()
    return f"{DIGEST_PREFIX}:{position}:{len(heads)}:{seal}"


def parse_digest(text: str) -> int:
    """The log position a digest covers; raises on anything that is not a digest."""
    parts = text.strip().split(":")
    if (
        len(parts) != 4
        or parts[0] != DIGEST_PREFIX
        or not parts[1].isdigit()
        or not parts[2].isdigit()
        or len(parts[3]) != 64
    ):
        raise InvalidInputError(
            f"{text!r} is not a ledger digest: it reads {DIGEST_PREFIX}:POSITION:STREAMS:SHA256, "
            "as `ledger audit digest` prints it"
        )
    return int(parts[1])


HEADS_HEADER = "# ledger stream heads for "


def write_heads(report: AuditReport) -> str:
    """The stream heads a digest seals, one `stream version hash` a line, under the
    digest itself: kept beside the digest, they let a mismatch name the streams.
    They need no protection of their own: `read_heads` accepts them only if they
    give the kept digest again."""
    lines = [f"{HEADS_HEADER}{report.digest}"]
    lines += [f"{sid} {version} {head}" for sid, (version, head) in sorted(report.heads.items())]
    return "\n".join(lines) + "\n"


def read_heads(text: str, kept_digest: str, source: str) -> dict[UUID, tuple[int, str]]:
    """Heads written by `write_heads` for exactly the kept digest; refused otherwise."""
    lines = text.splitlines()
    heads: dict[UUID, tuple[int, str]] = {}
    try:
        for line in lines[1:]:
            sid, version, head = line.split()
            heads[UUID(sid)] = (int(version), head)
    except ValueError:
        heads = {}
    position = parse_digest(kept_digest)
    if (
        not lines
        or lines[0] != f"{HEADS_HEADER}{kept_digest.strip()}"
        or make_digest(position, heads) != kept_digest.strip()
    ):
        raise InvalidInputError(
            f"{source} is not the heads file of that digest: pass the file "
            "`ledger audit digest --heads FILE` wrote with it"
        )
    return heads


@dataclass(frozen=True)
class HeadChange:
    """A stream whose head is not where the kept heads file left it."""

    stream_id: UUID
    kept_version: int  # 0: the stream did not exist then
    version: int  # 0: the stream is gone (up to the digest's position)
    customer_code: str = ""

    @property
    def detail(self) -> str:
        if self.version == 0:
            return f"the stream is gone: it had {self.kept_version} events"
        if self.kept_version == 0:
            return f"the stream did not exist then: it has {self.version} events"
        if self.version < self.kept_version:
            return (
                f"ends at version {self.version}, was {self.kept_version}: "
                "its last events were removed"
            )
        if self.version > self.kept_version:
            return f"ends at version {self.version}, was {self.kept_version}: events were added"
        return f"version {self.version} differs from the one kept: rewritten"


def changed_heads(kept: dict[UUID, tuple[int, str]], report: AuditReport) -> list[HeadChange]:
    """Every stream whose head differs between the kept heads and this walk."""
    changes = []
    for sid in sorted(kept.keys() | report.heads.keys()):
        before, now = kept.get(sid, (0, "")), report.heads.get(sid, (0, ""))
        if before != now:
            changes.append(HeadChange(sid, before[0], now[0], report.codes.get(sid, "")))
    return changes


class Auditor:
    """Recomputes hashes over an application's recorder, streaming the log in batches."""

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[Any]) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self._load, self._floats = plain_decoder()
        self._hash_plain = plain_hasher()

    def verify_all(
        self, up_to: int | None = None, progress: Callable[[int], None] | None = None
    ) -> AuditReport:
        """Walk the log once (up to a position, for a digest); check streams as they pass.

        The log is read as plain rows (`ledger.log_pages`), each stream's id parsed
        once, and every row hashed from its stored JSON without building an event."""
        stop = up_to if up_to is not None else self.recorder.max_notification_id() or 0
        report = AuditReport(position=stop)
        heads: dict[UUID, _Head] = {}
        streams: dict[str, tuple[UUID, str]] = {}  # stored id -> (id, its canonical text)
        broken: set[UUID] = set()
        directory = DirectoryCheck(self.mapper)
        watched = DirectoryCheck.STREAM_TOPICS
        for page in log_pages(self.recorder, stop):
            for _, stored_id, version, topic, state in page:
                stream = streams.get(stored_id)
                if stream is None:
                    stream_id = UUID(stored_id)
                    stream = streams[stored_id] = (stream_id, str(stream_id))
                stream_id = stream[0]
                if not topic.startswith(RECORDED_TOPIC_PREFIX) or topic in watched:
                    directory.observe(StoredEvent(stream_id, version, topic, state))
                    if not topic.startswith(RECORDED_TOPIC_PREFIX):
                        continue
                report.events += 1
                if stream_id in broken:
                    continue
                head = heads.get(stream_id)
                if head is None:
                    head = heads[stream_id] = _Head()
                if not self._advance(head, stream_id, stream[1], version, topic, state):
                    broken.add(stream_id)
                    report.divergences.append(self._classify(stream_id, stop))
            if progress is not None:
                progress(len(page))
        report.streams = len(heads)
        report.heads = {sid: (h.version, h.hash) for sid, h in heads.items()}
        report.directory = directory.findings()
        report.codes = dict(directory.codes)
        return report

    def verify_stream(self, stream_id: UUID) -> AuditReport:
        rows = self.recorder.select_events(stream_id)
        report = AuditReport(events=len(rows), streams=1)
        head = _Head()
        text = str(stream_id)
        for row in rows:
            if not self._advance(
                head, stream_id, text, row.originator_version, row.topic, row.state
            ):
                report.divergences.append(self._explain(stream_id, list(rows)))
                break
        report.heads = {stream_id: (head.version, head.hash)}
        return report

    # ------------------------------------------------------------------ checks
    def _advance(
        self, head: _Head, stream_id: UUID, stream_text: str, version: int, topic: str, state: bytes
    ) -> bool:
        if version != head.version + 1:
            return False
        floats = self._floats()
        content = self._plain(state)
        if content is None or content.get("previous_hash") != head.hash:
            return False
        # The decoded row is ours alone: take the unhashed fields out rather than copy.
        recorded = content.pop("event_hash", None)
        content.pop("class_version", None)
        if recorded is None:
            return False
        # The fast encoder writes the canonical text only for content without floats.
        digest = (
            self._hash_plain(stream_text, version, topic, content)
            if self._floats() == floats
            else None
        )
        if digest is None:
            digest = hash_body(stream_id, version, topic, content)
        if digest != recorded:
            return False
        head.hash, head.version = recorded, version
        return True

    def _content(self, row: StoredEvent) -> Content | None:
        """The stored state as plain JSON: exactly what the hashes cover (see chain.py)."""
        return self._plain(row.state)

    def _plain(self, state: bytes) -> Content | None:
        try:
            if self.mapper.cipher:
                state = self.mapper.cipher.decrypt(state)
            if self.mapper.compressor:
                state = self.mapper.compressor.decompress(state)
            content = self._load(state)
        except Exception:  # an altered byte can leave undecodable JSON: that is a finding
            return None
        return content if isinstance(content, dict) else None

    # ---------------------------------------------------------- classification
    def _classify(self, stream_id: UUID, up_to: int) -> Divergence:
        rows = list(self.recorder.select_events(stream_id))
        # Events recorded after the position being verified are not judged.
        later = {
            n.originator_version
            for batch in self._batches_after(up_to)
            for n in batch
            if _uuid(n.originator_id) == stream_id
        }
        return self._explain(stream_id, [r for r in rows if r.originator_version not in later])

    def _batches_after(self, position: int) -> Iterator[Sequence[Notification]]:
        start = position + 1
        while True:
            batch = self.recorder.select_notifications(start, BATCH)
            if not batch:
                return
            yield batch
            start = batch[-1].id + 1

    def _explain(self, stream_id: UUID, rows: list[StoredEvent]) -> Divergence:
        """Say how the stream was altered at its first break, looking at all its rows."""
        contents = [self._content(row) for row in rows]
        code = next((str(c["code"]) for c in contents if c and c.get("code")), "")
        head = _Head()
        for i, row in enumerate(rows):
            version, content = row.originator_version, contents[i]
            if version != head.version + 1:
                return Divergence(
                    stream_id, head.version + 1, "removed", _missing(head, version), code
                )
            if content is None:
                return Divergence(
                    stream_id, version, "modified", f"version {version} is no longer readable", code
                )
            if _sound(stream_id, version, row, content):
                if content.get("previous_hash") == head.hash:
                    head.hash, head.version = content["event_hash"], version
                    continue
                return Divergence(
                    stream_id,
                    version - 1,
                    "modified",
                    f"version {version - 1} was rewritten together with its hash: "
                    f"version {version} no longer follows it",
                    code,
                )
            return Divergence(
                stream_id, version, *self._unsound(stream_id, i, rows, contents), code
            )
        return Divergence(stream_id, head.version + 1, "removed", "the stream ends early", code)

    def _unsound(
        self, stream_id: UUID, i: int, rows: list[StoredEvent], contents: list[Content | None]
    ) -> tuple[str, str]:
        """Row i's content does not hash to its recorded hash: changed, moved or forged?"""
        version = rows[i].originator_version
        for j, other in enumerate(contents):
            if j == i or other is None or not _sound(stream_id, version, rows[j], other):
                continue
            # The event that belongs at `version` is stored at another version.
            if j == i + 1:
                mine = contents[i]
                swapped = mine is not None and _sound(stream_id, version + 1, rows[i], mine)
                if not swapped:
                    return "inserted", (
                        f"a row that is not in the chain stands at version {version}; "
                        "the original events follow it one place later"
                    )
            return "reordered", (
                f"the event recorded as version {version} is stored at version "
                f"{rows[j].originator_version}"
            )
        if i == len(rows) - 1:
            return "modified", (
                f"version {version}, the last, does not match its hash: altered, "
                "or forged and appended"
            )
        return "modified", f"version {version}'s content no longer matches its recorded hash"


def _sound(stream_id: UUID, version: int, row: StoredEvent, content: Content) -> bool:
    """Does this content, taken as `version` of the stream, hash to its recorded hash?"""
    try:
        return event_hash(stream_id, version, row.topic, content) == content.get("event_hash")
    except TypeError:
        return False


def _missing(head: _Head, found: int) -> str:
    expected = head.version + 1
    if found == expected + 1:
        return f"version {expected} is missing"
    return f"versions {expected} to {found - 1} are missing"


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
