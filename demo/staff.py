"""The demo's staff accounts: an admin who founds the directory, an executive,
an auditor, a head and three staff per segment, and the leaver deactivated on
their last day."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from demo.timeline import HISTORY_DAYS, leaver_last_day
from ledger import commands as c
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.errors import AccessDeniedError

if TYPE_CHECKING:
    from ledger.application import Ledger

SEGMENTS = ("airport", "technology", "real_estate")
# The first of each segment heads it: they register customers, hand accounts over
# and close escalations.
STAFF: dict[str, tuple[str, ...]] = {
    "airport": ("li.wei", "zhang.min", "liu.yang", "zhao.lei"),
    "technology": ("chen.jing", "wang.fang", "sun.hao", "zhou.ting"),
    "real_estate": ("wang.qiang", "huang.li", "wu.xiaoming", "xu.na"),
}
# One account manager leaves during the year: every customer they owned is handed
# over, the pain the ledger exists for.
LEAVER = "zhao.lei"

ADMIN = "it.admin"
EXECUTIVE = "guo.ming"
AUDITOR = "he.ping"

NAMES = {
    ADMIN: "IT Administration",
    EXECUTIVE: "Guo Ming",
    AUDITOR: "He Ping",
    "li.wei": "Li Wei",
    "zhang.min": "Zhang Min",
    "liu.yang": "Liu Yang",
    "zhao.lei": "Zhao Lei",
    "chen.jing": "Chen Jing",
    "wang.fang": "Wang Fang",
    "sun.hao": "Sun Hao",
    "zhou.ting": "Zhou Ting",
    "wang.qiang": "Wang Qiang",
    "huang.li": "Huang Li",
    "wu.xiaoming": "Wu Xiaoming",
    "xu.na": "Xu Na",
}


def demo_accounts() -> list[tuple[str, str, str | None]]:
    """(staff id, role, segment) of every demo account, the founder first."""
    accounts: list[tuple[str, str, str | None]] = [
        (ADMIN, "admin", None),
        (EXECUTIVE, "executive", None),
        (AUDITOR, "auditor", None),
    ]
    for segment, team in STAFF.items():
        head, *members = team
        accounts.append((head, "segment_head", segment))
        accounts += [(member, "staff", segment) for member in members]
    return accounts


def ensure_demo_staff(app: Ledger, end: datetime, actor: str | None) -> int:
    """Add the demo's accounts that are missing; returns how many were added.

    On a new ledger the demo's admin founds the directory; on one with accounts
    already, only an admin (`actor`) may add the demo's."""
    start = end - timedelta(days=HISTORY_DAYS + 1)
    founded = app.directory_founded()
    missing = [a for a in demo_accounts() if app.member_or_none(a[0]) is None]
    leaver = app.member_or_none(LEAVER)
    if founded and not missing and leaver is not None and not leaver.is_active:
        return 0
    # Who adds the accounts is settled before anything is written, so that a
    # refusal leaves the ledger as it was: on a new ledger the demo's admin (the
    # actor named is not an account yet, and would be refused half-way), and on
    # one the demo's admin founded (a demo killed while adding its accounts) the
    # same admin unless an actor is named; on any other ledger with accounts, the
    # actor, who must be an active account.
    acting = actor if founded else ADMIN
    if founded and actor is None and app.directory_founder() == ADMIN:
        acting = ADMIN
    if founded and acting is None:
        raise AccessDeniedError(
            "this ledger has staff accounts already: run the demo --as an admin, "
            "who adds the demo's accounts"
        )
    if founded and acting is not None:
        app.caller(acting)
    added = 0
    for staff_id, role, segment in demo_accounts():
        if app.member_or_none(staff_id) is not None:
            continue
        # On a new ledger the demo's admin founds the directory and adds the rest.
        founder = staff_id == ADMIN and not founded
        app.add_staff(
            c.AddStaff(
                actor=staff_id if founder else (acting or ADMIN),
                staff=staff_id,
                name=NAMES[staff_id],
                role=role,
                segment=segment,
                reason="demo account",
                occurred_at=start,
                command_id=f"demo-staff:{staff_id}",
            )
        )
        added += 1
    calendar = BusinessCalendar.from_settings(app.settings)
    last_day = datetime.combine(leaver_last_day(end, calendar), time(18), end.tzinfo)
    if app.staff_member(LEAVER).is_active:
        app.deactivate_staff(
            c.DeactivateStaff(
                actor=acting or ADMIN,
                staff=LEAVER,
                reason="left the company",
                occurred_at=last_day,
                command_id=f"demo-staff:{LEAVER}:left",
            )
        )
    return added
