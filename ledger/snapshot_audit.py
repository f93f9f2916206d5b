"""Checks stored snapshots against the events they stand for.

A snapshot is a cache of a stream (docs/architecture.md, "Snapshots"), but a
command loads a customer from it, so an edited snapshot (an owner, a stage) would
steer writes and reads while every event still verifies. Each snapshot is
therefore rebuilt from its stream's events up to its version and must hold the
same state. A snapshot of an older class version is not judged: loading marks it
incomplete and rebuilds from the events anyway, so it steers nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent

from ledger.audit import AuditReport, Divergence
from ledger.domain.directory import CustomerNumbering

if TYPE_CHECKING:
    from ledger.service import LedgerCore


def verify_snapshots(
    app: LedgerCore, streams: Iterable[UUID], codes: dict[UUID, str]
) -> list[Divergence]:
    """The first snapshot of each stream that does not match its events' replay.

    A stream's events are read and replayed once, up to its last snapshot, each
    snapshot judged as the replay passes its version (not replayed from the start
    for each snapshot, which cost the square of the stream's length)."""
    from ledger.service import replay_onto

    if app.snapshots is None:
        return []
    found: list[Divergence] = []
    for stream in streams:
        rows = app.snapshots.recorder.select_events(stream)
        if not rows:
            continue
        events = list(app.events.get(stream, lte=rows[-1].originator_version))
        rebuilt: Any = None
        taken = 0  # events[:taken] are in `rebuilt`
        for row in rows:
            version = row.originator_version
            upto = bisect_right(events, version, key=_version)
            rebuilt = replay_onto(rebuilt, events[taken:upto], events[:upto])
            taken = upto
            detail = _judge(app, row, rebuilt)
            if detail:
                found.append(Divergence(stream, version, "snapshot", detail, codes.get(stream, "")))
                break
    return found


def _version(event: Any) -> int:
    return int(event.originator_version)


def _judge(app: LedgerCore, row: StoredEvent, rebuilt: Any) -> str:
    """What is wrong with one stored snapshot, given the stream replayed up to its
    version ("" if nothing)."""
    version = row.originator_version
    stored = _decode(app, row)
    if stored is None:
        return f"the snapshot at version {version} is no longer readable"
    if rebuilt is None or rebuilt.version != version:
        return f"a snapshot stands at version {version}, past the stream's end"
    current = getattr(type(rebuilt), "class_version", 1)
    if stored.get("state", {}).get("class_version", 1) != current:
        return ""  # an older class's snapshot: loading rebuilds from events instead
    if _decode(app, app.mapper.to_stored_event(Snapshot.take(rebuilt))) == stored:
        return ""
    return f"the snapshot at version {version} does not hold what its events say"


def _decode(app: LedgerCore, row: StoredEvent) -> dict[str, Any] | None:
    """A snapshot's topic and state; its timestamp (when it was taken) is no evidence."""
    try:
        state = row.state
        if app.mapper.cipher:
            state = app.mapper.cipher.decrypt(state)
        if app.mapper.compressor:
            state = app.mapper.compressor.decompress(state)
        content = app.mapper.transcoder.decode(state)
    except Exception:  # an altered byte can leave an undecodable row: a finding
        return None
    if not isinstance(content, dict):
        return None
    content.pop("timestamp", None)
    return {"topic": row.topic, **content}


def snapshotted(report: AuditReport) -> list[UUID]:
    """The streams that may have snapshots: customers' and the numbering's."""
    return [*report.codes, CustomerNumbering.SINGLETON_ID]
