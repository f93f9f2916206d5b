"""Export: every customer event with all its metadata, as records a downstream system
can load, one at a time.

A record is the event's envelope (where it stands in the log and in its stream,
what it is, when it occurred and was recorded, who recorded it under which
command, its hash chain) and its payload under `data`. Records are produced while
the log is read in batches, so an export of any size runs in constant memory.
Events are decoded by the application's mapper, so older versions of an event
are exported upcast to the current one (`event_version`); `ledger.schemas`
describes the records.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

from ledger.domain.base import CustomerEvent
from ledger.domain.events import CustomerRegistered
from ledger.domain.personal import PERSONAL_EVENT_FIELDS
from ledger.domain.topics import is_customer_topic

if TYPE_CHECKING:
    from ledger.personal_reading import PersonalReader

BATCH = 1000

# The envelope, in the order csv columns appear; `data` holds the rest.
COLUMNS = (
    "position",
    "customer_id",
    "customer_code",
    "version",
    "event",
    "event_version",
    "occurred_at",
    "recorded_at",
    "actor",
    "command_id",
    "correlation_id",
    "causation_id",
    "previous_hash",
    "event_hash",
    "data",
)

# Event fields that the envelope carries (under their export names) or that are the
# library's bookkeeping (`originator_topic` names the aggregate class, not the event).
NOT_PAYLOAD = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "occurred_at",
        "actor",
        "command_id",
        "correlation_id",
        "causation_id",
        "previous_hash",
        "event_hash",
    }
)

Record = dict[str, Any]
Progress = Callable[[int], None]


def record(event: CustomerEvent, customer_code: str, position: int | None) -> Record:
    """One exported event; `position` is its notification id, when it is known."""
    return {
        "position": position,
        "customer_id": str(event.originator_id),
        "customer_code": customer_code,
        "version": event.originator_version,
        "event": type(event).__name__,
        "event_version": getattr(type(event), "class_version", 1),
        "occurred_at": event.occurred_at,
        "recorded_at": event.timestamp,
        "actor": event.actor,
        "command_id": event.command_id,
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "previous_hash": event.previous_hash,
        "event_hash": event.event_hash,
        "data": payload(event),
    }


def payload(event: CustomerEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in _payload_fields(type(event))}


@cache
def _payload_fields(cls: type[CustomerEvent]) -> tuple[str, ...]:
    # Personal details are left out unless asked for (`Exporter(personal=...)`).
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in NOT_PAYLOAD and f.name not in PERSONAL_EVENT_FIELDS
    )


def json_line(exported: Record) -> str:
    """The record as one line of JSON (without the newline)."""
    return json.dumps(exported, ensure_ascii=False, separators=(",", ":"), default=_plain)


class CsvRows:
    """Records as csv lines: the envelope as columns, the payload as compact JSON."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def header(self) -> str:
        return self._line(list(COLUMNS))

    def row(self, exported: Record) -> str:
        cells = [_cell(exported[column]) for column in COLUMNS[:-1]]
        cells.append(
            json.dumps(exported["data"], ensure_ascii=False, separators=(",", ":"), default=_plain)
        )
        return self._line(cells)

    def _line(self, cells: list[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue()


class Exporter:
    """Reads an application's events in batches and turns them into records."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        batch: int = BATCH,
        personal: PersonalReader | None = None,
    ):
        self.recorder = recorder
        self.mapper = mapper
        self.batch = batch
        # With a reader, key people's personal details are exported, opened.
        self.personal = personal
        # Codes are filled in as CustomerRegistered events pass: a stream starts with it.
        self.codes: dict[UUID, str] = {}

    def log_length(self) -> int:
        """The last position in the log, for a progress bar's total."""
        return self.recorder.max_notification_id() or 0

    def stream_length(self, customer_id: UUID) -> int:
        """The customer's last version, for a progress bar's total."""
        last = self.recorder.select_events(customer_id, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def whole_log(
        self, since: datetime | None = None, progress: Progress | None = None
    ) -> Iterator[Record]:
        """Every customer event in log order (recorded at or after `since`)."""
        start, done = 1, 0
        while True:
            notifications = self.recorder.select_notifications(start, self.batch)
            if not notifications:
                return
            for notification in notifications:
                exported = self._record(notification, notification.id, since)
                if exported is not None:
                    yield exported
            if progress is not None:
                # Positions can have gaps: advance to the last one read, not by the count.
                progress(notifications[-1].id - done)
            done = notifications[-1].id
            start = done + 1

    def stream(
        self, customer_id: UUID, since: datetime | None = None, progress: Progress | None = None
    ) -> Iterator[Record]:
        """One customer's events in version order (recorded at or after `since`)."""
        after = 0
        while True:
            rows = self.recorder.select_events(customer_id, gt=after, limit=self.batch)
            if not rows:
                return
            for row in rows:
                exported = self._record(row, None, since)
                if exported is not None:
                    yield exported
            if progress is not None:
                progress(rows[-1].originator_version - after)
            after = rows[-1].originator_version

    def _record(
        self, row: StoredEvent, position: int | None, since: datetime | None
    ) -> Record | None:
        if not is_customer_topic(row.topic):
            return None  # staff accounts and the read log are not customers' history
        event = self.mapper.to_domain_event(row)
        assert isinstance(event, CustomerEvent)
        if isinstance(event, CustomerRegistered):
            self.codes[event.originator_id] = event.code
        if since is not None and event.timestamp < since:
            return None
        exported = record(event, self.codes.get(event.originator_id, ""), position)
        if self.personal is not None:
            exported["data"] = self.personal.payload(event, exported["data"], include=True)
        return exported


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    raise TypeError(f"cannot export a {type(value).__name__}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def write_all(records: Iterator[Record], fmt: str, write: Callable[[str], Any]) -> int:
    """Write records in `fmt` through `write` as they come; returns how many."""
    count = 0
    if fmt == "csv":
        rows = CsvRows()
        write(rows.header())
        for exported in records:
            write(rows.row(exported))
            count += 1
        return count
    for exported in records:
        write(json_line(exported) + "\n")
        count += 1
    return count
