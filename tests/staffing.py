"""Staff accounts for tests that are about something else: every name the tests
act as, or hand customers to, is an executive (who may do everything), founded
by the admin `ops`. The access rules themselves are tested in test_access_*."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ledger import commands as c
from ledger.application import Ledger
from ledger.storage import Storage

if TYPE_CHECKING:
    from projections.views import Views

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


@contextmanager
def staffed_ledger(storage: Storage) -> Iterator[tuple[Ledger, Views]]:
    """A ledger on `storage` with these staff accounts, and its views."""
    from projections.views import Views

    app = Ledger(env=storage.env)
    seed_staff(app)
    views = Views(app, storage)
    try:
        yield app, views
    finally:
        views.close()
        app.close()
