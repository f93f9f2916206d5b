"""Crash safety of `ledger import` (issue 17, item 5): an import killed with
SIGKILL at several points (before its first commit, between commits, after its
last while the views catch up) leaves every customer whole or absent, and
running the same import again completes it with no duplicate; on both backends.

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
from ledger.domain.events import CustomerRegistered, KeyPersonAdded
from ledger.storage import resolve
from tests.staffing import seed_staff

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = int(os.environ.get("LEDGER_RELIABILITY_IMPORT_CUSTOMERS", "30"))
PEOPLE = 3  # per customer
# Kill once this share of the customers' events is committed (0: before any
# commit; 1: all committed, the views catching up).
KILL_POINTS = (0.0, 0.5, 1.0)


def write_sources(folder: Path) -> list[str]:
    customers = folder / "customers.csv"
    people = folder / "people.csv"
    with customers.open("w", encoding="utf-8") as out:
        out.write("customer_id,name,segment,owner,registered_at\n")
        for n in range(CUSTOMERS):
            out.write(f"K{n:04d},Customer {n:04d},airport,li.wei,2024-01-02 09:00\n")
    with people.open("w", encoding="utf-8") as out:
        out.write("customer,person_id,name,decision_role,added_at\n")
        for n in range(CUSTOMERS):
            for p in range(PEOPLE):
                out.write(f"K{n:04d},K{n:04d}-P{p},Person {p},user,2024-02-0{p + 1} 10:00\n")
    return [str(customers), str(people)]


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


def start_import(db: str, files: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.import_worker", "--db", db, "--as", "li.wei",
         "import", *files],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def kill_at(process: subprocess.Popen[bytes], db: str, share: float, baseline: int) -> None:
    """SIGKILL the import once `share` of what it writes is committed."""
    target = baseline + round(share * CUSTOMERS * LOGGED_PER_CUSTOMER)
    deadline = time.monotonic() + 120
    if share == 0.0:
        time.sleep(0.3)  # started, reading its files: nothing committed yet, or little
    while share > 0.0 and process.poll() is None and time.monotonic() < deadline:
        if logged(db) >= target:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


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


def test_an_import_killed_again_and_again_completes_on_a_rerun(db_url: str, tmp_path: Path) -> None:
    app = Ledger(env=resolve(db_url, environ={}).env)
    seed_staff(app)
    app.close()
    files = write_sources(tmp_path)
    baseline = logged(db_url)

    # Each run picks up where the killed one stopped, and is killed in its turn.
    for share in KILL_POINTS:
        kill_at(start_import(db_url, files), db_url, share, baseline)
        assert_whole(db_url, complete=False)

    assert start_import(db_url, files).wait(timeout=300) == 0
    assert_whole(db_url, complete=True)
    # Once complete, the same import writes nothing more.
    before = logged(db_url)
    assert start_import(db_url, files).wait(timeout=300) == 0
    assert logged(db_url) == before
