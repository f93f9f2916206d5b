"""Every kind of stored row, changed directly in the database, is caught by
`audit verify` and located: customer, staff, read-log, visit-plan and summary
events (their hash chains), and the customer directory that steers writes (its
code and name keys and numbering, checked against the customer streams). A
redirected code never steers a write. Reuses the raw-row helpers of
tests/integration/test_tamper_evidence.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor, AuditReport, changed_heads, read_heads, write_heads
from ledger.directory_audit import DirectoryFinding
from ledger.domain.directory import CustomerKey, CustomerNumbering, code_key, name_key
from ledger.domain.reports import summary_stream_id
from ledger.domain.sla.months import Month
from ledger.domain.staff import staff_stream_id
from ledger.domain.visit_plan import plan_stream_id
from ledger.errors import DirectoryMismatchError, InvalidInputError
from ledger.snapshot_audit import snapshotted, verify_snapshots
from ledger.storage import Storage
from tests.e2e.conftest import LedgerCli
from tests.integration.test_tamper_evidence import RawRows

pytestmark = pytest.mark.reliability

AIRPORT, PORT = "Capital Airport", "Tianjin Port"


@pytest.fixture
def two(ledger_app: Ledger) -> Iterator[tuple[Ledger, UUID, UUID]]:
    """Two customers owned by wu.lan, a contact each, a read, a visit plan, a summary."""
    app = ledger_app
    app.add_staff(
        c.AddStaff(actor="ops", staff="wu.lan", name="Wu Lan", role="staff", segment="airport")
    )
    for name in (AIRPORT, PORT):
        app.register_customer(
            c.RegisterCustomer(actor="li.wei", name=name, segment="airport", owner="wu.lan")
        )
        app.log_contact(
            c.LogContact(
                actor="li.wei", customer=name, channel="phone", direction="outbound",
                summary="Discussed the renewal",
            )
        )  # fmt: skip
    app.record_read(app.caller("li.wei"), app.resolve_customer("C-00001"), "show")
    app.submit_visit_plan(
        c.SubmitVisitPlan(
            actor="wu.lan", month="2027-01",
            visits=[
                c.PlannedVisit(customer="C-00002", purpose="maintenance", day=date(2027, 1, 12))
            ],
        )
    )  # fmt: skip
    app.submit_summary(
        c.SubmitSummary(
            actor="li.wei", month="2026-03", segment="airport", note="All on time",
            occurred_at=datetime(2026, 4, 3, 10, tzinfo=UTC),
        )
    )  # fmt: skip
    assert verify(app).ok
    yield app, app.resolve_customer("C-00001"), app.resolve_customer("C-00002")


class RawSnapshots(RawRows):
    """The same direct SQL, on the snapshot table."""

    def _table_sql(self, sql: str) -> str:
        if self.storage.kind == "sqlite":
            return sql.replace("{T}", "stored_snapshots")
        return sql.replace("{T}", f'"{self.storage.env["POSTGRES_SCHEMA"]}".ledger_snapshots')


def verify(app: Ledger) -> AuditReport:
    """What `ledger audit verify` checks: every stream's chain, the directory, snapshots."""
    report = Auditor(app.recorder, app.mapper).verify_all()
    report.divergences += verify_snapshots(app, snapshotted(report), report.codes)
    return report


def read_stream(app: Ledger) -> UUID:
    rows = app.recorder.select_notifications(1, 10_000)
    return next(UUID(str(r.originator_id)) for r in rows if r.topic.endswith("RecordRead"))


def flip_one_byte(raw: RawRows, stream: UUID, version: int, old: bytes, new: bytes) -> None:
    state = raw.state(stream, version)
    assert old in state
    raw.set_row(stream, version, raw.topic(stream, version), state.replace(old, new, 1))


# ------------------------------------------------------------ chained events
@pytest.mark.parametrize(
    ("kind", "version", "old", "new"),
    [
        ("customer", 2, b"renewal", b"renewai"),
        ("staff", 1, b"li.wei", b"li.wel"),
        ("read log", 1, b"show", b"shew"),
        ("visit plan", 1, b"2027", b"2028"),
        ("summary", 1, b"All on time", b"All on tima"),
    ],
)
def test_a_changed_byte_in_any_chained_stream_is_found_in_that_stream(
    two: tuple[Ledger, UUID, UUID],
    storage: Storage,
    kind: str,
    version: int,
    old: bytes,
    new: bytes,
) -> None:
    app, airport, _ = two
    stream = {
        "customer": airport,
        "staff": staff_stream_id("li.wei"),
        "read log": read_stream(app),
        "visit plan": plan_stream_id("wu.lan", Month(2027, 1)),
        "summary": summary_stream_id("airport", Month(2026, 3), "cases"),
    }[kind]

    flip_one_byte(RawRows(storage), stream, version, old, new)

    report = verify(app)
    assert [(d.stream_id, d.version, d.kind) for d in report.divergences] == [
        (stream, version, "modified")
    ]
    assert report.directory == []


def test_an_edited_snapshot_is_found_against_its_events(
    two: tuple[Ledger, UUID, UUID], storage: Storage
) -> None:
    app, airport, _ = two
    app.take_snapshot(airport)
    app.take_snapshot(CustomerNumbering.SINGLETON_ID)
    assert verify(app).ok
    version: int = app.repository.get(airport).version

    snapshots = RawSnapshots(storage)
    state = snapshots.state(airport, version)
    snapshots.set_row(
        airport, version, snapshots.topic(airport, version), state.replace(b"wu.lan", b"li.wei", 1)
    )

    report = verify(app)
    assert [(d.stream_id, d.version, d.kind, d.customer_code) for d in report.divergences] == [
        (airport, version, "snapshot", "C-00001")
    ]


def test_each_of_a_streams_snapshots_is_judged_a_correction_between_them_too(
    two: tuple[Ledger, UUID, UUID], storage: Storage
) -> None:
    # The audit replays a stream once, judging each snapshot as it passes: a
    # correction of an event an earlier snapshot already holds makes it replay the
    # stream from its start, as loading does.
    app, airport, _ = two
    app.take_snapshot(airport)
    takes: list[int] = [app.repository.get(airport).version]
    app.log_contact(
        c.LogContact(
            actor="li.wei", customer="C-00001", channel="email", direction="inbound",
            summary="Asked for the new price list",
        )
    )  # fmt: skip
    app.take_snapshot(airport)
    takes.append(app.repository.get(airport).version)
    app.record_correction(
        c.RecordCorrection(
            actor="li.wei", customer="C-00001", version=2, reason="it was a visit call",
            changes={"summary": "Discussed the renewal at the terminal"},
        )
    )  # fmt: skip
    app.take_snapshot(airport)
    takes.append(app.repository.get(airport).version)
    assert verify(app).ok

    middle = takes[1]
    snapshots = RawSnapshots(storage)
    state = snapshots.state(airport, middle)
    snapshots.set_row(
        airport, middle, snapshots.topic(airport, middle), state.replace(b"wu.lan", b"li.wei", 1)
    )

    report = verify(app)
    assert [(d.stream_id, d.version, d.kind) for d in report.divergences] == [
        (airport, middle, "snapshot")
    ]


# ------------------------------------------------------------ the directory
def test_a_code_pointed_at_another_customer_is_reported_and_steers_no_write(
    two: tuple[Ledger, UUID, UUID], storage: Storage
) -> None:
    app, airport, port = two
    key = CustomerKey.id_for(code_key("C-00001"))

    flip_one_byte(RawRows(storage), key, 1, airport.hex.encode(), port.hex.encode())

    assert verify(app).directory == [
        DirectoryFinding("code:C-00001", "C-00002", "C-00001", "redirected")
    ]
    fresh = Ledger(env=storage.env)  # no code cached from before the edit
    with pytest.raises(DirectoryMismatchError, match="run `ledger audit verify`"):
        fresh.log_contact(
            c.LogContact(
                actor="li.wei", customer="C-00001", channel="phone", direction="inbound",
                summary="Meant for the airport",
            )
        )  # fmt: skip
    assert len(list(fresh.events.get(port))) == len(list(app.events.get(port)))
    assert fresh.resolve_customer(PORT) == port  # the untouched name still works


def test_a_name_pointed_at_another_customer_is_reported_and_steers_no_write(
    two: tuple[Ledger, UUID, UUID], storage: Storage
) -> None:
    app, airport, port = two
    key = CustomerKey.id_for(name_key(PORT))

    flip_one_byte(RawRows(storage), key, 1, port.hex.encode(), airport.hex.encode())

    assert verify(app).directory == [
        DirectoryFinding("name:tianjin port", "C-00001", "C-00002", "redirected")
    ]
    with pytest.raises(DirectoryMismatchError):
        Ledger(env=storage.env).get_customer(PORT)


def test_a_key_row_renamed_in_place_is_reported(
    two: tuple[Ledger, UUID, UUID], storage: Storage
) -> None:
    app, _, _ = two
    key = CustomerKey.id_for(code_key("C-00001"))

    flip_one_byte(RawRows(storage), key, 1, b"code:C-00001", b"code:C-00002")

    findings = verify(app).directory
    assert [(f.key, f.points_at) for f in findings] == [
        ("code:C-00002", "C-00001"),
        ("code:C-00001", ""),  # its own row no longer names it: the code has no key
    ]
    assert findings[0].detail == f"the row stored under {key} names another key"


def test_a_numbering_turned_back_is_reported(
    two: tuple[Ledger, UUID, UUID], storage: Storage
) -> None:
    app, _, _ = two

    flip_one_byte(RawRows(storage), CustomerNumbering.SINGLETON_ID, 3, b'"number":2', b'"number":1')

    assert verify(app).directory == [
        DirectoryFinding(
            "numbering", "C-00001", "C-00002", "its last number is not the highest code issued"
        )
    ]


def test_an_unreadable_directory_row_is_reported(
    two: tuple[Ledger, UUID, UUID], storage: Storage
) -> None:
    app, _, _ = two
    key = CustomerKey.id_for(name_key(AIRPORT))

    flip_one_byte(RawRows(storage), key, 1, b"{", b"[")

    findings = verify(app).directory
    assert [(f.key, f.detail) for f in findings] == [
        (f"key row {key}", "version 1 is unreadable"),
        ("name:capital airport", "missing"),
    ]


def test_a_renamed_customers_released_name_is_no_finding(
    two: tuple[Ledger, UUID, UUID],
) -> None:
    app, _, _ = two

    app.update_profile(c.UpdateProfile(actor="li.wei", customer="C-00001", name="Daxing Airport"))

    assert verify(app).ok


# ------------------------------------------------------------ truncation
def test_a_truncated_stream_is_named_by_the_heads_kept_with_the_digest(
    two: tuple[Ledger, UUID, UUID], storage: Storage, tmp_path: Path
) -> None:
    app, _, port = two
    before = verify(app)
    kept = tmp_path / "heads.txt"
    kept.write_text(write_heads(before))

    last = before.heads[port][0]
    RawRows(storage).delete(port, last)

    after = Auditor(app.recorder, app.mapper).verify_all(up_to=before.position)
    assert after.ok and after.digest != before.digest
    heads = read_heads(kept.read_text(), before.digest, str(kept))
    assert [(h.stream_id, h.customer_code, h.detail) for h in changed_heads(heads, after)] == [
        (port, "C-00002", f"ends at version {last - 1}, was {last}: its last events were removed")
    ]


def test_heads_that_do_not_give_the_digest_are_refused(
    two: tuple[Ledger, UUID, UUID],
) -> None:
    app, airport, _ = two
    report = verify(app)
    forged = write_heads(report).replace(f"{airport} 2 ", f"{airport} 3 ")

    with pytest.raises(InvalidInputError, match="is not the heads file of that digest"):
        read_heads(forged, report.digest, "heads.txt")


# ------------------------------------------------------------ as a user sees it
def test_verify_names_a_redirected_code_in_one_line_and_the_write_is_refused(
    two: tuple[Ledger, UUID, UUID], storage: Storage, db_url: str
) -> None:
    _, airport, port = two
    key = CustomerKey.id_for(code_key("C-00001"))
    flip_one_byte(RawRows(storage), key, 1, airport.hex.encode(), port.hex.encode())
    cli = LedgerCli(db_url, staffed=False)

    verified = cli.run("audit", "verify")
    logged = cli.run(
        "contact", "log", "C-00001", "--channel", "phone", "--direction", "inbound",
        "--summary", "Meant for the airport",
    )  # fmt: skip

    assert verified.exit_code == 1
    assert verified.stderr.splitlines() == [
        "directory code:C-00001: points at C-00002, should point at C-00001 (redirected)",
        "Error: 1 directory row(s) disagree with the customer streams: see each above",
    ]
    assert logged.exit_code == 1
    assert logged.stderr.splitlines() == [
        "Error: the customer directory sends 'C-00001' to C-00002, whose own history says "
        "otherwise: nothing was written; run `ledger audit verify`"
    ]


def test_verify_with_the_kept_heads_names_the_truncated_stream(
    two: tuple[Ledger, UUID, UUID], storage: Storage, db_url: str, tmp_path: Path
) -> None:
    _, _, port = two
    cli = LedgerCli(db_url, staffed=False)
    heads = tmp_path / "heads.txt"
    digest = cli.ok("audit", "digest", "--heads", str(heads)).strip()
    last = int(
        next(line for line in heads.read_text().splitlines() if str(port) in line).split()[1]
    )

    RawRows(storage).delete(port, last)

    alone = cli.run("audit", "verify", "--digest", digest)
    named = cli.run("audit", "verify", "--digest", digest, "--heads", str(heads))
    assert alone.exit_code == named.exit_code == 1
    assert named.stderr.splitlines() == [
        f"stream C-00002 ({port}): ends at version {last - 1}, was {last}: "
        "its last events were removed",
        alone.stderr.strip(),
    ]


def test_verifying_one_customer_through_a_redirected_code_says_so(
    two: tuple[Ledger, UUID, UUID], storage: Storage, db_url: str
) -> None:
    _, airport, port = two
    key = CustomerKey.id_for(code_key("C-00001"))
    flip_one_byte(RawRows(storage), key, 1, airport.hex.encode(), port.hex.encode())

    verified = LedgerCli(db_url, staffed=False).run("audit", "verify", "C-00001")

    assert verified.exit_code == 1
    assert "the customer directory sends 'C-00001' to C-00002" in verified.stderr
