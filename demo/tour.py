"""The demo customers `ledger demo`'s tour points at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from demo.customers import demo_customer_id
from demo.load import DEFAULT_SEED
from ledger.domain.customer import Customer

if TYPE_CHECKING:
    from ledger.application import Ledger


@dataclass(frozen=True)
class DemoCustomer:
    code: str
    name: str
    segment: str
    owner: str | None


@dataclass(frozen=True)
class DemoTour:
    """Demo customers worth a look, with their real codes (None if not loaded)."""

    showcase: DemoCustomer | None  # handed over, a late complaint escalated twice
    reactivated: DemoCustomer | None  # terminated, then won back with a repair plan
    terminated: DemoCustomer | None  # terminated and still gone
    another: DemoCustomer | None  # a plain customer to record something on


def demo_tour(app: Ledger, seed: int = DEFAULT_SEED) -> DemoTour:
    """The demo customers the tour points at, as they are now in `app`."""
    return DemoTour(
        showcase=_demo_customer(app, seed, 0),
        reactivated=_demo_customer(app, seed, 1),
        terminated=_demo_customer(app, seed, 2),
        another=_demo_customer(app, seed, 3),
    )


def _demo_customer(app: Ledger, seed: int, index: int) -> DemoCustomer | None:
    customer_id = demo_customer_id(seed, index)
    if not app.recorder.select_events(customer_id, limit=1):
        return None
    customer: Customer = app.repository.get(customer_id)
    return DemoCustomer(
        code=customer.code, name=customer.name, segment=customer.segment, owner=customer.owner
    )
