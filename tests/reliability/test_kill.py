"""`kill -9` at random moments of a rebuild, a demo load and the `projections run`
follower, each a real `ledger` process on each backend; then what is left is
checked, and the command run again to the end is checked against a run nobody
interrupted.

The moments are drawn, from a fixed seed, between the time a command takes to
start (measured on `projections status`) and the time the uninterrupted run took,
so most of them fall while it works rather than while Python starts.
`LEDGER_RELIABILITY_KILLS` sets how many per scenario (2 by default, for CI; the
issue's trials were 12), `LEDGER_RELIABILITY_SEED` the seed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demo.customers import demo_customer_id
from demo.erasure import SHOWCASE
from demo.load import DEFAULT_SEED, load_demo
from ledger import commands as c
from ledger.application import Ledger
from ledger.config import load_settings
from ledger.domain.customer import Customer
from ledger.person_keys import TABLE as KEYS_TABLE
from ledger.sealing import key_id
from ledger.storage import Storage, resolve
from projections.shadow import SUFFIX
from projections.views import Views
from tests.staffing import ADMIN, seed_staff
from tests.view_state import view_rows

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("LEDGER_RELIABILITY_KILLS", "2"))
SEED = int(os.environ.get("LEDGER_RELIABILITY_SEED", "18"))
DEMO_CUSTOMERS = 8
EXECUTIVE = "guo.ming"  # the demo's executive (demo/staff.py)


# ------------------------------------------------------------------ processes
def ledger_process(db: str, *args: str) -> subprocess.Popen[bytes]:
    """`ledger --db DB ARGS...` as its own process (and process group, so that a
    rebuild's workers go with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--db", db, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def run_to_end(db: str, *args: str) -> float:
    """Run `ledger` to the end; the seconds it took."""
    began = time.perf_counter()
    process = ledger_process(db, *args)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()
    return time.perf_counter() - began


def kill_after(db: str, seconds: float, *args: str) -> None:
    """Start `ledger`, and `kill -9` it after `seconds` (if it is still running)."""
    process = ledger_process(db, *args)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the workers it started, if any
        process.wait()
        assert process.stderr is not None
        process.stderr.close()


def moments(started: float, uninterrupted: float, rng: random.Random) -> list[float]:
    """When to kill: from about when a command has started to when the
    uninterrupted run had ended, one moment in each of `KILLS` equal stretches of
    that time (so that a few kills still cover all of it)."""
    low = 0.8 * started
    step = (max(uninterrupted, low + 0.1) - low) / KILLS
    return [rng.uniform(low + n * step, low + (n + 1) * step) for n in range(KILLS)]


# --------------------------------------------------------------- what is left
@pytest.fixture
def storage(db_url: str) -> Storage:
    return resolve(db_url, environ={})


def opened(storage: Storage) -> tuple[Ledger, Views]:
    app = Ledger(env=storage.env)
    return app, Views(app, storage)


def positions(views: Views) -> dict[str, tuple[int, bool]]:
    return {s.name: (s.position, s.stale) for s in views.status()}


def shadow_tables(views: Views) -> list[str]:
    with views.store.reading() as tx:
        if tx.postgres:
            rows = tx.fetchall(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        else:
            rows = tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return sorted(str(name) for (name,) in rows if str(name).endswith(SUFFIX))


def events(app: Ledger) -> list[tuple[str, int, str]]:
    """Every event of the log, as (stream, version, topic), in log order."""
    return [
        (str(n.originator_id), n.originator_version, n.topic)
        for n in app.recorder.select_notifications(1, 10**9)
    ]


def streams(log: list[tuple[str, int, str]]) -> dict[str, list[tuple[int, str]]]:
    """The events of each stream, in order, as (version, topic)."""
    found: dict[str, list[tuple[int, str]]] = {}
    for stream, version, topic in log:
        found.setdefault(stream, []).append((version, topic))
    return found


def key_ids(storage: Storage) -> set[str]:
    """The key people's keys held (an erased person's is destroyed)."""
    app, views = opened(storage)
    try:
        with views.store.reading() as tx:
            return {str(k) for (k,) in tx.fetchall(f"SELECT key_id FROM {KEYS_TABLE}")}
    finally:
        views.close()
        app.close()


@dataclass(frozen=True)
class Uninterrupted:
    """A demo load nobody interrupted (on SQLite: what it writes does not depend on
    the backend), and how long a command takes to start."""

    events: list[tuple[str, int, str]]
    keys: set[str]
    seconds: float
    started: float


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Uninterrupted:
    db = str(tmp_path_factory.mktemp("uninterrupted") / "ledger.sqlite3")
    seconds = run_to_end(db, "demo", "--customers", str(DEMO_CUSTOMERS))
    started = run_to_end(db, "--as", EXECUTIVE, "projections", "status")
    storage = resolve(db, environ={})
    app, views = opened(storage)
    try:
        log = events(app)
    finally:
        views.close()
        app.close()
    return Uninterrupted(log, key_ids(storage), seconds, started)


def load_demo_here(storage: Storage) -> None:
    """The demo's accounts and customers, loaded in this process (its views are
    left to the rebuild)."""
    from datetime import datetime

    from demo.staff import ensure_demo_staff
    from demo.timeline import history_end

    tz = load_settings().timezone
    today = datetime.now(tz).date()
    app = Ledger(env=storage.env)
    try:
        ensure_demo_staff(app, history_end(today, tz), None)
        load_demo(app, customers=DEMO_CUSTOMERS, today=today, timezone=tz)
    finally:
        app.close()


# ------------------------------------------------------------------ rebuild
def test_a_rebuild_killed_at_any_moment_leaves_the_views_readable_and_correct(
    db_url: str, storage: Storage, uninterrupted: Uninterrupted
) -> None:
    rng = random.Random(SEED)
    load_demo_here(storage)
    rebuild = ("--as", EXECUTIVE, "projections", "rebuild")
    took = run_to_end(db_url, *rebuild)
    app, views = opened(storage)
    try:
        rebuilt = view_rows(views)
        tracked = positions(views)
        head = app.recorder.max_notification_id()
        assert {position for position, _ in tracked.values()} == {head}
        assert sum(len(rows) for rows in rebuilt.values()) > 0

        for n, moment in enumerate(moments(uninterrupted.started, took, rng)):
            # Every other one split over worker processes, killed with them.
            workers = ("--workers", "2") if n % 2 else ()
            kill_after(db_url, moment, *rebuild, *workers)
            left = view_rows(views), positions(views)
            assert left == (rebuilt, tracked), f"killed after {moment:.2f} s"

        run_to_end(db_url, *rebuild)
        assert (view_rows(views), positions(views)) == (rebuilt, tracked)
        assert shadow_tables(views) == []
    finally:
        views.close()
        app.close()


# ---------------------------------------------------------------- demo load
def test_a_demo_load_killed_at_any_moment_loads_what_an_uninterrupted_one_does_when_run_again(
    db_url: str, storage: Storage, uninterrupted: Uninterrupted
) -> None:
    rng = random.Random(SEED + 1)
    expected = streams(uninterrupted.events)
    for moment in moments(uninterrupted.started, uninterrupted.seconds, rng):
        kill_after(db_url, moment, "demo", "--customers", str(DEMO_CUSTOMERS))
        app, views = opened(storage)
        try:
            written = streams(events(app))
        finally:
            views.close()
            app.close()
        # Every stream holds what the uninterrupted load wrote to it, up to some
        # save (a customer's year is one save; visit plans come later, by command).
        for stream, its in written.items():
            assert its == expected[stream][: len(its)], f"{stream} killed after {moment:.2f} s"

    run_to_end(db_url, "demo", "--customers", str(DEMO_CUSTOMERS))
    app, views = opened(storage)
    try:
        # The same streams and events as the uninterrupted load (sealed values and
        # recording times differ from load to load).
        assert sorted(events(app)) == sorted(uninterrupted.events)
        caught_up = view_rows(views)
        assert {position for position, _ in positions(views).values()} == {
            app.recorder.max_notification_id()
        }
        views.rebuild()
        assert view_rows(views) == caught_up
    finally:
        views.close()
        app.close()
    # The erased person's key is destroyed, as in the uninterrupted load.
    assert key_ids(storage) == uninterrupted.keys


def test_a_demo_load_that_died_before_destroying_an_erased_key_destroys_it_when_run_again(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    import demo.load

    tz = load_settings().timezone
    today = datetime.now(tz).date()
    app = Ledger(env=storage.env)
    try:
        with monkeypatch.context() as dying:

            def dies(*_: Any) -> None:
                raise SystemExit("killed after the save, before the key was destroyed")

            dying.setattr(demo.load, "destroy_erased_keys", dies)
            with pytest.raises(SystemExit):
                load_demo(app, customers=2, today=today, timezone=tz)
        load_demo(app, customers=2, today=today, timezone=tz)
        showcase: Customer = app.repository.get(demo_customer_id(DEFAULT_SEED, SHOWCASE))
        erased = [p for p, person in showcase.people.items() if person.get("erased")]
        assert erased
    finally:
        app.close()
    held = key_ids(storage)
    assert {key_id(showcase.id, person) for person in erased} & held == set()


@pytest.mark.parametrize("dying", ["add_staff", "deactivate_staff"])
def test_a_demo_that_died_while_adding_its_accounts_finishes_them_when_run_again(
    storage: Storage, monkeypatch: pytest.MonkeyPatch, dying: str
) -> None:
    from datetime import datetime

    from demo.staff import LEAVER, demo_accounts, ensure_demo_staff
    from demo.timeline import history_end

    tz = load_settings().timezone
    end = history_end(datetime.now(tz).date(), tz)
    app = Ledger(env=storage.env)
    try:
        step = getattr(app, dying)
        calls = 0

        def dies_on_the_fourth(command: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == (4 if dying == "add_staff" else 1):
                raise SystemExit("killed while the demo added its accounts")
            return step(command)

        with monkeypatch.context() as killed:
            killed.setattr(app, dying, dies_on_the_fourth)
            with pytest.raises(SystemExit):
                ensure_demo_staff(app, end, None)
        ensure_demo_staff(app, end, None)  # run again, as at first: no actor named

        assert all(app.member_or_none(staff_id) for staff_id, _, _ in demo_accounts())
        assert not app.staff_member(LEAVER).is_active
    finally:
        app.close()


# ----------------------------------------------------------------- follower
@pytest.fixture
def busy_ledger(storage: Storage) -> Iterator[Ledger]:
    app = Ledger(env=storage.env)
    seed_staff(app)
    for n in range(3):
        app.register_customer(
            c.RegisterCustomer(
                actor="li.wei",
                name=f"Harbour Freight {n}",
                kind="organisation",
                industry="logistics",
                segment="airport",
                headquarters="Tianjin",
                tier="general",
                stage="development",
                owner="li.wei",
            )
        )
    yield app
    app.close()


def log_calls(app: Ledger, count: int, rng: random.Random) -> None:
    for n in range(count):
        app.log_contact(
            c.LogContact(
                actor="li.wei",
                customer=f"C-0000{rng.randint(1, 3)}",
                channel="phone",
                direction="outbound",
                summary=f"Call {n}",
            )
        )


def test_a_follower_killed_at_any_moment_misses_nothing_and_applies_nothing_twice(
    db_url: str, storage: Storage, busy_ledger: Ledger, uninterrupted: Uninterrupted
) -> None:
    rng = random.Random(SEED + 2)
    follow = ("--as", ADMIN, "projections", "run", "--poll", "0.05")
    started = uninterrupted.started
    for _ in range(KILLS):
        process = ledger_process(db_url, *follow)
        try:
            time.sleep(0.8 * started)
            # Events arrive while it follows; it is killed while they do.
            log_calls(busy_ledger, 10, rng)
            time.sleep(rng.uniform(0, 0.3))
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            assert process.stderr is not None
            process.stderr.close()
    log_calls(busy_ledger, 5, rng)

    run_to_end(db_url, *follow[:-2], "--seconds", "0.5", "--poll", "0.05")
    views = Views(busy_ledger, storage)
    try:
        head = busy_ledger.recorder.max_notification_id()
        assert {position for position, _ in positions(views).values()} == {head}
        followed = view_rows(views)
        views.rebuild()
        assert view_rows(views) == followed
    finally:
        views.close()
