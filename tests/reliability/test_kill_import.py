"""Crash safety of `ledger import` (issue 17, item 5): an import killed with
SIGKILL at several points (before its first commit, between commits, after its
last while the views catch up) leaves every customer whole or absent, and
running the same import again completes it with no duplicate; so does a re-run
of changed files, changed back and forth, killed half-way; on both backends.

Small by default; LEDGER_RELIABILITY_IMPORT_CUSTOMERS=300 for a longer run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.domain.base import CustomerEvent
from ledger.domain.events import (
    CorrectionRecorded,
    CustomerRegistered,
    KeyPersonAdded,
    KeyPersonUpdated,
    ProfileUpdated,
)
from ledger.storage import resolve
from tests.staffing import seed_staff

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = int(os.environ.get("LEDGER_RELIABILITY_IMPORT_CUSTOMERS", "30"))
PEOPLE = 3  # per customer
# Kill once this share of the customers' events is committed (0: before any
# commit; 1: all committed, the views catching up).
KILL_POINTS = (0.0, 0.5, 1.0)


def write_sources(
    folder: Path, industry: str = "aviation", title: str = "Engineer", summary: str = ""
) -> list[str]:
    """Every customer with `industry`, every key person with `title`; with a
    `summary`, a contact with each customer too."""
    customers = folder / "customers.csv"
    people = folder / "people.csv"
    with customers.open("w", encoding="utf-8") as out:
        out.write("customer_id,name,segment,owner,registered_at,industry\n")
        for n in range(CUSTOMERS):
            out.write(f"K{n:04d},Customer {n:04d},airport,li.wei,2024-01-02 09:00,{industry}\n")
    with people.open("w", encoding="utf-8") as out:
        out.write("customer,person_id,name,decision_role,added_at,title\n")
        for n in range(CUSTOMERS):
            for p in range(PEOPLE):
                out.write(
                    f"K{n:04d},K{n:04d}-P{p},Person {p},user,2024-02-0{p + 1} 10:00,{title}\n"
                )
    if not summary:
        return [str(customers), str(people)]
    contacts = folder / "contacts.csv"
    with contacts.open("w", encoding="utf-8") as out:
        out.write("customer,contact_id,occurred_at,staff,channel,direction,summary\n")
        for n in range(CUSTOMERS):
            out.write(f"K{n:04d},K{n:04d}-C,2024-03-01 10:00,li.wei,phone,outbound,{summary}\n")
    return [str(customers), str(people), str(contacts)]


def customer_events(app: Ledger) -> list[CustomerEvent]:
    """Every event in the customers' streams."""
    found: list[CustomerEvent] = []
    for row in app.list_customers():
        found += app.customer_events(row.code)[1]
    return found


# What one customer's import writes to the log: its registration and people, a
# customer number, and its code and name keys.
LOGGED_PER_CUSTOMER = 1 + PEOPLE + 3


def logged(db: str) -> int:
    app = Ledger(env=resolve(db, environ={}).env)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def start_import(db: str, files: list[str], workers: int = 2) -> subprocess.Popen[bytes]:
    """The import, its batches run by `workers` processes (1: by itself)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.import_worker", "--db", db, "--as", "li.wei",
         "import", *files, "--workers", str(workers)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip


def kill_at(
    process: subprocess.Popen[bytes],
    db: str,
    share: float,
    baseline: int,
    per_customer: int = LOGGED_PER_CUSTOMER,
) -> None:
    """SIGKILL the import once `share` of what it writes (`per_customer` events
    each) is committed."""
    if share == 0.0:
        time.sleep(0.3)  # started, reading its files: nothing committed yet, or little
    else:
        wait_until_logged(process, db, baseline + round(share * CUSTOMERS * per_customer))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def wait_until_logged(process: subprocess.Popen[bytes], db: str, target: int) -> None:
    """Until the log holds `target` events, or the import has ended."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if logged(db) >= target:
            return
        time.sleep(0.01)


def staffed_sources(db: str, folder: Path) -> list[str]:
    """The ledger's staff, and the files of the import (`write_sources`)."""
    app = Ledger(env=resolve(db, environ={}).env)
    seed_staff(app)
    app.close()
    return write_sources(folder)


def assert_whole(db: str, complete: bool) -> None:
    """Every customer there has all its people; no command is recorded twice; with
    `complete`, every customer is there."""
    app = Ledger(env=resolve(db, environ={}).env)
    try:
        events = customer_events(app)
        customers = app.list_customers()
    finally:
        app.close()
    people = Counter(e.originator_id for e in events if isinstance(e, KeyPersonAdded))
    registered = [e.originator_id for e in events if isinstance(e, CustomerRegistered)]
    assert all(people[c] == PEOPLE for c in registered), "a customer is half imported"
    ids = Counter(e.command_id for e in events)
    assert [i for i, n in ids.items() if n > 1] == []
    if complete:
        assert len(customers) == CUSTOMERS
        assert len(events) == CUSTOMERS * (1 + PEOPLE)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_killed_again_and_again_completes_on_a_rerun(
    db_url: str, tmp_path: Path, workers: int
) -> None:
    files = staffed_sources(db_url, tmp_path)
    baseline = logged(db_url)

    # Each run picks up where the killed one stopped, and is killed in its turn.
    for share in KILL_POINTS:
        kill_at(start_import(db_url, files, workers), db_url, share, baseline)
        assert_whole(db_url, complete=False)

    assert start_import(db_url, files, workers).wait(timeout=300) == 0
    assert_whole(db_url, complete=True)
    # Once complete, the same import writes nothing more.
    before = logged(db_url)
    assert start_import(db_url, files, workers).wait(timeout=300) == 0
    assert logged(db_url) == before


def children_of(pid: int) -> list[int]:
    """The live processes `pid` started: its workers and views follower (not the
    resource tracker Python's multiprocessing starts beside them)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except (FileNotFoundError, IndexError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and b"resource_tracker" not in command:
            found.append(int(stat.parent.name))
    return found


def test_an_import_whose_workers_are_killed_says_so_in_one_line_and_a_rerun_completes(
    db_url: str, tmp_path: Path
) -> None:
    files = staffed_sources(db_url, tmp_path)
    baseline = logged(db_url)
    importing = start_import(db_url, files)
    wait_until_logged(importing, db_url, baseline + CUSTOMERS * LOGGED_PER_CUSTOMER // 3)
    helpers = children_of(importing.pid)
    assert helpers, "the import has no worker processes"
    for pid in helpers:
        os.kill(pid, signal.SIGKILL)
    _, errors = importing.communicate(timeout=120)

    assert importing.returncode not in (0, 3)
    lines = errors.decode().strip().splitlines()
    assert len(lines) == 1 and "run the same import again" in lines[-1], lines
    assert_whole(db_url, complete=False)
    assert start_import(db_url, files).wait(timeout=300) == 0
    assert_whole(db_url, complete=True)


def test_the_workers_of_an_import_killed_with_sigkill_stop_with_it(
    db_url: str, tmp_path: Path
) -> None:
    files = staffed_sources(db_url, tmp_path)
    importing = start_import(db_url, files)
    deadline = time.monotonic() + 60
    while len(children_of(importing.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # two workers and the views' follower
    helpers = children_of(importing.pid)
    importing.kill()
    importing.wait()
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in helpers if Path(f"/proc/{pid}").exists()]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert len(helpers) >= 2 and left == []


def test_a_rerun_of_changed_files_killed_half_way_records_each_change_once(
    db_url: str, tmp_path: Path
) -> None:
    """Each change of a row is an update by the version it is recorded at: one
    committed before the kill is found equal to the row on the next run, and
    not recorded again; a row changed back, and changed again, records again."""
    app = Ledger(env=resolve(db_url, environ={}).env)
    seed_staff(app)
    app.close()
    first = write_sources(tmp_path, summary="Fees")
    assert start_import(db_url, first).wait(timeout=300) == 0
    # Per customer, a changed industry, each person's changed title and the
    # contact's corrected summary.
    changes = 1 + PEOPLE + 1

    # Changed, changed back, and changed again as the first time.
    turns = (
        ("logistics", "CIO", "Landing fees"),
        ("aviation", "Engineer", "Fees"),
        ("logistics", "CIO", "Landing fees"),
    )
    for turn, (industry, title, summary) in enumerate(turns):
        files = write_sources(tmp_path, industry, title, summary)
        kill_at(start_import(db_url, files), db_url, 0.5, logged(db_url), changes)
        assert start_import(db_url, files).wait(timeout=300) == 0
        app = Ledger(env=resolve(db_url, environ={}).env)
        try:
            events = customer_events(app)
        finally:
            app.close()
        ids = Counter(e.command_id for e in events)
        assert [i for i, n in ids.items() if n > 1] == []
        profile = Counter(e.originator_id for e in events if isinstance(e, ProfileUpdated))
        people = Counter(e.originator_id for e in events if isinstance(e, KeyPersonUpdated))
        fixes = Counter(e.originator_id for e in events if isinstance(e, CorrectionRecorded))
        assert set(profile.values()) == {turn + 1}, "a change recorded twice, or lost"
        assert set(people.values()) == {PEOPLE * (turn + 1)}
        assert set(fixes.values()) == {turn + 1}
        assert len(profile) == len(fixes) == CUSTOMERS
        last = {e.originator_id: e.changes for e in events if isinstance(e, ProfileUpdated)}
        assert set(map(str, last.values())) == {str({"industry": industry})}
        last = {e.originator_id: e.changes for e in events if isinstance(e, CorrectionRecorded)}
        assert set(map(str, last.values())) == {str({"summary": summary})}

    before = logged(db_url)
    assert start_import(db_url, files).wait(timeout=300) == 0
    assert logged(db_url) == before
