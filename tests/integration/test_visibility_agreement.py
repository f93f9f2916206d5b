"""The visibility rule has one definition (`ledger.access.Sight`): the check on a
customer (as the write service makes it, from the aggregate) and the filter on
the views (as the read service lists and shows customers) must agree, for every
caller and every customer, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger import commands as c
from ledger.access import ROLES, Caller, may_see, sight
from ledger.application import Ledger
from ledger.domain.customer import Customer
from ledger.service import LedgerCore
from ledger.storage import Storage
from projections.staff import WorkedOn
from projections.views import Views
from projections.visibility import in_sight, visibility
from tests.reading import caught_up

STAFF: tuple[tuple[str, str, str | None], ...] = (
    ("boss", "executive", None),
    ("head.air", "segment_head", "airport"),
    ("head.rail", "segment_head", "rail"),
    ("own.a", "staff", "airport"),  # took over two customers
    ("work.a", "staff", "airport"),  # worked on a customer, owns nothing
    ("idle.a", "staff", "airport"),  # neither owns nor worked on anything
    ("gone.a", "staff", "airport"),  # owns and worked on, then deactivated
    ("staff.rail", "staff", "rail"),
    ("aud", "auditor", None),
)
# Everyone a caller might claim to be: the accounts, and a name that is none.
STAFF_IDS = ("ops", *(staff_id for staff_id, _, _ in STAFF), "stranger")
SEGMENTS = (None, "airport", "rail")


def build(app: Ledger) -> None:
    app.add_staff(c.AddStaff(actor="ops", staff="ops", name="Operations", role="admin"))
    for staff_id, role, segment in STAFF:
        app.add_staff(
            c.AddStaff(actor="ops", staff=staff_id, name=staff_id, role=role, segment=segment)
        )
    # name, segment, the first owner (who records a contact), the owner after.
    customers = (
        ("Air Owned", "airport", "work.a", "own.a"),
        ("Air Worked By Gone", "airport", "gone.a", "own.a"),
        ("Air Departed Owner", "airport", "gone.a", None),
        ("Air Untouched", "airport", None, None),
        ("Rail Owned", "rail", "staff.rail", None),
        ("Rail Unowned", "rail", None, None),
    )
    for name, segment, first, then in customers:
        receipt = app.register_customer(
            c.RegisterCustomer(actor="boss", name=name, segment=segment, owner=first)
        )
        code = receipt.customer_code
        if first is not None:
            app.log_contact(
                c.LogContact(
                    actor=first, customer=code, channel="phone", direction="inbound",
                    summary="Asked about the tender",
                )
            )  # fmt: skip
        if then is not None:
            app.assign_owner(
                c.AssignOwner(actor="boss", customer=code, owner=then, reason="took over")
            )
    app.deactivate_staff(c.DeactivateStaff(actor="ops", staff="gone.a", reason="left"))


@pytest.fixture
def views(storage: Storage) -> Iterator[Views]:
    app = Ledger(env=storage.env)
    build(app)
    views = Views(app, storage)
    yield views
    views.close()
    app.close()


def every_caller() -> list[Caller]:
    return [
        Caller(staff_id, role, segment)
        for role in ROLES
        for segment in SEGMENTS
        for staff_id in STAFF_IDS
    ]


def seen_by_the_check(app: LedgerCore, caller: Caller) -> set[str]:
    """The customers the caller may see, by the check on each customer's aggregate."""
    seen = set()
    for row in app.list_customers():
        customer: Customer = app.repository.get(app.resolve_customer(row.code))
        if may_see(caller, customer.segment, customer.owner, customer.worked_on):
            seen.add(row.code)
    return seen


def test_the_check_and_the_filter_agree_for_every_caller_and_customer(views: Views) -> None:
    app = views.app
    codes = {row.code: str(app.resolve_customer(row.code)) for row in app.list_customers()}
    disagreements = []

    with caught_up(views, "customer360", WorkedOn.name) as tx:
        for caller in every_caller():
            checked = seen_by_the_check(app, caller)
            listed = visibility(tx, sight(caller)).codes
            filtered = set(codes) if listed is None else set(listed)
            one_by_one = {code for code, key in codes.items() if in_sight(tx, sight(caller), key)}
            if not checked == filtered == one_by_one:
                disagreements.append((caller, checked, filtered, one_by_one))

    assert disagreements == []


def test_the_matrix_tells_the_roles_apart(views: Views) -> None:
    """The agreement above is not between two rules that see everything or nothing."""
    app = views.app

    def seen(staff_id: str, role: str, segment: str | None) -> set[str]:
        return seen_by_the_check(app, Caller(staff_id, role, segment))

    assert len(seen("boss", "executive", None)) == 6
    assert seen("head.air", "segment_head", "airport") == {
        "C-00001", "C-00002", "C-00003", "C-00004",
    }  # fmt: skip
    assert seen("own.a", "staff", "airport") == {"C-00001", "C-00002"}
    assert seen("work.a", "staff", "airport") == {"C-00001"}
    assert seen("gone.a", "staff", "airport") == {"C-00002", "C-00003"}
    assert seen("staff.rail", "staff", "rail") == {"C-00005"}
    assert seen("idle.a", "staff", "airport") == set()
    assert seen("staff.rail", "staff", "airport") == set()
    assert seen("ops", "admin", None) == set()
