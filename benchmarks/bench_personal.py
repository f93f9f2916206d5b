"""The cost of sealing personal details (docs/domain.md, "Personal data").

Write path: `Ledger.add_key_person` with every personal field given (the details
are sealed with the person's key, made on first use and stored in
`ledger_person_keys`) against the same command with none, on customers of the
same size, taking turns command by command. Rebuild: `Views.rebuild()` of a
ledger whose key people carry every personal field, sealed, against the same
ledger with no personal fields (the log as it was before this change): the
views keep the sealed form and open nothing, so the difference is the larger
payloads. Both ratios come from the same run on the same machine.

    .venv/bin/python -m benchmarks.bench_personal [--backend sqlite|postgres|both]
        [--count N] [--customers C] [--runs R]
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from benchmarks.common import (
    ACTOR,
    argument_parser,
    fresh_storage,
    interleaved_medians,
    open_ledger,
    print_machine,
    print_table,
    usable_backends,
)
from ledger.application import Ledger
from ledger.commands import AddKeyPerson, LogContact, RegisterCustomer
from ledger.storage import Storage
from ledger.vocabulary import Channel, DecisionRole, Direction
from projections.views import Views

DEFAULT_COUNT = {"sqlite": 300, "postgres": 200}
DETAILS: dict[str, Any] = {
    "birth_date": "1968-05-04",
    "birthplace": "Hangzhou",
    "native_place": "Shaoxing, Zhejiang",
    "education": "MBA",
    "school": "Fudan University",
    "family": "married, one daughter at university",
    "hobbies": "calligraphy, tea",
    "journals": "China Civil Aviation",
    "associations": "China Civil Airports Association",
    "work_history": "8 years at COSCO Shipping before joining",
    "mobile": "+86 138 0000 1234",
    "office_phone": "+86 10 6459 0000",
    "home_phone": "+86 10 8888 7777",
    "emails": ["wang.fang@example.cn"],
    "notes": "Prefers tea to coffee; plays go at weekends",
}
PEOPLE_PER_CUSTOMER = 3
CONTACTS_PER_CUSTOMER = 12


def register(app: Ledger, name: str) -> str:
    receipt = app.register_customer(
        RegisterCustomer(actor=ACTOR, name=name, segment="enterprise", industry="logistics")
    )
    return receipt.customer_code


def add_person(app: Ledger, code: str, personal: bool) -> None:
    app.add_key_person(
        AddKeyPerson(
            actor=ACTOR,
            customer=code,
            name="Wang Fang",
            title="Procurement director",
            decision_role=DecisionRole.DECISION_MAKER,
            **(DETAILS if personal else {}),
        )
    )


def write_path(storage: Storage, count: int) -> tuple[float, float]:
    """Median seconds per `person add`, with all fields and without."""
    app = open_ledger(storage)
    try:
        with_code, without_code = register(app, "Sealed Ltd"), register(app, "Plain Ltd")
        add_person(app, with_code, True)  # the key store is opened and warm
        times: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(count):
            for name, code, personal in (
                ("with", with_code, True),
                ("without", without_code, False),
            ):
                started = time.perf_counter()
                add_person(app, code, personal)
                times[name].append(time.perf_counter() - started)
        return statistics.median(times["with"]), statistics.median(times["without"])
    finally:
        app.close()


def load(app: Ledger, customers: int, personal: bool) -> None:
    for n in range(customers):
        code = register(app, f"Customer {n:05d}")
        for _ in range(PEOPLE_PER_CUSTOMER):
            add_person(app, code, personal)
        for _ in range(CONTACTS_PER_CUSTOMER):
            app.log_contact(
                LogContact(
                    actor=ACTOR,
                    customer=code,
                    channel=Channel.PHONE,
                    direction=Direction.OUTBOUND,
                    summary="Called about the delayed March shipment; agreed new dates.",
                )
            )


def rebuild(backend: str, customers: int, runs: int) -> tuple[float, float, int]:
    """Median seconds of a full rebuild, sealed people vs no personal fields."""
    with fresh_storage(backend, "sealed") as sealed, fresh_storage(backend, "plain") as plain:
        apps = {"sealed": open_ledger(sealed), "plain": open_ledger(plain)}
        views = {"sealed": Views(apps["sealed"], sealed), "plain": Views(apps["plain"], plain)}
        try:
            load(apps["sealed"], customers, True)
            load(apps["plain"], customers, False)
            events = apps["sealed"].recorder.max_notification_id() or 0
            timings = interleaved_medians(
                {
                    "sealed": lambda: views["sealed"].rebuild(workers=1),
                    "plain": lambda: views["plain"].rebuild(workers=1),
                },
                runs,
            )
            return timings["sealed"].wall, timings["plain"].wall, events
        finally:
            for name in apps:
                views[name].close()
                apps[name].close()


def main() -> None:
    parser = argument_parser(__doc__ or "", "person adds per contender")
    parser.add_argument("--customers", type=int, default=200, help="customers per rebuild")
    parser.add_argument("--runs", type=int, default=3, help="timed rebuilds per contender")
    args = parser.parse_args()
    print_machine()
    for backend in usable_backends(args.backend):
        count = args.count or DEFAULT_COUNT[backend]
        with fresh_storage(backend, "write") as storage:
            with_fields, without = write_path(storage, count)
        sealed, plain, events = rebuild(backend, args.customers, args.runs)
        print_table(
            f"{backend}: personal details sealed with a key per person",
            ["measure", "with personal fields", "baseline: without", "ratio"],
            [
                [
                    f"person add (median of {count})",
                    f"{with_fields * 1000:.2f} ms",
                    f"{without * 1000:.2f} ms",
                    f"{with_fields / without:.2f}x",
                ],
                [
                    f"full rebuild, {events} events (median of {args.runs})",
                    f"{sealed:.2f} s",
                    f"{plain:.2f} s",
                    f"{sealed / plain:.2f}x",
                ],
            ],
            notes=[
                "ratio: time with personal fields / time without (1.00x = no cost).",
            ],
        )


if __name__ == "__main__":
    main()
