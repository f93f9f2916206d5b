"""The SLA view's queries: targets breached or at risk as of a moment, and the
breaches a sweep has still to record (docs/domain.md, "Service rules (SLA)")."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from ledger.domain.sla.calendar import Pause
from ledger.domain.sla.clocks import Clock, Clocks
from ledger.domain.sla.months import Month
from ledger.domain.sla.targets import BUSINESS_TIME_KINDS, COVERAGE, HANDOVER, SUMMARY
from projections.base import from_iso, iso
from projections.sla.coverage import (
    coverage_at_risk,
    coverage_breaches,
    filters,
    handover_items,
    summary_items,
)
from projections.sla.items import SlaItem, reference_order
from projections.store import Transaction

# Kinds that are not cases of `view_sla_cases`: worked out from other views.
_NOT_CASES = (COVERAGE, HANDOVER, SUMMARY)

_OWN = "lapse = 0"  # a case's own row (not one of its lapses)
# What a historic breach says of itself (`ledger.domain.sla.historic`).
HISTORIC = "historic: due before it was imported"


class CaseRow(NamedTuple):
    """The columns of `view_sla_cases` that an item is made of, read by name."""

    customer_id: str
    case_id: str
    code: str
    segment: str
    owner: str | None
    kind: str
    opened_at: str
    closed_at: str | None
    settled_at: str
    due_at: str | None
    breach_at: str | None
    policy_version: str
    pauses: str
    steps: str
    policy: str
    due_date: str | None
    escalation_level: int
    recorded: int
    paused: int
    historic: int


_ITEM_COLUMNS = ", ".join(CaseRow._fields)


def _cases(tx: Transaction, condition: str, params: Sequence[Any]) -> list[CaseRow]:
    """The rows of `view_sla_cases` meeting `condition`."""
    rows = tx.fetchall(f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE {condition}", params)
    return [CaseRow(*row) for row in rows]


def breaches(
    tx: Transaction,
    clocks: Clocks,
    *,
    as_of: datetime,
    since: datetime | None = None,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
) -> list[SlaItem]:
    """Targets breached as of `as_of`: every case still open and breached then,
    however old, and every breach after `since` (default: the start of the month
    before `as_of`'s), closed or not; plus owners' months of visit coverage that
    ended short of the target after `since`, and segments' monthly summaries due
    after `since` and not submitted in time. Ordered by due time, then reference.
    Read from the SLA view, and from the handover view unless `kind` excludes it."""
    items, _ = first_breaches(
        tx, clocks, None, as_of=as_of, since=since, segment=segment, owner=owner, kind=kind
    )
    return items


def first_breaches(
    tx: Transaction,
    clocks: Clocks,
    first: int | None,
    *,
    as_of: datetime,
    since: datetime | None = None,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
) -> tuple[list[SlaItem], int]:
    """The `first` of `breaches` (all of them when None), and how many there are.

    A case's breach is due at its `breach_at`, so each of the three queries of
    cases gives only its `first` earliest rows (and any tied with the last), and
    counts the rest: a table of 50 evaluates about 150 clocks, not every breach
    of the ledger. The other kinds (coverage, handovers, summaries) are few and
    worked out whole."""
    if since is None:
        since = Month.of(as_of, clocks.timezone).previous().start(clocks.timezone)
    items: list[SlaItem] = []
    total = 0
    if kind not in _NOT_CASES:
        where, params = filters(segment=segment, owner=owner, kind=kind)
        moment, after = iso(as_of), iso(since)
        rows: list[CaseRow] = []
        # Each query with the part of it that rows due at one moment (its `breach_at`
        # meets the rest) meet too: what the ties at the cut are read by.
        for condition, values, tie in (
            (
                f"breach_at > ? AND breach_at < ?{where}",
                (after, moment, *params),
                (where.removeprefix(" AND ") or "1 = 1", params),
            ),
            (
                f"closed_at IS NULL AND breach_at <= ?{where}",
                (after, *params),
                (f"closed_at IS NULL{where}", params),
            ),
            # Closed after the moment: none as of now, and few unless the moment is
            # long ago. Read whole: asked for in due order, SQLite walks every breach
            # due before `since` (by the breach index) to find them.
            (f"closed_at > ? AND breach_at <= ?{where}", (moment, after, *params), None),
        ):
            found = _first_cases(tx, condition, values, first, tie)
            rows += found
            total += len(found) if first is None else _count_cases(tx, condition, values)
        items += [_breach_item(row, clocks, as_of, moment) for row in rows]
    others: list[SlaItem] = []
    if kind in (None, COVERAGE):
        others += coverage_breaches(tx, clocks, as_of, since, segment, owner)
    if kind in (None, HANDOVER):
        others += handover_items(tx, clocks, as_of, since, segment, owner, breached=True)
    if kind in (None, SUMMARY):
        others += summary_items(tx, clocks, as_of, since, segment, owner, breached=True)
    items = sorted(items + others, key=SlaItem.sort_key)
    return (items if first is None else items[:first]), total + len(others)


def _first_cases(
    tx: Transaction,
    condition: str,
    params: Sequence[Any],
    first: int | None,
    tie: tuple[str, Sequence[Any]] | None,
) -> list[CaseRow]:
    """The rows meeting `condition`; with `first`, only the `first` due earliest,
    those due at the same moment as the last of them in the items' own order (by
    reference). With `tie` (what rows due at that moment must meet besides), the
    database gives them in due order, then by customer code (the breach indexes
    end with the code), so that of thousands due at one moment only the first few
    are read; without, every row is read."""
    if first is None:
        return _cases(tx, condition, params)
    if tie is None:
        rows = _cases(tx, condition, params)
        rows.sort(key=lambda row: (row.breach_at, *_reference(row)))
        return rows[:first]
    rows = _cases(tx, f"{condition} ORDER BY breach_at LIMIT ?", (*params, first))
    if len(rows) < first or first == 0:
        return rows
    last = rows[-1].breach_at
    earlier = [row for row in rows if row.breach_at != last]
    wanted = first - len(earlier)
    # Codes in the order Python sorts them, whatever the database's collation.
    code = 'code COLLATE "C"' if tx.postgres else "code"
    # Not `condition` again: its range of `breach_at` beside the equality made
    # SQLite walk the range (every open breach) rather than the moment's rows.
    tied, tie_params = f"breach_at = ? AND {tie[0]}", (last, *tie[1])
    # The `wanted`-th code due at the last moment, and every row due then up to it
    # (a customer may have several cases due at one moment): the first by reference.
    cut = tx.fetchall(
        f"SELECT code FROM view_sla_cases WHERE {tied} ORDER BY {code} LIMIT 1 OFFSET ?",
        (*tie_params, wanted - 1),
    )
    up_to = f" AND {code} <= ?" if cut else ""
    found = _cases(tx, f"{tied}{up_to}", (*tie_params, *(c[0] for c in cut[:1])))
    found.sort(key=_reference)
    return earlier + found[:wanted]


def _reference(row: CaseRow) -> tuple[Any, ...]:
    return reference_order(row.code, row.case_id, row.owner)


def _count_cases(tx: Transaction, condition: str, params: Sequence[Any]) -> int:
    row = tx.fetchone(f"SELECT COUNT(*) FROM view_sla_cases WHERE {condition}", params)
    return int(row[0]) if row else 0


def at_risk(
    tx: Transaction,
    clocks: Clocks,
    *,
    as_of: datetime,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
) -> list[SlaItem]:
    """Open cases, not paused, past the at-risk share of their target but not yet
    due as of `as_of`; plus owners whose coverage of the month so far is short of
    the target once that share of the month has passed."""
    items: list[SlaItem] = []
    if kind not in _NOT_CASES:
        where, params = filters(segment=segment, owner=owner, kind=kind)
        moment = iso(as_of)
        settled = _cases(
            tx,
            f"closed_at IS NULL AND risk_at <= ? AND due_at > ? AND settled_at <= ?{where}",
            (moment, moment, moment, *params),
        )
        # Cases with steps after the moment (few, unless it is long ago): replay
        # their steps up to it. A case's own row replays to the period current
        # then, so a lapse's row would only repeat it.
        unsettled = _cases(tx, f"settled_at > ? AND {_OWN}{where}", (moment, *params))
        for row in settled:
            items.append(_risk_item(row, clocks, as_of, None))
        for row in unsettled:
            clock = clocks.evaluate(_row_case(row), as_of)
            if (
                clock is not None
                and clock.closed_at is None
                and clock.risk_at is not None
                and clock.due_at is not None
                and clock.risk_at <= as_of < clock.due_at
            ):
                items.append(_risk_item(row, clocks, as_of, clock))
    if kind in (None, COVERAGE):
        items += coverage_at_risk(tx, clocks, as_of, segment, owner)
    if kind in (None, HANDOVER):
        items += handover_items(tx, clocks, as_of, None, segment, owner, breached=False)
    if kind in (None, SUMMARY):
        items += summary_items(tx, clocks, as_of, None, segment, owner, breached=False)
    return sorted(items, key=SlaItem.sort_key)


def unrecorded_breaches(tx: Transaction, clocks: Clocks, *, as_of: datetime) -> list[SlaItem]:
    """Breaches of cases as of `as_of` that no sweep has recorded yet, oldest first;
    historic breaches are never swept (`ledger.domain.sla.historic`)."""
    rows = _cases(tx, "breach_at < ? AND recorded = 0 AND historic = 0", (iso(as_of),))
    return sorted((_breach_item(row, clocks, as_of) for row in rows), key=SlaItem.sort_key)


def breached_open_cases(
    tx: Transaction,
    clocks: Clocks,
    *,
    as_of: datetime,
    kinds: Iterable[str] = ("inquiry", "complaint"),
) -> list[SlaItem]:
    """Cases of `kinds` breached and still open as of `as_of`, for the sweep to
    escalate: not those whose breach is historic (`ledger.domain.sla.historic`)."""
    wanted = list(kinds)
    rows = _cases(
        tx,
        "closed_at IS NULL AND breach_at < ? AND historic = 0 "
        f"AND kind IN ({tx.in_list(len(wanted))})",
        (iso(as_of), *wanted),
    )
    return sorted((_breach_item(row, clocks, as_of) for row in rows), key=SlaItem.sort_key)


def _row_case(row: CaseRow) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "steps": json.loads(row.steps),
        "policy": row.policy,
        "due": row.due_date,
    }


def _pauses(text: str) -> list[Pause]:
    if text == "[]":
        return []
    return [
        (from_iso(start), None if end is None else from_iso(end)) for start, end in json.loads(text)
    ]


def _breach_item(
    row: CaseRow, clocks: Clocks, as_of: datetime, moment: str | None = None
) -> SlaItem:
    assert row.breach_at is not None
    due = from_iso(row.breach_at)
    if row.settled_at > (moment or iso(as_of)):
        clock = clocks.evaluate(_row_case(row), as_of)
        assert clock is not None
        closed, paused, pauses = clock.closed_at, clock.paused, list(clock.pauses)
    else:
        closed = None if row.closed_at is None else from_iso(row.closed_at)
        paused, pauses = bool(row.paused), _pauses(row.pauses)
    late = clocks.elapsed(row.kind, row.policy, due, closed or as_of, pauses)
    return _item(
        row,
        opened_at=from_iso(row.opened_at),
        due_at=due,
        closed_at=closed,
        paused=paused,
        late=late,
    )


def _risk_item(row: CaseRow, clocks: Clocks, as_of: datetime, clock: Clock | None) -> SlaItem:
    if clock is None:
        assert row.due_at is not None
        due, opened, pauses = from_iso(row.due_at), from_iso(row.opened_at), _pauses(row.pauses)
    else:
        assert clock.due_at is not None
        due, opened, pauses = clock.due_at, clock.opened_at, list(clock.pauses)
    left = clocks.elapsed(row.kind, row.policy, as_of, due, pauses)
    return _item(row, opened_at=opened, due_at=due, closed_at=None, paused=False, left=left)


def _item(
    row: CaseRow,
    *,
    opened_at: datetime,
    due_at: datetime,
    closed_at: datetime | None,
    paused: bool,
    late: timedelta | None = None,
    left: timedelta | None = None,
) -> SlaItem:
    return SlaItem(
        kind=row.kind,
        customer=row.code,
        case=row.case_id,
        owner=row.owner,
        segment=row.segment,
        opened_at=opened_at,
        due_at=due_at,
        status="closed" if closed_at else ("paused" if paused else "open"),
        closed_at=closed_at,
        policy_version=row.policy_version,
        business_time=row.kind in BUSINESS_TIME_KINDS,
        late=late,
        left=left,
        escalation_level=int(row.escalation_level),
        recorded=bool(row.recorded),
        historic=bool(row.historic),
        detail=HISTORIC if row.historic else "",
    )
