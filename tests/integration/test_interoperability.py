"""Our store stays in the eventsourcing library's format: a stock Application, with the
library's own mapper and transcoder, pointed at the same database reads every
stored event, through the customer's stream and through the notification log.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, DomainEventProtocol

from ledger import commands as c
from ledger.application import Ledger as LedgerService
from ledger.storage import Storage
from tests.unit.test_schemas import every_kind_of_event


class StockLedger(Application[UUID]):
    """Nothing of ours but the name, which selects the same tables."""

    name = "Ledger"


@pytest.fixture
def stock(storage: Storage, ledger_app: LedgerService) -> Iterator[StockLedger]:
    app = StockLedger(env=storage.env)
    yield app
    app.close()


@pytest.fixture
def customer_id(ledger_app: LedgerService) -> UUID:
    """A customer with an event of every type, beside one registered through the service."""
    ledger_app.register_customer(
        c.RegisterCustomer(actor="li.wei", name="Capital Airport", segment="airport")
    )
    customer = every_kind_of_event(code="C-00099")
    ledger_app.save(customer)
    customer_id: UUID = customer.id
    return customer_id


def described(events: Iterable[Any]) -> list[tuple[str, int, dict[str, Any]]]:
    return [(type(e).__name__, e.originator_version, dict(vars(e))) for e in events]


def test_a_stock_application_reads_every_event_of_a_customer_as_we_do(
    stock: StockLedger, ledger_app: LedgerService, customer_id: UUID
) -> None:
    ours = described(ledger_app.events.get(customer_id))

    theirs = described(stock.events.get(customer_id))

    assert len(theirs) == len(ours) > 38
    assert theirs == ours


def test_a_stock_application_decodes_every_event_in_the_notification_log(
    stock: StockLedger, ledger_app: LedgerService, customer_id: UUID
) -> None:
    decoded: list[DomainEventProtocol[Any]] = []
    start = 1
    while notifications := stock.notification_log.select(start, stock.log_section_size):
        decoded += [stock.mapper.to_domain_event(n) for n in notifications]
        start = notifications[-1].id + 1

    ours = [
        ledger_app.mapper.to_domain_event(n)
        for n in ledger_app.recorder.select_notifications(1, 10_000)
    ]
    assert described(decoded) == described(ours)
    assert sum(1 for e in decoded if e.originator_id == customer_id) == len(
        list(ledger_app.events.get(customer_id))
    )


def test_a_stock_application_rebuilds_the_customer_from_its_events(
    stock: StockLedger, ledger_app: LedgerService, customer_id: UUID
) -> None:
    ours: Aggregate = ledger_app.repository.get(customer_id)

    theirs: Aggregate = stock.repository.get(customer_id)

    assert type(theirs) is type(ours)
    assert vars(theirs) == vars(ours)
