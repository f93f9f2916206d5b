"""`ledger import` as a user runs it, on both backends: the example set, re-runs,
changed rows, rejected rows and the exit code, dry runs, who may import."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from commands import importing
from ledger.application import Ledger
from ledger.domain.events import CustomerRegistered, KeyPersonUpdated, ProfileUpdated
from ledger.imports import run
from ledger.storage import resolve
from projections.views import Views
from tests.e2e.conftest import LedgerCli
from tests.staffing import seed_staff
from tests.view_state import view_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"
EXIT_REJECTED = 3


@pytest.fixture
def db_cli(db_url: str) -> LedgerCli:
    cli = LedgerCli(db=db_url)
    # The examples' staff are the demo's: huang.li is staff of real_estate there.
    cli.ok_as("ops", "staff", "add", "huang.li", "--name", "Huang Li", "--role", "staff",
              "--segment", "real_estate")  # fmt: skip
    return cli


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(EXAMPLES, folder)
    return folder


def import_args(folder: Path, *names: str) -> list[str]:
    return ["import", *(str(folder / name) for name in names or ("customers.csv", "people.csv"))]


def append_row(path: Path, start: str) -> None:
    """A row of the example file's first columns, the others empty."""
    width = path.read_text(encoding="utf-8").splitlines()[0].count(",")
    with path.open("a", encoding="utf-8") as out:
        out.write(start + "," * (width - start.count(",")) + "\n")


def test_the_whole_example_set_imports_without_a_reject_and_a_rerun_writes_nothing(
    db_cli: LedgerCli, files: Path
) -> None:
    every = sorted(p.name for p in files.glob("*.csv"))
    first = db_cli.ok(*import_args(files, *every))
    assert first.count(" 0 rejected") == len(every) + 1  # each file, and the total
    recorded = db_cli.events_recorded()
    again = db_cli.ok(*import_args(files, *every))
    assert "0 events written" in again
    assert db_cli.events_recorded() == recorded


def test_the_example_customers_and_people_import_and_a_rerun_writes_nothing(
    db_cli: LedgerCli, files: Path
) -> None:
    first = db_cli.ok(*import_args(files))
    assert (
        "customers.csv (customers): 4 imported, 0 already present, 0 changed, 0 rejected" in first
    )
    assert "people.csv (people): 4 imported, 0 already present, 0 changed, 0 rejected" in first
    recorded = db_cli.events_recorded()
    listed = db_cli.ok("customer", "list")
    assert "Capital Airport Group" in listed and "Hangzhou Cloudline Software" in listed
    again = db_cli.ok(*import_args(files))
    assert "customers.csv (customers): 0 imported, 4 already present" in again
    assert "people.csv (people): 0 imported, 4 already present" in again
    assert db_cli.events_recorded() == recorded


def test_imported_events_keep_their_time_staff_external_id_and_source_line(
    db_cli: LedgerCli, files: Path
) -> None:
    db_cli.ok(*import_args(files))
    events = db_cli.events_of("Capital Airport Group")
    registered, person = events[0], events[1]
    assert registered.occurred_at.isoformat().startswith("2023-03-14T09:30")
    assert registered.command_id == "import:legacy:customers:CRM-1001"
    assert registered.external_refs == {"legacy": "CRM-1001"}  # type: ignore[attr-defined]
    assert registered.causation_id == f"{files / 'customers.csv'}:2"
    assert (registered.correlation_id or "").startswith("import:li.wei:")
    assert person.actor == "li.wei" and person.causation_id == f"{files / 'people.csv'}:2"


def test_a_changed_row_records_exactly_one_update_and_its_rerun_nothing(
    db_cli: LedgerCli, files: Path
) -> None:
    db_cli.ok(*import_args(files))
    before = db_cli.events_recorded()
    people = files / "people.csv"
    people.write_text(
        people.read_text(encoding="utf-8").replace(
            "Head of Procurement", "Chief Procurement Officer"
        ),
        encoding="utf-8",
    )
    out = db_cli.ok(*import_args(files))
    assert "people.csv (people): 0 imported, 3 already present, 1 changed, 0 rejected" in out
    assert db_cli.events_recorded() == before + 1
    update = db_cli.recorded("Capital Airport Group", KeyPersonUpdated)
    assert update.changes == {"title": "Chief Procurement Officer"}
    db_cli.ok(*import_args(files))
    assert db_cli.events_recorded() == before + 1


def test_a_rerun_that_finds_who_did_it_changed_rejects_the_row(
    db_cli: LedgerCli, files: Path
) -> None:
    """Who made a contact is not corrected: a row now naming someone else is
    rejected with the rule's words, not passed over as already present."""
    names = ("customers.csv", "people.csv", "contacts.csv")
    db_cli.ok(*import_args(files, *names))
    before = db_cli.events_recorded()
    contacts = files / "contacts.csv"
    header, first, *rest = contacts.read_text(encoding="utf-8").splitlines()
    assert ",li.wei," in first
    contacts.write_text(
        "\n".join([header, first.replace(",li.wei,", ",zhang.min,"), *rest]) + "\n",
        encoding="utf-8",
    )

    result = db_cli.run(*import_args(files, *names))

    assert result.exit_code == EXIT_REJECTED, result.output
    assert f"0 imported, {len(rest)} already present, 0 changed, 1 rejected" in result.stdout
    reason = (files / "contacts.rejects.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "actor changed since the row was imported, which a correction cannot record" in reason
    assert db_cli.events_recorded() == before


def test_a_changed_customer_profile_is_updated_not_corrected(
    db_cli: LedgerCli, files: Path
) -> None:
    db_cli.ok(*import_args(files, "customers.csv"))
    customers = files / "customers.csv"
    customers.write_text(
        customers.read_text(encoding="utf-8").replace('"Beijing, Shunyi"', "Beijing"),
        encoding="utf-8",
    )
    db_cli.ok(*import_args(files, "customers.csv"))
    update = db_cli.recorded("Capital Airport Group", ProfileUpdated)
    assert update.changes == {"headquarters": "Beijing"}


def test_rejected_rows_go_to_the_rejects_file_and_the_exit_code_says_so(
    db_cli: LedgerCli, files: Path
) -> None:
    customers = files / "customers.csv"
    with customers.open("a", encoding="utf-8") as out:
        out.write("CRM-2001,Unknown Staff Co,,,airport,,,,,nobody.here,2024-01-02\n")
        out.write("CRM-2002,Bad Date Co,,,airport,,,,,li.wei,2024-13-45\n")
    result = db_cli.run(*import_args(files))
    assert result.exit_code == EXIT_REJECTED, result.output
    assert "customers.csv (customers): 4 imported, 0 already present, 0 changed, 2 rejected" in (
        result.stdout
    )
    lines = (files / "customers.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",registered_at,reject_reason")
    assert lines[1].startswith("CRM-2001,Unknown Staff Co,")
    assert "unknown staff 'nobody.here' in owner" in lines[1]
    assert lines[2].startswith("CRM-2002,Bad Date Co,") and "bad date" in lines[2]
    assert len(lines) == 3
    # No account was made for the unknown id, and the good rows are all there.
    assert "nobody.here" not in db_cli.ok_as("ops", "staff", "list")
    assert db_cli.ok("customer", "list").count("\nC-0") == 4


def test_a_dry_run_checks_every_row_and_writes_nothing(db_cli: LedgerCli, files: Path) -> None:
    people = files / "people.csv"
    append_row(people, "CRM-9999,P-900,Nobody,,user,,,2024-01-02")
    before = db_cli.events_recorded()
    result = db_cli.run(*import_args(files), "--dry-run")
    assert result.exit_code == EXIT_REJECTED, result.output
    assert (
        "people.csv (people): 4 imported, 0 already present, 0 changed, 1 rejected" in result.stdout
    )
    assert "Dry run, nothing written" in result.stdout
    assert "unknown customer 'CRM-9999'" in (files / "people.rejects.csv").read_text(
        encoding="utf-8"
    )
    assert db_cli.events_recorded() == before


def test_a_domain_rule_rejects_the_row_with_its_own_words(db_cli: LedgerCli, files: Path) -> None:
    people = files / "people.csv"
    # Added before its customer was registered (2023-03-14).
    append_row(people, "CRM-1001,P-901,Too Early,,user,,,2020-01-01")
    result = db_cli.run(*import_args(files))
    assert result.exit_code == EXIT_REJECTED
    reason = (files / "people.rejects.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "C-00001 was registered on 2023-03-14 09:30 UTC" in reason
    assert reason.endswith("check added_at")
    assert "Too Early" not in db_cli.ok("history", "Capital Airport Group")


def test_only_an_executive_may_import(db_cli: LedgerCli, files: Path) -> None:
    db_cli.ok_as("ops", "staff", "add", "sun.li", "--name", "Sun Li", "--role", "segment_head",
                 "--segment", "airport")  # fmt: skip
    before = db_cli.events_recorded()
    for who, role in (("ops", "admin"), ("sun.li", "segment_head")):
        result = db_cli.run(*import_args(files), actor=who)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: {who} is {role}: imports are run by an executive "
            '(docs/import.md, "Who may import")\n'
        )
    assert db_cli.events_recorded() == before


def test_a_file_that_is_not_its_kind_is_refused_and_nothing_is_written(
    db_cli: LedgerCli, files: Path
) -> None:
    before = db_cli.events_recorded()
    result = db_cli.run("import", f"customers={files / 'people.csv'}", str(files / "customers.csv"))
    assert result.exit_code == 2
    assert "is not a customers file: it lacks column customer_id" in result.stderr
    assert result.stderr.count("\n") == 1
    binary = files / "customers.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00\x00binary")
    result = db_cli.run("import", f"customers={binary}")
    assert result.exit_code == 2 and "is a binary file, not CSV text" in result.stderr
    assert db_cli.events_recorded() == before


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_a_line_in_a_broken_encoding_goes_to_the_rejects_file_with_its_own_bytes(
    db_cli: LedgerCli, tmp_path: Path, encoding: str
) -> None:
    header = "customer_id,name,segment,owner,registered_at\n"
    good = "K1,首都机场集团,airport,zhang.min,2024-01-02\n"
    broken = "K2,深圳宝安".encode(encoding) + b"\xff\x80" + b",airport,zhang.min,2024-01-03"
    source = tmp_path / "clients.csv"
    source.write_bytes((header + good).encode(encoding) + broken + b"\n")

    result = db_cli.run("import", f"customers={source}", "--system", "oldcrm")

    assert result.exit_code == EXIT_REJECTED
    rejects = (tmp_path / "clients.rejects.csv").read_bytes()
    # The broken record as it was, byte for byte, and a reason the file's own encoding holds.
    assert broken + b",line 3 is not valid " in rejects
    assert "首都机场集团" in db_cli.ok("customer", "list")


def test_owner_and_segment_default_from_the_command_line(db_cli: LedgerCli, tmp_path: Path) -> None:
    source = tmp_path / "clients.csv"
    source.write_text("编号\t名称\t建档日期\nK1\t首都机场集团\t2024-01-02\n", encoding="gb18030")
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[customers]\n"编号" = "customer_id"\n"名称" = "name"\n"建档日期" = "registered_at"\n',
        encoding="utf-8",
    )
    db_cli.ok("import", f"customers={source}", "--mapping", str(mapping), "--owner", "zhang.min",
              "--segment", "airport", "--system", "oldcrm")  # fmt: skip
    listed = db_cli.ok("customer", "list")
    assert "首都机场集团" in listed and "zhang.min" in listed and "airport" in listed


def test_a_rerun_of_an_unchanged_file_leaves_changes_made_in_the_ledger_since(
    db_cli: LedgerCli, files: Path
) -> None:
    db_cli.ok(*import_args(files))
    db_cli.ok("customer", "update", "Capital Airport Group", "--headquarters", "Beijing T3")
    db_cli.ok("customer", "tier", "Capital Airport Group", "general", "--reason", "Downgraded")
    before = db_cli.events_recorded()
    out = db_cli.ok(*import_args(files))
    assert "customers.csv (customers): 0 imported, 4 already present, 0 changed" in out
    assert db_cli.events_recorded() == before


def test_a_record_twice_in_one_import_is_rejected_the_second_time(
    db_cli: LedgerCli, files: Path
) -> None:
    customers = files / "customers.csv"
    with customers.open("a", encoding="utf-8") as out:
        out.write("CRM-1001,Capital Airport Group Ltd,,,airport,,,,,li.wei,2023-03-14 09:30\n")
    result = db_cli.run(*import_args(files, "customers.csv"))
    assert result.exit_code == EXIT_REJECTED
    reason = (files / "customers.rejects.csv").read_text(encoding="utf-8").splitlines()[1]
    assert reason.startswith("CRM-1001,Capital Airport Group Ltd,")
    assert "the same record is in this import twice" in reason
    assert "Capital Airport Group Ltd" not in db_cli.ok("customer", "list")


def test_a_record_imported_before_and_twice_in_a_rerun_with_two_changes_keeps_the_first(
    db_cli: LedgerCli, files: Path
) -> None:
    db_cli.ok(*import_args(files, "customers.csv"))
    customers = files / "customers.csv"
    original = customers.read_text(encoding="utf-8")
    changed = original.replace('"Beijing, Shunyi"', "Beijing T3")
    second = changed.splitlines()[1].replace("Beijing T3", "Beijing T2")
    customers.write_text(changed + second + "\n", encoding="utf-8")

    result = db_cli.run(*import_args(files, "customers.csv"))

    assert result.exit_code == EXIT_REJECTED
    assert "1 changed, 1 rejected" in result.output
    reason = (files / "customers.rejects.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "Beijing T2" in reason and "in this import twice with different values" in reason
    shown = db_cli.ok("customer", "show", "Capital Airport Group", "--format", "json")
    assert '"headquarters": "Beijing T3"' in shown
    # The rejected copy, fixed to agree, is then already present.
    customers.write_text(changed, encoding="utf-8")
    assert "0 events written" in db_cli.ok(*import_args(files, "customers.csv"))


def test_a_file_given_twice_is_refused(db_cli: LedgerCli, files: Path) -> None:
    path = str(files / "customers.csv")
    result = db_cli.run("import", path, f"customers={path}")
    assert result.exit_code == 2
    assert "is given more than once: name each file once" in result.stderr


def test_a_file_with_old_mac_line_endings_is_refused_in_one_line(
    db_cli: LedgerCli, files: Path
) -> None:
    customers = files / "customers.csv"
    customers.write_bytes(customers.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    before = db_cli.events_recorded()

    result = db_cli.run(*import_args(files, "customers.csv"))

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {customers}: its lines end in a carriage return alone (an old Mac "
        "format): save it with Windows or Unix line endings\n"
    )
    assert db_cli.events_recorded() == before


def test_a_gb18030_file_whose_first_rows_are_ascii_is_read_as_gb18030(
    db_cli: LedgerCli, files: Path
) -> None:
    """ASCII reads alike in both encodings: the first line that is not ASCII, past
    the first 64 KiB here, tells them apart (its rows were once rejected as "not
    valid UTF-8")."""
    customers = files / "customers.csv"
    with customers.open(encoding="utf-8-sig", newline="") as given:
        header, first, *_ = list(csv.reader(given))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for n in range(1200):  # some 80 KiB of ASCII
        writer.writerow([f"ASCII-{n:04d}", f"Ascii Trading {n:04d} Co", *first[2:]])
    writer.writerow(["GB-0001", "北京首都机场物流有限公司", *first[2:]])
    customers.write_bytes(text.getvalue().encode("gb18030"))

    result = db_cli.run(*import_args(files, "customers.csv"))

    assert result.exit_code == 0, result.output
    assert "1,201 imported, 0 already present, 0 changed, 0 rejected" in result.stdout
    assert db_cli.recorded("北京首都机场物流有限公司", CustomerRegistered).name == (
        "北京首都机场物流有限公司"
    )


def test_a_file_starting_with_blank_lines_is_refused_for_what_it_is(
    db_cli: LedgerCli, files: Path
) -> None:
    customers = files / "customers.csv"
    customers.write_text("\n\n" + customers.read_text(encoding="utf-8-sig"), encoding="utf-8")

    result = db_cli.run(*import_args(files, "customers.csv"))

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {customers}: its first line is blank: remove the blank lines before the "
        "header, which must be the first line\n"
    )


def test_a_cell_over_a_mebibyte_is_read_as_one_cell(db_cli: LedgerCli, files: Path) -> None:
    """A pasted mail thread: long, many lines, quoted. Its row is rejected by the
    summary's own rule, as it stands, and the rows after it import (the reader once
    lost its place in it, and rejected a row per line)."""
    contacts = files / "contacts.csv"
    header, first, *rest = contacts.read_text(encoding="utf-8").splitlines()
    cells = first.split(",")
    at = header.split(",").index("summary")
    cells[at] = '"' + "\n".join(["a long line of a long mail thread " * 30] * 1100) + '"'
    contacts.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")

    result = db_cli.run(*import_args(files, "customers.csv", "people.csv", "contacts.csv"))

    assert result.exit_code == EXIT_REJECTED, result.output
    assert f"{len(rest)} imported, 0 already present, 0 changed, 1 rejected" in result.stdout
    rejected = (files / "contacts.rejects.csv").read_bytes().decode("utf-8")
    assert rejected.count("\r\n") == 2  # the header and the one record, whole
    assert "summary: string should have at most 4000 characters" in rejected


def test_rejects_that_would_be_lost_or_overwrite_a_source_are_refused_first(
    db_cli: LedgerCli, files: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(files / "contacts.csv", other / "contacts.csv")
    (files / "contacts.rejects.csv").write_text((files / "contacts.csv").read_text())
    before = db_cli.events_recorded()

    both = db_cli.run(
        *import_args(files, "customers.csv", "contacts.csv"),
        f"contacts={other / 'contacts.csv'}",
        "--rejects",
        str(tmp_path),
    )
    fixed = db_cli.run(*import_args(files, "customers.csv", "contacts.csv", "contacts.rejects.csv"))

    assert both.exit_code == 2
    assert both.stderr == (
        f"Error: {files / 'contacts.csv'} and {other / 'contacts.csv'} would both write "
        f"their rejects to {tmp_path / 'contacts.rejects.csv'}: import them in runs of "
        "their own, or rename one\n"
    )
    assert fixed.exit_code == 2
    assert fixed.stderr == (
        f"Error: {files / 'contacts.csv'} would write its rejects over "
        f"{files / 'contacts.rejects.csv'}, which is imported too: import the fixed "
        "rejects file in a run of its own\n"
    )
    assert db_cli.events_recorded() == before


def test_a_rejects_file_that_cannot_be_written_is_refused_before_any_row(
    db_cli: LedgerCli, files: Path
) -> None:
    (files / "contacts.rejects.csv").mkdir()
    before = db_cli.events_recorded()

    result = db_cli.run(*import_args(files, "customers.csv", "contacts.csv"))

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {files / 'contacts.rejects.csv'}: the rejects file of "
        f"{files / 'contacts.csv'} could not be written: name a writable folder with "
        "--rejects DIR\n"
    )
    assert db_cli.events_recorded() == before


def test_an_unknown_default_owner_is_refused_before_any_row(db_cli: LedgerCli, files: Path) -> None:
    before = db_cli.events_recorded()
    result = db_cli.run(*import_args(files), "--owner", "no.body")
    assert result.exit_code == 2
    assert "--owner no.body: no such staff account" in result.stderr
    assert result.stderr.count("\n") == 1
    assert db_cli.events_recorded() == before


def test_a_fixed_rejects_file_imports_as_it_is(db_cli: LedgerCli, files: Path) -> None:
    escalations = files / "escalations.csv"
    with escalations.open("a", encoding="utf-8") as out:
        out.write("CRM-1001,ESC-9,CMP-2023-032,complaint,2023-08-14 20:00,li.wei,9,Duty manager,"
                  "Waited too long,,\n")  # fmt: skip
    result = db_cli.run(*import_args(files, *(p.name for p in sorted(files.glob("*.csv")))))
    assert result.exit_code == EXIT_REJECTED, result.output
    rejects = files / "escalations.rejects.csv"
    # Escalations have a `reason` of their own: the rejects file's column is another.
    header, line = rejects.read_text(encoding="utf-8").splitlines()
    assert header.endswith(",reason,resolved_at,resolution,reject_reason")
    assert line.startswith("CRM-1001,ESC-9,")

    rejects.write_text(f"{header}\n{line.replace(',9,', ',1,')}\n", encoding="utf-8")
    again = db_cli.run("import", f"escalations={rejects}")
    assert again.exit_code == 0, again.output
    assert "1 imported, 0 already present, 0 changed, 0 rejected" in again.stdout


def test_views_caught_up_by_the_follower_process_equal_a_rebuild(
    db_cli: LedgerCli, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch per customer, and the follower however small the files: its
    # catch-ups after each commit are what the import ends with.
    monkeypatch.setattr(importing, "FOLLOW_FROM_BYTES", 0)
    monkeypatch.setattr(run, "BATCH_CUSTOMERS", 1)
    every = sorted(p.name for p in files.glob("*.csv"))
    output = db_cli.ok(*import_args(files, *every))
    assert output.count(" 0 rejected") == len(every) + 1

    storage = resolve(db_cli.db, environ={})
    app = Ledger(env=storage.env)
    views = Views(app, storage)
    try:
        head = app.recorder.max_notification_id()
        assert {s.position for s in views.status()} == {head}
        followed = view_rows(views)
        views.rebuild()
        assert view_rows(views) == followed
        assert sum(len(rows) for rows in followed.values()) > 0
    finally:
        views.close()
        app.close()


def test_a_rerun_leaves_an_erased_persons_details_out_and_says_so_under_its_file(
    db_cli: LedgerCli, files: Path
) -> None:
    db_cli.ok(*import_args(files))
    db_cli.ok("person", "erase", "C-00001/P1", "--reason", "Asked", "--request-ref", "R-1")
    recorded = db_cli.events_recorded()

    again = db_cli.ok(*import_args(files))

    assert db_cli.events_recorded() == recorded
    lines = again.splitlines()
    [at] = [
        n
        for n, line in enumerate(lines)
        if line.endswith(
            "people.csv (people): 0 imported, 4 already present, 0 changed, 0 rejected"
        )
    ]
    assert lines[at + 1].startswith("  line 2: personal details of C-00001/P1 not imported")
    assert not (files / "people.rejects.csv").exists()


# Runs in a process of its own, as an import does: starts its views' follower,
# takes the commit lock as a commit would, wakes the follower (which then waits
# for the lock) and says the follower's pid; then it is killed mid-commit.
KILLED_MID_COMMIT = textwrap.dedent(
    """
    import sys, time
    from commands.importing import ViewsFollower

    follower = ViewsFollower(sys.argv[1], locking=True)
    follower.turn.lock.acquire()
    follower.wake()
    print(follower._process.pid, flush=True)
    time.sleep(600)
    """
)


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie no one has collected is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_the_follower_of_an_import_killed_during_a_commit_leaves(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    # Something to catch up: the follower waits for the turn to write it.
    app = Ledger(env=resolve(str(db), environ={}).env)
    seed_staff(app)
    app.close()
    importer = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_COMMIT, str(db)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert importer.stdout is not None
    follower = int(importer.stdout.readline())
    time.sleep(2)  # the follower has started and waits for the lock
    importer.kill()
    importer.wait()

    deadline = time.monotonic() + 20
    while _running(follower) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = not _running(follower)
    if not left:
        os.kill(follower, signal.SIGKILL)

    assert left
