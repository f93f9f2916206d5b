"""Loading the demo: each customer's story saved with its directory entries in
one transaction; a customer already loaded is skipped, so loading twice adds
nothing."""

from __future__ import annotations

import time as stopwatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from eventsourcing.persistence import IntegrityError

from demo.customers import demo_customer_id
from demo.erasure import destroy_erased_keys, erases
from demo.summaries import submit_demo_summaries
from demo.timeline import history_end
from demo.year import CustomerYear
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.errors import ConcurrencyError, CustomerNameTakenError, InvalidInputError

if TYPE_CHECKING:
    from ledger.application import Ledger

DEFAULT_SEED = 7
DEFAULT_CUSTOMERS = 300


@dataclass(frozen=True)
class DemoLoad:
    """What one run of the loader did."""

    requested: int
    added: int
    present: int  # demo customers that were loaded already and were skipped
    events: int  # events written for the added customers
    seconds: float


def load_demo(
    app: Ledger,
    *,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    today: date,
    timezone: ZoneInfo,
    progress: Callable[[], None] | None = None,
) -> DemoLoad:
    """Load the demo's customers into `app`, skipping those loaded already.

    `today` ends the year of history (its start, in `timezone`); `progress` is
    called once per customer.
    """
    started = stopwatch.perf_counter()
    end = history_end(today, timezone)
    if end > datetime.now(UTC):
        raise InvalidInputError(
            f"the demo's history ends at the start of {today}, which is still to come "
            f"in {timezone.key}: pass today's date there"
        )
    calendar = BusinessCalendar.from_settings(app.settings)
    added = present = events = 0
    for index in range(customers):
        written = _load_customer(app, seed, index, end, calendar)
        if written:
            added += 1
            events += written
        else:
            present += 1
        if progress is not None:
            progress()
    submit_demo_summaries(app, end, timezone)
    return DemoLoad(
        requested=customers,
        added=added,
        present=present,
        events=events,
        seconds=stopwatch.perf_counter() - started,
    )


def _load_customer(
    app: Ledger, seed: int, index: int, end: datetime, calendar: BusinessCalendar
) -> int:
    """Record one customer's year in one transaction; 0 if it is there already."""
    customer_id = demo_customer_id(seed, index)
    for _ in range(5):
        if app.recorder.select_events(customer_id, limit=1):
            if erases(index):
                # A load killed after saving this customer, before destroying the
                # erased person's key, left the key: destroyed now, as it would
                # have been (destroying is idempotent).
                destroy_erased_keys(app, app.repository.get(customer_id))
            return 0
        story = CustomerYear(seed, index, end, calendar)
        story.plan()
        command = story.registration()
        try:
            customer, directory_entries = app.prepare_registration(command)
        except CustomerNameTakenError:
            # Someone's own customer has this name already: keep theirs.
            command = command.model_copy(update={"name": f"{command.name} (demo)"})
            customer, directory_entries = app.prepare_registration(command)
        story.seal = app.sealer(customer.id)
        story.tell(customer)
        try:
            app.save(customer, *directory_entries)
        except IntegrityError:
            continue  # another writer took the next customer number: number again
        destroy_erased_keys(app, customer)
        return customer.version
    raise ConcurrencyError(
        "customers kept being registered while the demo was loading: run `ledger demo` again"
    )
