"""The import's session for the record kinds' tests: the real one
(`ledger.imports.session`), run outside a batch, with helpers that register
customers and people as an import of customers.csv and people.csv would, and run
a row's steps in the order the contract gives them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.provenance import (
    import_command_id,
    import_correlation_id,
)
from ledger.imports.contract import Kind, SourceRow, Step
from ledger.imports.session import Session as ImportSession
from ledger.receipts import Receipt
from ledger.vocabulary import DecisionRole

M = TypeVar("M", bound=BaseModel)

SYSTEM = "crm"
IMPORTER = "ops"
RUN = "20261204T190000"
TIMEZONE = ZoneInfo("Asia/Shanghai")
REGISTERED = datetime(2020, 1, 6, 9, tzinfo=UTC)


def memory_ledger() -> Ledger:
    """A ledger in an in-memory SQLite database."""
    return Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"})


class Session(ImportSession):
    """The import's own session, used outside a batch (each step saves at once),
    with what the kinds' tests need to set up customers and run rows."""

    def __init__(self, app: Ledger, system: str = SYSTEM) -> None:
        super().__init__(
            app, system, importer=IMPORTER, correlation_id=import_correlation_id(IMPORTER, RUN)
        )
        self.customers: dict[str, str] = {}  # external id -> code

    # ------------------------------------------------------------ for tests
    def steps(self, kind: Kind, values: dict[str, str], line: int = 2) -> list[Step]:
        row = SourceRow(f"{kind.name}.csv", line, ",".join(values.values()), values)
        steps = kind.steps(row, TIMEZONE, self.system)
        return sorted(steps, key=lambda s: (s.when, kind.rank, s.order))

    def run(self, kind: Kind, values: dict[str, str], line: int = 2) -> list[Receipt | None]:
        """Run one row's steps in their order."""
        return [step.run(self) for step in self.steps(kind, values, line)]

    def run_rows(self, *rows: tuple[Kind, dict[str, str]]) -> list[Receipt | None]:
        """Run the steps of several rows in the one order the contract gives a
        customer's steps: by time, kind's rank, order in the row, file and line."""
        keyed = [
            ((step.when, kind.rank, step.order, f"{kind.name}.csv", line), step)
            for line, (kind, values) in enumerate(rows, start=2)
            for step in self.steps(kind, values, line)
        ]
        return [step.run(self) for _, step in sorted(keyed, key=lambda pair: pair[0])]

    # ------------------------------------------------------------ set-up
    def register(self, external_id: str, name: str, owner: str = "zhang.min") -> str:
        """A customer registered as the import of customers.csv would."""
        code = self.app.register_customer(
            c.RegisterCustomer(
                actor="li.wei", name=name, segment="airport", owner=owner,
                occurred_at=REGISTERED,
                command_id=import_command_id(self.system, "customers", external_id),
                external_refs={self.system: external_id},
            )
        ).customer_code  # fmt: skip
        self.customers[external_id] = code
        return code

    def add_person(self, customer: str, external_id: str, name: str) -> str:
        """A key person added as the import of people.csv would."""
        return self.app.add_key_person(
            c.AddKeyPerson(
                actor="li.wei", customer=self.customers[customer], name=name,
                decision_role=DecisionRole.DECISION_MAKER, occurred_at=REGISTERED,
                command_id=import_command_id(self.system, "people", external_id),
            )
        ).subject  # fmt: skip
