"""Warnings about what is still held at a customer by someone no longer responsible
for it, for `brief` and `customer show` (docs/domain.md, "Follow-through").

The rule is the domain's (`ledger.domain.holdings`); this module only reads the
holders from a customer's 360 document and the accounts' status from the staff
view, and says what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.domain.holdings import account_gone, count_moved, open_holdings, stale_holdings
from projections.staff import staff_rows
from projections.store import Transaction

Doc = dict[str, Any]


def staff_statuses(tx: Transaction) -> dict[str, str]:
    """Each account's status (active, frozen, deactivated), from the staff view."""
    return {row["staff_id"]: row["status"] for row in staff_rows(tx)}


def holding_warnings(doc: Doc, status_of: Callable[[str], str | None]) -> list[str]:
    """One line per thing held by someone no longer responsible for it, and one
    for an owner whose account is not active, each saying how to put it right."""
    code, owner = doc["code"], doc.get("owner")
    warnings = []
    owner_gone = account_gone(status_of(owner)) if owner else None
    past_owners = [o["previous"] for o in doc.get("owners", []) if o.get("previous")]
    stale = stale_holdings(
        open_holdings(doc["cases"], doc["people"]), status_of, owner, past_owners
    )
    if owner is not None and owner_gone is not None:
        # What the departed owner holds moves with the customer: said once, in the
        # owner's warning, not again item by item.
        theirs = count_moved(s.holding.role for s in stale if s.holding.holder == owner)
        warnings.append(
            f"the owner {owner} {owner_gone}: hand the customer to an active owner "
            f"(`ledger owner reassign --from {owner} --to STAFF`), which moves what "
            f"{owner} holds with it" + (f" ({theirs})" if theirs else "")
        )
        stale = [s for s in stale if s.holding.holder != owner]
    fix = (
        f"run `ledger owner repair {code}`"
        if owner is not None and owner_gone is None
        else "hand the customer to an active owner first"
    )
    for s in stale:
        h = s.holding
        if h.role == "counterpart":
            what = f"{h.item} {doc['people'][h.item]['name']}'s counterpart is"
        else:
            what = f"{h.role} {h.item} ({doc['cases'][h.item].get('title', '')}) is held by"
        warnings.append(f"{what} {h.holder}, who {s.why}: {fix}")
    return warnings
