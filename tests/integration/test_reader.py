"""The read service: each read of a customer's record is logged once, after one
catch-up of the views it needs; reads the caller may not make log nothing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ledger import commands as c
from ledger.access import Caller
from ledger.application import Ledger
from ledger.clock import now
from ledger.errors import AccessDeniedError, CustomerNotFoundError
from ledger.storage import Storage
from projections.reader import Reader
from projections.reads import ReadLog, reads
from projections.views import Views
from tests.reading import caught_up

OWNER = Caller("own.a", "staff", "airport")
OTHER = Caller("idle.a", "staff", "airport")


@pytest.fixture
def views(storage: Storage) -> Iterator[Views]:
    app = Ledger(env=storage.env)
    app.add_staff(c.AddStaff(actor="ops", staff="ops", name="Operations", role="admin"))
    app.add_staff(c.AddStaff(actor="ops", staff="boss", name="Boss", role="executive"))
    for caller in (OWNER, OTHER):
        app.add_staff(
            c.AddStaff(
                actor="ops", staff=caller.staff_id, name="A", role="staff", segment="airport"
            )
        )
    app.register_customer(
        c.RegisterCustomer(actor="boss", name="Capital Airport", segment="airport", owner="own.a")
    )
    views = Views(app, storage)
    yield views
    views.close()
    app.close()


class Counting:
    """Counts the catch-ups asked of `views`."""

    def __init__(self, views: Views, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        catch_up = views.catch_up

        def counted(names: Iterable[str] | None = None, *args: Any, **kwargs: Any) -> int:
            self.calls += 1
            return catch_up(names, *args, **kwargs)

        monkeypatch.setattr(views, "catch_up", counted)


def logged(views: Views) -> list[tuple[str, str]]:
    with caught_up(views, ReadLog.name) as tx:
        return [(read.reader, read.view) for read in reads(tx)]


@pytest.mark.parametrize(
    "read",
    [
        lambda r: r.customer_360("C-00001"),
        lambda r: r.brief("C-00001", ZoneInfo("UTC"), now()),
        lambda r: r.history("C-00001"),
    ],
    ids=["customer show", "brief", "history"],
)
def test_a_staff_members_read_of_their_customer_is_logged_once_after_one_catch_up(
    views: Views, monkeypatch: pytest.MonkeyPatch, read: Any
) -> None:
    reader = Reader.for_caller(views, OWNER)
    counting = Counting(views, monkeypatch)

    read(reader)

    assert counting.calls == 1
    assert len(logged(views)) == 1
    assert logged(views)[0][0] == "own.a"


def test_reading_a_customer_at_a_past_moment_is_logged_with_the_moment(views: Views) -> None:
    reader = Reader.for_caller(views, OWNER)

    reader.customer_360("C-00001", moment=now(), detail="2026-01-01")

    with caught_up(views, ReadLog.name) as tx:
        assert [(r.view, r.detail) for r in reads(tx)] == [("customer show", "2026-01-01")]


def test_a_customer_out_of_sight_is_refused_as_unknown_and_nothing_is_logged(
    views: Views,
) -> None:
    reader = Reader.for_caller(views, OTHER)

    with pytest.raises(CustomerNotFoundError, match="no customer 'C-00001'"):
        reader.customer_360("C-00001")

    assert logged(views) == []


def test_an_admin_gets_no_reader(views: Views) -> None:
    with pytest.raises(AccessDeniedError, match="no access to customer records"):
        Reader.for_caller(views, Caller("ops", "admin", None))


def test_the_read_log_names_each_customer_read_by_code_for_an_executive(views: Views) -> None:
    Reader.for_caller(views, OWNER).customer_360("C-00001")
    Reader.for_caller(views, Caller("boss", "executive", None)).every_customer("export", "jsonl")

    found = Reader.for_caller(views, Caller("boss", "executive", None)).read_log("C-00001")

    assert [(r.reader, r.view, code) for r, code in found] == [
        ("own.a", "customer show", "C-00001"),
        ("boss", "export", "*"),
    ]


def test_staff_may_not_read_the_read_log_nor_every_customer_at_once(views: Views) -> None:
    reader = Reader.for_caller(views, OWNER)

    with pytest.raises(AccessDeniedError, match="the read log is for auditors and executives"):
        reader.read_log()
    with pytest.raises(AccessDeniedError, match="read every customer at once"):
        reader.every_customer("export")
    assert logged(views) == []
