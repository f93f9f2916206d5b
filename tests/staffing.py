"""Staff accounts for tests that are about something else: every name the tests
act as, or hand customers to, is an executive (who may do everything), founded
by the admin `ops`. The access rules themselves are tested in test_access_*."""

from __future__ import annotations

from ledger import commands as c
from ledger.application import Ledger

ADMIN = "ops"
EXECUTIVES = ("li.wei", "zhang.min", "wang.fang", "chen.jie", "chen.jing", "bench.user")


def seed_staff(app: Ledger, executives: tuple[str, ...] = EXECUTIVES) -> None:
    if not app.directory_founded():
        app.add_staff(c.AddStaff(actor=ADMIN, staff=ADMIN, name="Operations", role="admin"))
    for staff_id in executives:
        app.add_staff(
            c.AddStaff(
                actor=ADMIN,
                staff=staff_id,
                name=staff_id.replace(".", " ").title(),
                role="executive",
                command_id=f"seed:{staff_id}",
            )
        )
