"""Reading the notification log in pages, and decoding what is read: shared by
catching up (projections/views.py) and rebuilding (projections/rebuilding.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledger.domain.base import CustomerEvent, RecordedEvent
from ledger.domain.topics import RECORDED_TOPIC_PREFIX

# Notifications one query reads (a catch-up's page; a rebuild reads these too).
BATCH = 2000
# A rebuild reads the log in batches of this many events and holds every view's rows
# in memory across them; it writes them out (and commits its position) after this
# many events, and at the end. In a log where customers interleave, a customer's
# document then is written a few times in all, not once or twice per batch.
REBUILD_BATCH = 20_000
# Log positions one query reads when only some topics are wanted (`read_pages`).
TOPIC_WINDOW = 100_000


def decode(mapper: Any, notifications: Sequence[Any]) -> list[tuple[int, RecordedEvent]]:
    """The recorded events (customers', staff accounts', reads) among the
    notifications, with their ids."""
    events: list[tuple[int, RecordedEvent]] = []
    to_domain_event = mapper.to_domain_event
    for n in notifications:
        if n.topic.startswith(RECORDED_TOPIC_PREFIX):
            event = to_domain_event(n)
            if isinstance(event, RecordedEvent):
                events.append((n.id, event))
    return events


def _with_subclasses(kind: type) -> list[type]:
    found = [kind]
    subclasses: list[type] = kind.__subclasses__()
    for sub in subclasses:
        found += _with_subclasses(sub)
    return found


def topics_of(kinds: tuple[type, ...]) -> list[str] | None:
    """The topics of the events of `kinds` (subclasses included), or None when
    they include every customer event: most views take those, and filtering would
    only cost the database work."""
    from eventsourcing.utils import get_topic

    from ledger.domain import events

    if any(issubclass(CustomerEvent, kind) for kind in kinds):
        return None
    # Subclasses are found among the classes defined so far: every event module first.
    events.import_all()
    return sorted({get_topic(cls) for kind in kinds for cls in _with_subclasses(kind)})


def read_pages(
    select: Callable[..., Sequence[Any]],
    start: int,
    stop: int,
    topics: Sequence[str] | None = None,
) -> tuple[list[Any], int]:
    """About `REBUILD_BATCH` notifications from `start` (of `topics` only, if
    given), read with `select` (a recorder's `select_notifications`) `BATCH` at a
    time as catching up reads them; and the position to read from next (past
    `stop` once every one up to it is read). One large `LIMIT` is much slower on
    PostgreSQL: the log's table is rarely analysed after bulk writes, the planner
    then expects a few thousand rows in any id range, and above that limit it
    reads every row from `start` to the head and sorts them on disk, for each
    batch: a rebuild took time quadratic in the length of the log."""
    notifications: list[Any] = []
    while start <= stop and len(notifications) < REBUILD_BATCH:
        if topics:
            # Selected by topic, a page of `BATCH` rows is no better: PostgreSQL
            # expects the topics to be rare and reads every row up to the head
            # for each page. A window of positions bounds what each query reads
            # (and the rows it can return), so the log is read once in all.
            last = min(stop, start + TOPIC_WINDOW - 1)
            page = select(start, TOPIC_WINDOW, stop=last, topics=topics)
            start = last + 1
        else:
            page = select(start, BATCH, stop=stop)
            start = page[-1].id + 1 if len(page) == BATCH else stop + 1
        notifications += page
    return notifications, start
