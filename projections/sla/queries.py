"""The SLA view's queries: targets breached or at risk as of a moment, and the
breaches a sweep has still to record (docs/domain.md, "Service rules (SLA)")."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.sla.calendar import Pause
from ledger.domain.sla.clocks import Clock, Clocks
from ledger.domain.sla.months import Month
from ledger.domain.sla.targets import BUSINESS_TIME_KINDS, COVERAGE, HANDOVER
from projections.base import from_iso, iso
from projections.handover import Handovers
from projections.sla.coverage import coverage_at_risk, coverage_breaches, filters, handover_items
from projections.sla.items import SlaItem
from projections.sla.view import SlaCases

if TYPE_CHECKING:
    from projections.views import Views

# Kinds that are not cases of `view_sla_cases`: worked out from other views.
_NOT_CASES = (COVERAGE, HANDOVER)

_ITEM_COLUMNS = (
    "customer_id, case_id, code, segment, owner, kind, opened_at, closed_at, settled_at, "
    "due_at, breach_at, policy_version, pauses, steps, policy, due_date, escalation_level, "
    "recorded, paused"
)
_OWN, _POLICY = "lapse = 0", 14  # a case's own row; the column of its stamp


def breaches(
    views: Views,
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
    ended short of the target after `since`. Ordered by due time, then reference."""
    clocks = _caught_up(views, kind).clocks
    if since is None:
        since = Month.of(as_of, clocks.timezone).previous().start(clocks.timezone)
    items: list[SlaItem] = []
    with views.store.transaction() as tx:
        if kind not in _NOT_CASES:
            where, params = filters(segment=segment, owner=owner, kind=kind)
            moment, after = iso(as_of), iso(since)
            rows = tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases "
                f"WHERE breach_at > ? AND breach_at < ?{where}",
                (after, moment, *params),
            )
            rows += tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases "
                f"WHERE closed_at IS NULL AND breach_at <= ?{where}",
                (after, *params),
            )
            rows += tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases "
                f"WHERE closed_at > ? AND breach_at <= ?{where}",
                (moment, after, *params),
            )
            items += [_breach_item(row, clocks, as_of, moment) for row in rows]
        if kind in (None, COVERAGE):
            items += coverage_breaches(tx, clocks, as_of, since, segment, owner)
        if kind in (None, HANDOVER):
            items += handover_items(tx, clocks, as_of, since, segment, owner, breached=True)
    return sorted(items, key=SlaItem.sort_key)


def at_risk(
    views: Views,
    *,
    as_of: datetime,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
) -> list[SlaItem]:
    """Open cases, not paused, past the at-risk share of their target but not yet
    due as of `as_of`; plus owners whose coverage of the month so far is short of
    the target once that share of the month has passed."""
    clocks = _caught_up(views, kind).clocks
    items: list[SlaItem] = []
    with views.store.transaction() as tx:
        if kind not in _NOT_CASES:
            where, params = filters(segment=segment, owner=owner, kind=kind)
            moment = iso(as_of)
            settled = tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE closed_at IS NULL "
                f"AND risk_at <= ? AND due_at > ? AND settled_at <= ?{where}",
                (moment, moment, moment, *params),
            )
            # Cases with steps after the moment (few, unless it is long ago): replay
            # their steps up to it. A case's own row replays to the period current
            # then, so a lapse's row would only repeat it.
            unsettled = tx.fetchall(
                f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases "
                f"WHERE settled_at > ? AND {_OWN}{where}",
                (moment, *params),
            )
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
    return sorted(items, key=SlaItem.sort_key)


def unrecorded_breaches(views: Views, *, as_of: datetime) -> list[SlaItem]:
    """Breaches of cases as of `as_of` that no sweep has recorded yet, oldest first."""
    sla = _caught_up(views)
    with views.store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE breach_at < ? AND recorded = 0",
            (iso(as_of),),
        )
    return sorted((_breach_item(row, sla.clocks, as_of) for row in rows), key=SlaItem.sort_key)


def breached_open_cases(
    views: Views, *, as_of: datetime, kinds: Iterable[str] = ("inquiry", "complaint")
) -> list[SlaItem]:
    """Cases of `kinds` breached and still open as of `as_of`."""
    sla = _caught_up(views)
    wanted = list(kinds)
    with views.store.transaction() as tx:
        rows = tx.fetchall(
            f"SELECT {_ITEM_COLUMNS} FROM view_sla_cases WHERE closed_at IS NULL "
            f"AND breach_at < ? AND kind IN ({tx.in_list(len(wanted))})",
            (iso(as_of), *wanted),
        )
    return sorted((_breach_item(row, sla.clocks, as_of) for row in rows), key=SlaItem.sort_key)


def _caught_up(views: Views, kind: str | None = None) -> SlaCases:
    """The SLA view, caught up; with the handover view when `kind` includes it."""
    views.catch_up([SlaCases.name, *([Handovers.name] if kind in (None, HANDOVER) else [])])
    sla = views.projection(SlaCases.name)
    assert isinstance(sla, SlaCases)
    return sla


def _row_case(row: Sequence[Any]) -> dict[str, Any]:
    return {"kind": row[5], "steps": json.loads(row[13]), "policy": row[14], "due": row[15]}


def _pauses(text: str) -> list[Pause]:
    if text == "[]":
        return []
    return [
        (from_iso(start), None if end is None else from_iso(end)) for start, end in json.loads(text)
    ]


def _breach_item(
    row: Sequence[Any], clocks: Clocks, as_of: datetime, moment: str | None = None
) -> SlaItem:
    kind = row[5]
    due = from_iso(row[10])
    if row[8] > (moment or iso(as_of)):
        clock = clocks.evaluate(_row_case(row), as_of)
        assert clock is not None
        closed, paused, pauses = clock.closed_at, clock.paused, list(clock.pauses)
    else:
        closed = None if row[7] is None else from_iso(row[7])
        paused, pauses = bool(row[18]), _pauses(row[12])
    late = clocks.elapsed(kind, row[_POLICY], due, closed or as_of, pauses)
    return SlaItem(
        kind=kind,
        customer=row[2],
        case=row[1],
        owner=row[4],
        segment=row[3],
        opened_at=from_iso(row[6]),
        due_at=due,
        status="closed" if closed else ("paused" if paused else "open"),
        closed_at=closed,
        policy_version=row[11],
        business_time=kind in BUSINESS_TIME_KINDS,
        late=late,
        escalation_level=int(row[16]),
        recorded=bool(row[17]),
    )


def _risk_item(row: Sequence[Any], clocks: Clocks, as_of: datetime, clock: Clock | None) -> SlaItem:
    kind = row[5]
    due = from_iso(row[9]) if clock is None else clock.due_at
    assert due is not None
    pauses = _pauses(row[12]) if clock is None else list(clock.pauses)
    left = clocks.elapsed(kind, row[_POLICY], as_of, due, pauses)
    return SlaItem(
        kind=kind,
        customer=row[2],
        case=row[1],
        owner=row[4],
        segment=row[3],
        opened_at=from_iso(row[6]) if clock is None else clock.opened_at,
        due_at=due,
        status="open",
        closed_at=None,
        policy_version=row[11],
        business_time=kind in BUSINESS_TIME_KINDS,
        left=left,
        escalation_level=int(row[16]),
        recorded=bool(row[17]),
    )
