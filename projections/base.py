"""The shape every projection has: its tables, its event handlers, its queries.

A projection holds no state outside its tables, so a rebuild is: drop its tables
and tracking, replay the log. `version` names the handlers' logic: a stored view
built by other logic is rebuilt before it is used.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.base import CustomerEvent
from projections.store import Transaction


class Projection(ABC):
    name: ClassVar[str]
    version: ClassVar[str] = "1"
    # Table name -> CREATE TABLE statement (portable SQL); indexes after.
    tables: ClassVar[dict[str, str]]
    indexes: ClassVar[tuple[str, ...]] = ()
    # The events this view is given: customers' by default; staff events and the
    # read log only to views that ask for them.
    accepts: ClassVar[tuple[type, ...]] = (CustomerEvent,)

    @abstractmethod
    def process(self, tx: Transaction, events: Sequence[CustomerEvent]) -> None:
        """Apply a batch of events (in log order) to this view's tables."""

    def create(self, tx: Transaction) -> None:
        for statement in self.tables.values():
            tx.execute(statement)
        for statement in self.indexes:
            tx.execute(statement)

    def drop(self, tx: Transaction) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")


def iso(moment: datetime) -> str:
    """Times in views are UTC ISO strings of fixed shape, so they sort as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a view")


def stream_key(event: CustomerEvent) -> str:
    return str(event.originator_id)
