"""Applying events to customers' 360 documents (projections/customer360.py): the
replay a catch-up or rebuild feeds, and the document computed from a stream for
an earlier moment. Apart from the view's tables and queries, so that a read which
finds the view current imports neither the handlers nor the event classes they
name (docs/decisions.md, "Start-up: a read imports no event class")."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from ledger.domain.base import CustomerEvent
from ledger.domain.corrections import fold
from projections.base import DocumentReplay, dumps, iso
from projections.customer360_closed import ClosedCases, ClosedRows
from projections.customer360_doc import Held, held, new_doc, write_timeline
from projections.customer360_handlers import apply_event
from projections.store import Transaction

Doc = dict[str, Any]

COLUMNS = ("customer_id", "code", "name", "segment", "owner", "stage", "tier", "version", "doc")


def computed(customer_id: UUID, events: Iterable[CustomerEvent]) -> Doc:
    """The 360 computed from a customer's events (all, or up to some version), each
    as the corrections among them say it was."""
    key = str(customer_id)
    doc = held(new_doc(key), ClosedCases(key, None))
    for event in fold(events):
        apply_event(doc, event, iso(event.occurred_at))
    write_timeline(doc)
    # Through JSON, so a computed view reads exactly like a stored one.
    return dict(json.loads(dumps(doc)))


class Documents(DocumentReplay):
    """Customers' documents held while events are applied, each written once per
    flush, with only the timeline entries still kept worked out, and the closed
    cases kept apart beside them."""

    table = "view_customer360"
    columns = COLUMNS
    closed: ClosedRows  # those of the chunk of documents being written

    def __init__(self, tx: Transaction | None) -> None:
        super().__init__(tx, apply_event)

    def new(self, key: str) -> Held:
        # A customer without a row has no closed cases kept apart either.
        return held(new_doc(key), ClosedCases(key, None))

    def loaded(self, key: str, doc: Doc) -> Held:
        return held(doc, ClosedCases(key, self.tx))

    def prepare(self, keys: list[str]) -> None:
        self.closed = ClosedRows()
        for key in keys:
            doc = self.docs[key]
            doc.closed.write_to(self.closed)
            write_timeline(doc)

    def written(self, keys: list[str], tx: Transaction) -> None:
        # After the documents: tables are written in the order they are created.
        self.closed.flush(tx)
