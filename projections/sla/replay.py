"""Applying events to the SLA view (projections/sla/view.py): customers and cases
held while events are applied, and the rows written from them. Apart from the
view's tables, so that a read of current cases imports neither the handlers nor
the event classes they name (docs/decisions.md, "Start-up: a read imports no event
class")."""

from __future__ import annotations

from ledger.domain.sla.clocks import Clocks
from projections.base import Decoded, Handlers, Replay
from projections.sla.batch import Batch, load
from projections.sla.handlers import handle
from projections.sla.rows import store
from projections.store import Transaction


class Rows(Replay):
    """Customers and cases held while events are applied; a case's clock is worked
    out when it is written, once per flush, however many steps it took meanwhile."""

    def __init__(self, tx: Transaction | None, clocks: Clocks) -> None:
        self.tx = tx  # where rows not held yet are read from; None: nowhere
        self.clocks = clocks
        self.batch = Batch(customers={}, cases={})

    def feed(self, batch: Decoded) -> None:
        held = self.batch
        if self.tx is not None:
            load(self.tx, batch, held)
        for event, customer_id, at in zip(batch.events, batch.keys, batch.times, strict=True):
            _HANDLERS[type(event)](event, held, customer_id, at)

    def flush(self, tx: Transaction) -> None:
        # Into tables emptied for this replay, each visit's row is new.
        store(tx, self.batch, self.clocks, fresh=self.tx is None)
        self.batch.written()


_HANDLERS = Handlers(handle)
