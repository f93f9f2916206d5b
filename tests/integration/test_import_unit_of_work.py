"""The import's unit of work and driver against the write service, on both
backends: what a batch sees, what a failed row leaves (nothing), a conflicting
commit run again, a changed row recorded as exactly one correction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.domain.directory import CustomerNumbering, customer_id_for_command
from ledger.domain.events import ContactLogged, CorrectionRecorded
from ledger.domain.provenance import import_command_id
from ledger.imports import run as import_run
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, Kind, RowRejected, SourceRow, Step
from ledger.imports.kinds import KINDS
from ledger.imports.run import Importer, ImportResult
from ledger.imports.session import Session
from ledger.imports.sources import open_source
from ledger.receipts import Receipt
from ledger.sealing import key_id
from ledger.storage import Storage

IMPORTER = "li.wei"


class Calls:
    """A test kind: each row is a call logged with a customer; a row with
    `then_fail` logs its call and then runs a command the domain refuses, so the
    row fails after part of it was recorded in the batch."""

    name = "calls"
    rank = 6
    columns = Columns(
        required={"customer": "", "call_id": "", "at": "", "staff": "", "summary": ""},
        optional={"then_fail": ""},
    )

    def customer_of(self, row: SourceRow) -> str:
        return v.external_id(row, "customer")

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        call = v.external_id(row, "call_id")
        when = v.when(row, "at", timezone)
        summary = v.required(row, "summary")

        def log(session: ImportSession) -> Receipt:
            command = session.build(
                c.LogContact,
                {
                    **session.command_fields(
                        row, self.name, call, actor=session.staff(row, "staff")
                    ),
                    "occurred_at": when,
                    "customer": session.customer_ref(row, row.get("customer")),
                    "channel": "phone",
                    "direction": "outbound",
                    "summary": summary,
                },
            )
            return session.app.log_contact(command)

        def fail(session: ImportSession) -> Receipt:
            code = session.customer_ref(row, row.get("customer"))
            # Closing a case the customer does not have: the domain refuses.
            return session.app.close_branch(
                session.build(
                    c.CloseBranch,
                    {**session.command_fields(row, self.name, call, "fail", actor=IMPORTER),
                     "occurred_at": when, "customer": code, "case": "BR99"},
                )
            )  # fmt: skip

        steps = [
            Step(
                when=when,
                order=0,
                command_id=import_command_id(system, self.name, call),
                run=log,
                fields={"summary": summary, "actor": row.get("staff")},
            )
        ]
        if row.get("then_fail"):
            failing = import_command_id(system, self.name, call, "fail")
            steps.append(Step(when=when, order=1, command_id=failing, run=fail))
        return steps


KINDS_WITH_CALLS: dict[str, Kind] = {**KINDS, "calls": Calls()}
CUSTOMERS = (
    "customer_id,name,segment,owner,registered_at\n"
    "A1,Alpha Airport,airport,li.wei,2024-01-02\n"
    "B2,Beta Airport,airport,li.wei,2024-01-03\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(app: Ledger, tmp_path: Path, *, dry_run: bool = False, **files: str) -> ImportResult:
    sources = [
        open_source(write(tmp_path, f"{kind}.csv", text), f"{kind}.csv", kind,
                    KINDS_WITH_CALLS[kind].columns)
        for kind, text in files.items()
    ]  # fmt: skip
    importer = Importer(app, app.caller(IMPORTER), KINDS_WITH_CALLS, system="old", dry_run=dry_run)
    return importer.run(sources)


def rejects(tmp_path: Path, *kinds: str) -> dict[str, list[str]]:
    """Each kind's rejects file, by line (none: no rejects)."""
    found = {}
    for kind in kinds:
        path = tmp_path / f"{kind}.rejects.csv"
        found[kind] = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return found


def outcomes(result: ImportResult) -> list[tuple[str, int, int, int, int]]:
    return [(s.kind, s.imported, s.present, s.changed, s.rejected) for s in result.files]


def events(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.fixture
def app(ledger_app: Ledger) -> Iterator[Ledger]:
    yield ledger_app


def registration(name: str, command_id: str) -> c.RegisterCustomer:
    return c.RegisterCustomer(
        actor=IMPORTER, name=name, segment="airport", command_id=command_id,
        occurred_at=datetime(2024, 1, 2, tzinfo=UTC),
    )  # fmt: skip


def test_a_batch_sees_its_own_work_and_writes_nothing_until_committed(app: Ledger) -> None:
    before = events(app)
    with app.open_batch(app.caller(IMPORTER)) as batch:
        first = app.register_customer(registration("Alpha Airport", "r1"))
        second = app.register_customer(registration("Beta Airport", "r2"))
        assert (first.customer_code, second.customer_code) == ("C-00001", "C-00002")
        # Looked up by code, the batch's own customer is found.
        assert app.get_customer("C-00002").name == "Beta Airport"
        assert events(app) == before
        written = app.commit_batch(batch)
    assert events(app) == before + written
    assert [row.code for row in app.list_customers()] == ["C-00001", "C-00002"]


def test_a_rolled_back_registration_leaves_no_number_name_or_customer(app: Ledger) -> None:
    with app.open_batch(app.caller(IMPORTER)) as batch:
        app.register_customer(registration("Alpha Airport", "r1"))
        mark = batch.mark(CustomerNumbering.SINGLETON_ID)
        app.register_customer(registration("Beta Airport", "r2"))
        app.rollback_batch(batch, mark)
        # The number and the name Beta took are free again.
        again = app.register_customer(registration("Beta Airport", "r3"))
        assert again.customer_code == "C-00002"
        app.commit_batch(batch)
    assert [(r.code, r.name) for r in app.list_customers()] == [
        ("C-00001", "Alpha Airport"),
        ("C-00002", "Beta Airport"),
    ]


def test_a_row_refused_part_way_leaves_none_of_its_steps(app: Ledger, tmp_path: Path) -> None:
    calls = (
        "customer,call_id,at,staff,summary,then_fail\n"
        "A1,K1,2024-02-01 10:00,li.wei,First call,\n"
        "A1,K2,2024-02-02 10:00,li.wei,Logged then refused,yes\n"
        "A1,K3,2024-02-03 10:00,li.wei,Third call,\n"
    )
    result = run_import(app, tmp_path, customers=CUSTOMERS, calls=calls)
    summary = {s.kind: (s.imported, s.rejected) for s in result.files}
    assert summary == {"customers": (2, 0), "calls": (2, 1)}
    stream = app.customer_events("Alpha Airport")[1]
    assert [e.summary for e in stream if isinstance(e, ContactLogged)] == [
        "First call",
        "Third call",
    ]
    rejects = (tmp_path / "calls.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[1].startswith("A1,K2,") and "BR99" in rejects[1]


def test_a_changed_row_is_recorded_as_one_correction_and_its_rerun_writes_nothing(
    app: Ledger, tmp_path: Path
) -> None:
    calls = "customer,call_id,at,staff,summary\nA1,K1,2024-02-01 10:00,li.wei,Called about fees\n"
    run_import(app, tmp_path, customers=CUSTOMERS, calls=calls)
    before = events(app)
    changed = calls.replace("Called about fees", "Called about landing fees")
    result = run_import(app, tmp_path, customers=CUSTOMERS, calls=changed)
    assert [(s.kind, s.present, s.changed) for s in result.files] == [
        ("customers", 2, 0),
        ("calls", 0, 1),
    ]
    assert events(app) == before + 1
    correction = app.customer_events("Alpha Airport")[1][-1]
    assert isinstance(correction, CorrectionRecorded)
    assert correction.changes == {"summary": "Called about landing fees"}
    assert correction.actor == IMPORTER
    again = run_import(app, tmp_path, customers=CUSTOMERS, calls=changed)
    assert [s.present for s in again.files] == [2, 1]
    assert events(app) == before + 1


def test_the_recorded_actor_is_the_rows_staff_even_one_who_has_left(
    app: Ledger, tmp_path: Path
) -> None:
    app.add_staff(c.AddStaff(actor="ops", staff="old.hand", name="Old Hand", role="staff",
                             segment="airport"))  # fmt: skip
    app.deactivate_staff(c.DeactivateStaff(actor="ops", staff="old.hand", reason="Left in 2025"))
    calls = "customer,call_id,at,staff,summary\nA1,K1,2024-02-01 10:00,old.hand,Years ago\n"
    run_import(app, tmp_path, customers=CUSTOMERS, calls=calls)
    logged = app.customer_events("Alpha Airport")[1][-1]
    assert isinstance(logged, ContactLogged) and logged.actor == "old.hand"


def test_a_commit_that_conflicts_runs_the_batch_again_on_fresh_state(
    app: Ledger, storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Ledger(env=storage.env)
    commit = Ledger.commit_batch
    commits: list[bool] = []

    def commit_after_a_rival(self: Ledger, batch: Any) -> int:
        if not commits:  # a typed registration takes the next number first
            other.register_customer(registration("Rival Airport", "rival"))
        commits.append(True)
        return commit(self, batch)

    monkeypatch.setattr(Ledger, "commit_batch", commit_after_a_rival)
    try:
        result = run_import(app, tmp_path, customers=CUSTOMERS)
    finally:
        other.close()
    assert [s.imported for s in result.files] == [2]
    assert len(commits) == 2
    assert [(r.code, r.name) for r in app.list_customers()] == [
        ("C-00001", "Rival Airport"),
        ("C-00002", "Alpha Airport"),
        ("C-00003", "Beta Airport"),
    ]


def test_a_batch_with_reserved_numbers_never_conflicts_with_a_typed_registration(
    app: Ledger, storage: Storage
) -> None:
    """How import workers commit side by side (docs/decisions.md, "Two import
    workers"): a batch whose numbers were reserved does not write the numbering."""
    numbers = app.reserve_numbers([customer_id_for_command("a1"), customer_id_for_command("b1")])
    with app.open_batch(app.caller(IMPORTER)) as batch:
        batch.numbers = numbers
        app.register_customer(registration("Alpha Airport", "a1"))
        app.register_customer(registration("Beta Airport", "b1"))
        other = Ledger(env=storage.env)
        try:
            other.register_customer(registration("Rival Airport", "rival"))
        finally:
            other.close()
        app.commit_batch(batch)  # no IntegrityError

    assert [(r.code, r.name) for r in app.list_customers()] == [
        ("C-00001", "Alpha Airport"),
        ("C-00002", "Beta Airport"),
        ("C-00003", "Rival Airport"),
    ]
    assert Auditor(app.recorder, app.mapper).verify_all().ok


def test_customers_commit_in_batches(
    app: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_run, "BATCH_CUSTOMERS", 1)
    saves: list[int] = []
    commit = Ledger.commit_batch

    def counting(self: Ledger, batch: Any) -> int:
        written = commit(self, batch)
        saves.append(written)
        return written

    monkeypatch.setattr(Ledger, "commit_batch", counting)
    run_import(app, tmp_path, customers=CUSTOMERS)
    assert len(saves) == 2 and all(saves)


def test_the_session_finds_a_record_by_the_customers_code_or_external_id(
    app: Ledger, tmp_path: Path
) -> None:
    people = "customer,person_id,name,decision_role,added_at\nB2,X-7,Zhou Min,advisor,2024-02-01\n"
    run_import(app, tmp_path, customers=CUSTOMERS, people=people)
    session = Session(app, "old", importer=IMPORTER, correlation_id="import:li.wei:test")
    row = SourceRow(file="contacts.csv", line=2, raw="", values={})
    code = session.customer_ref(row, "B2")
    assert code == "C-00002"
    assert session.local_id(row, code, "person", "X-7") == "P1"
    assert session.local_id(row, "B2", "people", "X-7") == "P1"
    with pytest.raises(RowRejected, match="unknown person record 'X-8' at customer C-00002"):
        session.local_id(row, code, "person", "X-8")
    with pytest.raises(RowRejected, match="unknown customer 'Z9'"):
        session.customer_ref(row, "Z9")


def test_a_change_no_correction_may_make_rejects_the_row_with_the_rules_words(
    app: Ledger, tmp_path: Path
) -> None:
    calls = "customer,call_id,at,staff,summary\nA1,K1,2024-02-01 10:00,li.wei,Called about fees\n"
    run_import(app, tmp_path, customers=CUSTOMERS, calls=calls)
    before = events(app)
    result = run_import(
        app, tmp_path, customers=CUSTOMERS, calls=calls.replace("li.wei,Called", "zhang.min,Called")
    )
    assert [(s.kind, s.rejected) for s in result.files] == [("customers", 0), ("calls", 1)]
    assert events(app) == before
    reason = (tmp_path / "calls.rejects.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "actor changed since the row was imported, which a correction cannot record" in reason
    assert "ContactLogged has no correctable field 'actor'" in reason


def add_person_with_details(app: Ledger) -> None:
    app.add_key_person(
        c.AddKeyPerson(
            actor=IMPORTER, customer="C-00001", name="Qiu Yue", decision_role="decision_maker",
            mobile="13800001111", command_id="p1",
        )
    )  # fmt: skip


def test_a_batchs_new_keys_are_stored_in_its_commit_before_its_events(app: Ledger) -> None:
    with app.open_batch(app.caller(IMPORTER)) as batch:
        app.register_customer(registration("Alpha Airport", "r1"))
        add_person_with_details(app)
        customer_id = app.resolve_customer("C-00001")
        kid = key_id(customer_id, "P1")
        # Made for the batch, not yet stored: nothing sealed with it is written yet.
        assert app.keys.key(kid) is None and kid in batch.keys
        app.commit_batch(batch)
    assert app.keys.key(kid) is not None
    reader = app.personal_reader(app.caller(IMPORTER))
    assert reader.of_event(app.event_at(customer_id, 2)) == {"mobile": "13800001111"}


def test_a_key_stored_meanwhile_by_another_writer_makes_the_commit_write_nothing(
    app: Ledger,
) -> None:
    before = events(app)
    with app.open_batch(app.caller(IMPORTER)) as batch:
        app.register_customer(registration("Alpha Airport", "r1"))
        add_person_with_details(app)
        kid = key_id(app.resolve_customer("C-00001"), "P1")
        assert app.keys.add_many({kid: b"k" * 32}) == set()  # the other writer's key
        with pytest.raises(IntegrityError):
            app.commit_batch(batch)
    assert events(app) == before
    assert app.keys.key(kid) == b"k" * 32  # the first key stored stays


def test_each_batch_that_wrote_is_followed_by_the_committed_call(
    app: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line catches the views up there, so a catch-up holds one batch.
    monkeypatch.setattr(import_run, "BATCH_CUSTOMERS", 1)
    seen: list[int] = []
    path = write(tmp_path, "customers.csv", CUSTOMERS)
    for dry_run in (True, False, False):  # a dry run, the import, a re-run
        source = open_source(path, "customers.csv", "customers", KINDS["customers"].columns)
        importer = Importer(
            app, app.caller(IMPORTER), KINDS, system="old", dry_run=dry_run,
            committed=lambda: seen.append(events(app)),
        )  # fmt: skip
        importer.run([source])
    # Called after the import's two batches only, each time with its events stored.
    assert len(seen) == 2 and 0 < seen[0] < seen[1] == events(app)


def test_a_dry_run_rejects_what_the_real_run_rejects_across_batches(
    app: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One customer a batch: the real run's later batches read what the earlier
    # ones committed (a name taken, the next code), and so must the dry run's.
    monkeypatch.setattr(import_run, "BATCH_CUSTOMERS", 1)
    customers = CUSTOMERS + (
        "C3,alpha  AIRPORT,airport,li.wei,2024-01-04\n"  # Alpha Airport's name again
        "D4,Delta Airport,airport,li.wei,2024-01-05\n"
    )
    # Added before D4 was registered: the rule's words name D4's code.
    people = "customer,person_id,name,decision_role,added_at\nD4,X-1,Zhou Min,advisor,2024-01-01\n"
    before = events(app)
    dry = run_import(app, tmp_path, dry_run=True, customers=customers, people=people)
    dry_rejects = rejects(tmp_path, "customers", "people")
    assert events(app) == before

    real = run_import(app, tmp_path, customers=customers, people=people)

    assert (
        outcomes(dry)
        == outcomes(real)
        == [
            ("customers", 3, 0, 0, 1),
            ("people", 0, 0, 0, 1),
        ]
    )
    assert dry_rejects == rejects(tmp_path, "customers", "people")
    assert "a customer named 'alpha AIRPORT' exists already" in dry_rejects["customers"][1]
    # C3's registration is refused, so no number is reserved for it: D4 is C-00003.
    assert "C-00003 was registered on 2024-01-05" in dry_rejects["people"][1]


def test_a_dry_run_sees_a_name_an_earlier_batch_renamed_away_as_free(
    app: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_run, "BATCH_CUSTOMERS", 1)
    run_import(app, tmp_path, customers=CUSTOMERS)
    # A1 is renamed, and a new customer takes its old name in a later batch.
    renamed = CUSTOMERS.replace("Alpha Airport", "Alpha International") + (
        "C3,Alpha Airport,airport,li.wei,2024-01-04\n"
    )
    dry = run_import(app, tmp_path, dry_run=True, customers=renamed)
    real = run_import(app, tmp_path, customers=renamed)
    assert outcomes(dry) == outcomes(real) == [("customers", 1, 1, 1, 0)]
    assert [r.name for r in app.list_customers()] == [
        "Alpha International",
        "Beta Airport",
        "Alpha Airport",
    ]


def test_the_directory_audit_accepts_a_reserved_number_left_unused(app: Ledger) -> None:
    unused, taken = customer_id_for_command("never"), customer_id_for_command("b1")
    numbers = app.reserve_numbers([taken, unused])  # the last number reserved stays unused
    with app.open_batch(app.caller(IMPORTER)) as batch:
        batch.numbers = numbers
        assert app.register_customer(registration("Beta Airport", "b1")).customer_code == "C-00001"
        app.commit_batch(batch)

    assert Auditor(app.recorder, app.mapper).verify_all().ok


def test_the_directory_audit_finds_a_reserved_number_given_to_another_customer(
    app: Ledger,
) -> None:
    numbers = app.reserve_numbers([customer_id_for_command("a1")])
    with app.open_batch(app.caller(IMPORTER)) as batch:
        # A number reserved for one customer, taken by another.
        batch.numbers = {customer_id_for_command("b1"): numbers[customer_id_for_command("a1")]}
        app.register_customer(registration("Beta Airport", "b1"))
        app.commit_batch(batch)

    report = Auditor(app.recorder, app.mapper).verify_all()
    assert not report.ok
    assert [(f.key, f.detail) for f in report.directory] == [
        ("numbering", "number 1 is recorded as issued to another customer")
    ]
