"""The SLA view's working state: the customers and cases events read and change,
held between flushes, and how they are loaded from their stored rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

import orjson

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.events.cases import POLICY_BEFORE_STAMPING
from ledger.domain.sla.historic import imported_at
from projections.base import Decoded, Handlers, dumps, iso
from projections.store import Transaction, chunks

Doc = dict[str, Any]

# Cases opened before policies were stamped, and promises made in visit reports.
UNSTAMPED_POLICY = dumps(POLICY_BEFORE_STAMPING)


@dataclass
class Batch:
    """The rows events read and change, and what changed since they were last written."""

    customers: dict[str, Doc]
    cases: dict[str, Doc]
    # Each customer's cases (case key -> case), to find them without a scan.
    by_customer: dict[str, dict[str, Doc]] = field(default_factory=dict)
    changed_customers: set[str] = field(default_factory=set)
    fresh: set[str] = field(default_factory=set)  # customers with no row stored yet
    fresh_cases: set[str] = field(default_factory=set)  # cases with no row stored yet
    moved: set[str] = field(default_factory=set)  # code, segment or owner changed
    changed_cases: set[str] = field(default_factory=set)
    visits: list[tuple[str, int, str]] = field(default_factory=list)

    def hold(self, key: str, case: Doc) -> None:
        self.cases[key] = case
        self.by_customer.setdefault(case["customer_id"], {})[key] = case

    def written(self) -> None:
        """Everything held is stored now."""
        self.changed_customers.clear()
        self.fresh.clear()
        self.fresh_cases.clear()
        self.moved.clear()
        self.changed_cases.clear()
        self.visits = []

    def customer(self, customer_id: str) -> Doc:
        doc = self.customers.get(customer_id)
        if doc is None:
            doc = self.customers[customer_id] = new_customer(customer_id)
            self.fresh.add(customer_id)
        self.changed_customers.add(customer_id)
        return doc

    def case(self, customer_id: str, case_id: str) -> Doc | None:
        key = f"{customer_id}/{case_id}"
        doc = self.cases.get(key)
        if doc is not None:
            self.changed_cases.add(key)
        return doc

    def open_case(
        self, customer_id: str, case_id: str, kind: str, opening: CustomerEvent, **values: Any
    ) -> Doc:
        """A case `opening` opened (its recording time says whether an import
        brought it in, `ledger.domain.sla.historic`)."""
        key = f"{customer_id}/{case_id}"
        imported = imported_at(opening)
        doc: Doc = {
            "customer_id": customer_id,
            "case_id": case_id,
            "kind": kind,
            "category": "",
            "policy": UNSTAMPED_POLICY,
            "due": None,
            "steps": [],
            "escalations": {},
            "recorded": False,
            "recorded_lapses": [],
            "imported_at": None if imported is None else iso(imported),
            **values,
        }
        if key not in self.cases:
            self.fresh_cases.add(key)
        self.hold(key, doc)
        self.changed_cases.add(key)
        return doc


def new_customer(customer_id: str) -> Doc:
    return {
        "customer_id": customer_id,
        "code": "",
        "segment": "",
        "owner": None,
        "stage": "",
        "history": [],
        "escalations": {},
    }


def load(tx: Transaction, decoded: Decoded, batch: Batch) -> None:
    """Read into `batch` the stored rows these events need that it does not hold."""
    ids = sorted({k for k in decoded.keys if k not in batch.customers})
    customers = batch.customers
    for chunk in chunks(ids):
        for customer_id, code, segment, owner, stage, history, escalations in tx.fetchall(
            "SELECT customer_id, code, segment, owner, stage, history, escalations "
            f"FROM view_sla_customers WHERE customer_id IN ({tx.in_list(len(chunk))})",
            chunk,
        ):
            customers[str(customer_id)] = {
                "customer_id": str(customer_id),
                "code": code,
                "segment": segment,
                "owner": owner,
                "stage": stage,
                "history": orjson.loads(history),
                "escalations": orjson.loads(escalations),
            }
    needed = _Needed(customers)
    for event, customer_id in zip(decoded.events, decoded.keys, strict=True):
        _NEEDS[type(event)](event, customer_id, needed)
    keys = needed.keys
    cases: dict[str, Doc] = {}
    for chunk in chunks(sorted(keys - set(batch.cases))):
        cases.update(_case_rows(tx, f"case_key IN ({tx.in_list(len(chunk))})", chunk))
    for key, case in cases.items():
        if key not in batch.cases:  # what is held may have changed since it was stored
            batch.hold(key, case)


@dataclass
class _Needed:
    """The keys of the cases a batch's events concern, as they are met."""

    customers: dict[str, Doc]  # the customers' rows held
    keys: set[str] = field(default_factory=set)
    # (customer, escalation) -> the case it concerns, for escalations raised in the batch
    raised: dict[tuple[str, str], str] = field(default_factory=dict)


@singledispatch
def _needs(event: CustomerEvent, customer_id: str, needed: _Needed) -> None:
    """An event of the case it names, if any."""
    case_id = getattr(event, "case_id", None)
    if case_id:
        needed.keys.add(f"{customer_id}/{case_id}")


_NEEDS = Handlers(_needs)


@_needs.register
def _(event: ev.EscalationRaised, customer_id: str, needed: _Needed) -> None:
    needed.raised[(customer_id, event.case_id)] = event.concerning
    needed.keys.add(f"{customer_id}/{event.concerning}")


@_needs.register
def _(event: ev.EscalationResolved, customer_id: str, needed: _Needed) -> None:
    concerning = needed.raised.get((customer_id, event.case_id)) or concerning_case(
        needed.customers.get(customer_id), event.case_id
    )
    if concerning:
        needed.keys.add(f"{customer_id}/{concerning}")


def concerning_case(customer: Doc | None, escalation_id: str) -> str | None:
    if customer is None or escalation_id not in customer["escalations"]:
        return None
    return str(customer["escalations"][escalation_id][0])


def _case_rows(tx: Transaction, where: str, params: Sequence[str]) -> dict[str, Doc]:
    rows = tx.fetchall(
        "SELECT case_key, customer_id, case_id, kind, category, policy, due_date, steps, "
        "escalations, recorded, recorded_lapses, imported_at "
        f"FROM view_sla_cases WHERE lapse = 0 AND ({where})",
        params,
    )
    cases: dict[str, Doc] = {}
    for (
        key,
        customer_id,
        case_id,
        kind,
        category,
        policy,
        due,
        steps,
        escalations,
        recorded,
        recorded_lapses,
        imported,
    ) in rows:
        cases[str(key)] = {
            "customer_id": str(customer_id),
            "case_id": str(case_id),
            "kind": kind,
            "category": category,
            "policy": policy,
            "due": due,
            "steps": orjson.loads(steps),
            "escalations": orjson.loads(escalations),
            "recorded": bool(recorded),
            "recorded_lapses": orjson.loads(recorded_lapses),
            "imported_at": imported,
        }
    return cases
