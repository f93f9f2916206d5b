"""A minimal import session for the record kinds' tests (the import's own session
is docs/import.md's): it resolves staff, customers and records by external id the
way the contract says (`ledger.imports.contract.ImportSession`), runs a row's steps
in their order, and turns a command that does not validate into a rejected row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.customer import PREFIXES
from ledger.domain.provenance import (
    import_causation_id,
    import_command_id,
    import_correlation_id,
    origin_of,
)
from ledger.errors import StaffNotFoundError
from ledger.imports.contract import Kind, RowRejected, SourceRow, Step
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


@dataclass
class Session:
    """The import session a row's steps see."""

    app: Ledger
    system: str = SYSTEM
    customers: dict[str, str] = field(default_factory=dict)  # external id -> code

    def command_fields(
        self, row: SourceRow, kind: str, external_id: str, step: str = "", *, actor: str
    ) -> dict[str, Any]:
        return {
            "actor": actor,
            "command_id": import_command_id(self.system, kind, external_id, step),
            "correlation_id": import_correlation_id(IMPORTER, RUN),
            "causation_id": import_causation_id(row.file, row.line),
        }

    def staff(self, row: SourceRow, column: str) -> str:
        staff_id = row.get(column)
        try:
            self.app.staff_member(staff_id)
        except StaffNotFoundError:
            raise RowRejected(f"unknown staff {staff_id!r} in {column}") from None
        return staff_id

    def customer_ref(self, row: SourceRow, external_id: str) -> str:
        if external_id not in self.customers:
            raise RowRejected(f"unknown customer id {external_id!r}")
        return self.customers[external_id]

    def local_id(self, row: SourceRow, customer: str, kind: str, external_id: str) -> str:
        """The local id an imported command of this system with this external id
        opened, found in the customer's record of its commands."""
        recorded = self.app.get_customer(customer).commands  # by code, as the import's
        shape = re.compile(rf"{PREFIXES[kind]}\d+")
        for command_id, (_, subject) in recorded.items():
            origin = origin_of(SimpleNamespace(command_id=command_id))
            if (
                origin is not None
                and origin.system == self.system
                and origin.external_id == external_id
                and shape.fullmatch(str(subject))
            ):
                return str(subject)
        raise RowRejected(f"unknown {kind} id {external_id!r} of customer {customer}")

    def build(self, model: type[M], payload: dict[str, Any]) -> M:
        try:
            return model(**payload)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise RowRejected(f"{where}: {first['msg']}") from None

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
    def customer(self, external_id: str, name: str, owner: str = "zhang.min") -> str:
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

    def person(self, customer: str, external_id: str, name: str) -> str:
        """A key person added as the import of people.csv would."""
        return self.app.add_key_person(
            c.AddKeyPerson(
                actor="li.wei", customer=self.customers[customer], name=name,
                decision_role=DecisionRole.DECISION_MAKER, occurred_at=REGISTERED,
                command_id=import_command_id(self.system, "people", external_id),
            )
        ).subject  # fmt: skip
