"""The SLA view's rows as written: a case's clock worked out once per flush, its
lapses, the customer's history as owner and segment periods, the visits."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Any

from ledger.domain.sla.clocks import CLOSE, OPEN, Clocks
from ledger.domain.sla.historic import is_historic
from ledger.domain.sla.targets import RECURRING_KINDS, TARGETS
from projections.base import dumps, from_iso, iso
from projections.sla.batch import Batch, Doc, new_customer
from projections.store import Transaction, chunks


def store(tx: Transaction, batch: Batch, clocks: Clocks, *, fresh: bool) -> None:
    # Tables are written in the order `create` indexes them, so that a catch-up
    # here and another process creating the tables take their locks in one order.
    customers = {cid: batch.customers[cid] for cid in sorted(batch.changed_customers)}
    for doc in customers.values():
        _settle_current(doc)
    history_changed = sorted(cid for cid in batch.moved if cid in customers)
    tx.executemany(
        "UPDATE view_sla_cases SET code = ?, segment = ?, owner = ? WHERE customer_id = ?",
        [
            (
                batch.customers[cid]["code"],
                batch.customers[cid]["segment"],
                batch.customers[cid]["owner"],
                cid,
            )
            for cid in history_changed
            if cid not in batch.fresh
        ],
    )
    rows: list[tuple[Any, ...]] = []
    fresh_rows: list[tuple[Any, ...]] = []
    stale_lapses: list[tuple[str, str]] = []
    for key in sorted(batch.changed_cases):
        case = batch.cases[key]
        customer = batch.customers.get(case["customer_id"]) or new_customer(case["customer_id"])
        own, lapses = _case_rows(key, case, customer, clocks)
        if own is not None:
            (fresh_rows if key in batch.fresh_cases else rows).append(own)
        if case["kind"] in RECURRING_KINDS and key not in batch.fresh_cases:
            # Its lapses may be stored already (and a corrected time can move a
            # follow-up): they are written anew.
            stale_lapses.append((case["customer_id"], case["case_id"]))
        fresh_rows += lapses
    tx.executemany(
        "DELETE FROM view_sla_cases WHERE customer_id = ? AND case_id = ? AND lapse = 1",
        stale_lapses,
    )
    tx.insert_new("view_sla_cases", CASE_COLUMNS, fresh_rows)
    tx.executemany(
        f"INSERT INTO view_sla_cases ({', '.join(CASE_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in CASE_COLUMNS)}) "
        "ON CONFLICT (case_key) DO UPDATE SET code = excluded.code, "
        "segment = excluded.segment, owner = excluded.owner, category = excluded.category, "
        "opened_at = excluded.opened_at, closed_at = excluded.closed_at, "
        "settled_at = excluded.settled_at, paused = excluded.paused, due_at = excluded.due_at, "
        "risk_at = excluded.risk_at, breach_at = excluded.breach_at, "
        "escalation_level = excluded.escalation_level, recorded = excluded.recorded, "
        "due_date = excluded.due_date, pauses = excluded.pauses, steps = excluded.steps, "
        "escalations = excluded.escalations, recorded_lapses = excluded.recorded_lapses, "
        "historic = excluded.historic",
        rows,
    )
    customer_rows = [
        (
            cid,
            d["code"],
            d["segment"],
            d["owner"],
            d["stage"],
            dumps(d["history"]),
            dumps(d["escalations"]),
        )
        for cid, d in customers.items()
    ]
    tx.insert_new(
        "view_sla_customers",
        CUSTOMER_COLUMNS,
        [row for row in customer_rows if row[0] in batch.fresh],
    )
    tx.executemany(
        f"INSERT INTO view_sla_customers ({', '.join(CUSTOMER_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET "
        "code = excluded.code, segment = excluded.segment, owner = excluded.owner, "
        "stage = excluded.stage, history = excluded.history, escalations = excluded.escalations",
        [row for row in customer_rows if row[0] not in batch.fresh],
    )
    for chunk in chunks([cid for cid in history_changed if cid not in batch.fresh]):
        tx.execute(
            f"DELETE FROM view_sla_periods WHERE customer_id IN ({tx.in_list(len(chunk))})",
            chunk,
        )
    tx.insert_new(
        "view_sla_periods",
        ("customer_id", "since", "until", "owner", "segment", "active"),
        [
            (cid, *period)
            for cid in history_changed
            for period in periods(batch.customers[cid]["history"])
        ],
    )
    if fresh:
        tx.insert_new("view_sla_visits", ("customer_id", "version", "visited_at"), batch.visits)
    else:
        tx.executemany(
            "INSERT INTO view_sla_visits (customer_id, version, visited_at) VALUES (?, ?, ?) "
            "ON CONFLICT (customer_id, version) DO UPDATE SET visited_at = excluded.visited_at",
            batch.visits,
        )


CASE_COLUMNS = (
    "case_key",
    "customer_id",
    "case_id",
    "code",
    "segment",
    "owner",
    "kind",
    "target",
    "category",
    "opened_at",
    "closed_at",
    "settled_at",
    "paused",
    "due_at",
    "risk_at",
    "breach_at",
    "escalation_level",
    "recorded",
    "policy_version",
    "policy",
    "due_date",
    "pauses",
    "steps",
    "escalations",
    "lapse",
    "recorded_lapses",
    "imported_at",
    "historic",
)
CUSTOMER_COLUMNS = ("customer_id", "code", "segment", "owner", "stage", "history", "escalations")


def _case_rows(
    key: str, case: Doc, customer: Doc, clocks: Clocks
) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]]]:
    """The case's own row (None before it opened) and one row per lapse of its
    clock before the current period."""
    clock = clocks.evaluate(case)
    if clock is None:
        return None, []
    settled = max(at for at, _, _ in case["steps"])
    recorded_lapses = case.get("recorded_lapses", [])
    recurring = case["kind"] in RECURRING_KINDS
    escalation_level = max(case["escalations"].values(), default=0)
    policy_version = clocks.policy_of(case["policy"]).version
    who = (case["customer_id"], case["case_id"], customer["code"], customer["segment"])
    what = (customer["owner"], case["kind"], TARGETS[case["kind"]], case["category"])
    due_at = _iso_or_none(clock.due_at)
    opened = iso(clock.opened_at)
    # Whether a breach was the old system's (`ledger.domain.sla.historic`).
    imported = case.get("imported_at")
    imported_at = None if imported is None else from_iso(imported)
    own = (
        key,
        *who,
        *what,
        opened,
        _iso_or_none(clock.closed_at),
        settled,
        int(clock.paused),
        due_at,
        _iso_or_none(clock.risk_at),
        _iso_or_none(clock.breach_at),
        escalation_level,
        int(due_at in recorded_lapses if recurring else case["recorded"]),
        policy_version,
        case["policy"],
        case["due"],
        dumps([[iso(start), _iso_or_none(end)] for start, end in clock.pauses])
        if clock.pauses
        else "[]",
        dumps(case["steps"]),
        dumps(case["escalations"]) if case["escalations"] else "{}",
        0,
        dumps(recorded_lapses),
        imported,
        int(is_historic(clock.breach_at, imported_at)),
    )
    lapses = []
    for lapse in clocks.lapses(case):
        start, due, ended = iso(lapse.start), iso(lapse.due_at), iso(lapse.ended_at)
        lapses.append(
            (
                f"{key}@{due}",
                *who,
                *what,
                opened,  # the case's, as on its own row: the lapse's start is in its steps
                ended,
                ended,
                0,
                due,
                iso(lapse.risk_at),
                due,
                escalation_level,
                int(due in recorded_lapses),
                policy_version,
                case["policy"],
                None,
                "[]",
                # Its own steps: evaluated alone, the row is that one period.
                dumps([[start, 0, OPEN], [ended, 0, CLOSE]]),
                "{}",
                1,
                "[]",
                imported,
                int(is_historic(lapse.due_at, imported_at)),
            )
        )
    return own, lapses


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def _settle_current(customer: Doc) -> None:
    """The customer's code, segment, owner and stage now: the last recorded of each."""
    for _, _, name, value in sorted(customer["history"], key=lambda entry: entry[1]):
        customer[name] = value


def periods(history: list[list[Any]]) -> list[tuple[str, str | None, str | None, str, int]]:
    """(since, until, owner, segment, active) periods from a customer's history, in
    the order things happened."""
    state: Doc = {"owner": None, "segment": "", "stage": ""}
    result: list[list[Any]] = []
    ordered = sorted(history, key=lambda entry: (entry[0], entry[1]))
    for at, entries in groupby(ordered, key=lambda entry: str(entry[0])):
        for _, _, name, value in entries:
            if name in state:
                state[name] = value
        current = [state["owner"], state["segment"], int(state["stage"] != "terminated")]
        if result and result[-1][2:] == current:
            continue
        if result:
            result[-1][1] = at
        result.append([at, None, *current])
    return [(p[0], p[1], p[2], p[3], p[4]) for p in result]
