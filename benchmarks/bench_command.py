"""One command = one event: the ledger against a bare eventsourcing Application.

The ledger's path for `Ledger.log_contact(LogContact(...))` on an existing
customer: validate the command (pydantic), resolve the customer, load it from the
store, check the command id was not seen before, check the rule, trigger one
event, save. The baseline is what a bare eventsourcing application does for the
same write: get the aggregate from the store, trigger one event with the same
payload, save. Both use the same persistence settings and snapshot interval, load
from the store every time (no aggregate cache), and keep a state that grows the
same way (one entry per recorded command).

Target: the ledger's rate is at least 0.8x the bare rate.

    .venv/bin/python -m benchmarks.bench_command [--backend sqlite|postgres|both]
        [--count N] [--rounds R] [--warmup W]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from benchmarks.common import (
    ACTOR,
    argument_parser,
    fresh_storage,
    open_ledger,
    print_machine,
    print_table,
    register_customer,
    usable_backends,
    verdict,
)
from ledger.application import Ledger
from ledger.commands import LogContact
from ledger.domain.customer import Customer
from ledger.storage import Storage
from ledger.vocabulary import Channel, Direction

TARGET_RATIO = 0.8
DEFAULT_COUNT = {"sqlite": 2000, "postgres": 1000}
SUMMARY = "Called about the delayed March shipment; agreed to send revised dates by Friday."
FOLLOW_UPS = ["Send revised delivery dates"]
SNAPSHOT_INTERVAL = Ledger.snapshotting_intervals[Customer]


class PlainCustomer(Aggregate):
    """The baseline's aggregate: the same kind of state as `Customer`, no rules.

    Its event is an explicit class with its own `apply`, as the ledger's events
    are: the `@event` decorator's generic apply costs more per replayed event and
    would flatter the ledger."""

    class Registered(Aggregate.Created):
        name: str

    class ContactLogged(Aggregate.Event):
        channel: str
        direction: str
        people: list[str]
        summary: str
        follow_ups: list[str]
        occurred_at: datetime
        actor: str
        command_id: str
        correlation_id: str | None
        causation_id: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.commands[self.command_id] = [self.originator_version, ""]

    def __init__(self, name: str) -> None:
        self.name = name
        self.people: dict[str, dict[str, Any]] = {"P1": {"name": "Zhang Min", "present": True}}
        self.commands: dict[str, list[Any]] = {}

    def log_contact(self, **fields: Any) -> None:
        self.trigger_event(self.ContactLogged, **fields)


class PlainApplication(Application[UUID]):
    # The same snapshot interval as the ledger's customers, so both pay for
    # snapshots equally often.
    snapshotting_intervals = {PlainCustomer: SNAPSHOT_INTERVAL}


@dataclass
class Contender:
    """One way of recording a contact, and the rates it reached in each round."""

    name: str
    record: Callable[[], object]
    rates: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    _wall: float = 0.0
    _cpu: float = 0.0

    def record_timed(self) -> None:
        started, cpu_started = time.perf_counter(), time.process_time()
        self.record()
        self._wall += time.perf_counter() - started
        self._cpu += time.process_time() - cpu_started

    def close_round(self, count: int) -> None:
        self.rates.append(count / self._wall)
        self.cpu_seconds.append(self._cpu / count)
        self._wall = self._cpu = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


def ledger_contact(app: Ledger, customer: str) -> Callable[[], object]:
    def record() -> object:
        return app.log_contact(
            LogContact(
                actor=ACTOR,
                customer=customer,
                channel=Channel.PHONE,
                direction=Direction.OUTBOUND,
                people=["P1"],
                summary=SUMMARY,
                follow_ups=FOLLOW_UPS,
            )
        )

    return record


def plain_contact(app: PlainApplication, customer_id: UUID) -> Callable[[], object]:
    def record() -> object:
        customer: PlainCustomer = app.repository.get(customer_id)
        customer.log_contact(
            channel="phone",
            direction="outbound",
            people=["P1"],
            summary=SUMMARY,
            follow_ups=FOLLOW_UPS,
            occurred_at=datetime.now(UTC),
            actor=ACTOR,
            command_id=uuid4().hex,
            correlation_id=None,
            causation_id=None,
        )
        return app.save(customer)

    return record


def commands_per_round(count: int, rounds: int) -> int:
    """Each round covers whole snapshot cycles: a command right after a snapshot
    replays no events and one just before the next replays 199, so a round of part
    of a cycle would measure where in the cycle it fell."""
    cycles = max(1, round(count / rounds / SNAPSHOT_INTERVAL))
    return cycles * SNAPSHOT_INTERVAL


def measure(
    plain_storage: Storage, ledger_storage: Storage, count: int, rounds: int, warmup: int
) -> list[Contender]:
    plain_app = PlainApplication(env=plain_storage.env)
    ledger_app = open_ledger(ledger_storage)
    try:
        plain_customer = PlainCustomer(name="Benchmark Trading Ltd")
        plain_app.save(plain_customer)
        # Each ledger contender writes to its own customer, so every stream grows
        # at the same pace as the baseline's.
        code = register_customer(ledger_app, "Benchmark Trading Ltd")
        name = "Benchmark Shipping Ltd"
        register_customer(ledger_app, name)
        contenders = [
            Contender(
                "bare eventsourcing Application", plain_contact(plain_app, plain_customer.id)
            ),
            Contender("ledger, customer named by code", ledger_contact(ledger_app, code)),
            # A name is looked up afresh each time (names can move between customers).
            Contender("ledger, customer named by name", ledger_contact(ledger_app, name)),
        ]
        for contender in contenders:
            for _ in range(warmup):
                contender.record()
        per_round = commands_per_round(count, rounds)
        for _ in range(rounds):
            # Command by command in turn, so a busy moment of the machine (or of the
            # database server) falls on all contenders alike.
            for _ in range(per_round):
                for contender in contenders:
                    contender.record_timed()
            for contender in contenders:
                contender.close_round(per_round)
        return contenders
    finally:
        ledger_app.close()
        plain_app.close()


def report(backend: str, contenders: list[Contender], count: int, rounds: int) -> None:
    baseline = contenders[0]
    rows = []
    for position, contender in enumerate(contenders):
        # Compared round by round, where the contenders ran side by side.
        ratio = statistics.median(
            mine / theirs for mine, theirs in zip(contender.rates, baseline.rates, strict=True)
        )
        if position == 0:
            target = "baseline"
        elif position == 1:
            target = f">= {TARGET_RATIO}x {verdict(ratio >= TARGET_RATIO)}"
        else:
            target = "(for information)"
        rows.append(
            [
                contender.name,
                f"{contender.median:,.0f}",
                f"{min(contender.rates):,.0f}-{max(contender.rates):,.0f}",
                f"{1000 / contender.median:.2f} ms",
                f"{statistics.median(contender.cpu_seconds) * 1000:.2f} ms",
                f"{ratio:.2f}x",
                target,
            ]
        )
    print_table(
        f"{backend}: one contact logged per command, {count} commands each "
        f"taken in turn, in {rounds} round{'s' if rounds != 1 else ''} (medians over the rounds)",
        ["", "ops/s", "rounds min-max", "per command", "CPU here", "vs bare", "target"],
        rows,
        notes=[
            "per command = wall clock (1 / ops/s); CPU here = this process's CPU time per "
            "command, without disk waits or the database server's work;",
            "vs bare = median over the rounds of (this rate / the bare rate in that round)",
        ],
    )


def main() -> None:
    parser = argument_parser(
        __doc__.split("\n\n")[0] if __doc__ else "",
        "commands per contender (default 2000 on sqlite, 1000 on postgres), rounded so "
        f"that each round covers whole snapshot cycles of {SNAPSHOT_INTERVAL} events",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument(
        "--warmup", type=int, default=50, help="unmeasured commands first (default 50)"
    )
    options = parser.parse_args()
    print_machine()
    for backend in usable_backends(options.backend):
        count = commands_per_round(options.count or DEFAULT_COUNT[backend], options.rounds)
        count *= options.rounds
        with (
            fresh_storage(backend, "plain") as plain_storage,
            fresh_storage(backend, "ledger") as ledger_storage,
        ):
            contenders = measure(
                plain_storage, ledger_storage, count, options.rounds, options.warmup
            )
        report(backend, contenders, count, options.rounds)


if __name__ == "__main__":
    main()
