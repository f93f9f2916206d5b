"""Keeping views current, on SQLite and PostgreSQL: every event applied exactly once,
rows and positions committed together, gaps in the log passed over, rebuilds that
match incremental catch-up, and views rebuilt when their logic changes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.base import CustomerEvent
from ledger.errors import InvalidInputError
from ledger.storage import Storage, resolve
from projections import parallel
from projections.base import Decoded, StatementProjection
from projections.customer360 import Customer360, as_of
from projections.parallel import PARALLEL_FROM, RebuildFailedError, worker_count
from projections.recorded import RecordedVersions
from projections.store import Transaction
from projections.views import Views
from projections.workers import MOST_WORKERS, usable_cores
from tests.staffing import ADMIN, EXECUTIVES, seed_staff, staffed_ledger
from tests.view_state import view_rows

ACTOR = "li.wei"


# ------------------------------------------------------------------- helpers
def register(app: Ledger, name: str) -> str:
    receipt = app.register_customer(
        c.RegisterCustomer(actor=ACTOR, name=name, segment="airport", owner="zhang.min")
    )
    return receipt.customer_code


def busy_week(app: Ledger, code: str) -> None:
    """A week of work with one customer: contacts, a complaint worked through, a lead."""
    app.log_contact(
        c.LogContact(
            actor=ACTOR, customer=code, channel="phone", direction="inbound", summary="Asked"
        )
    )
    complaint = app.file_complaint(
        c.FileComplaint(
            actor=ACTOR, customer=code, category="service", description="Late", channel="email"
        )
    ).subject
    app.acknowledge_complaint(c.AcknowledgeComplaint(actor=ACTOR, customer=code, case=complaint))
    app.resolve_complaint(
        c.ResolveComplaint(actor=ACTOR, customer=code, case=complaint, resolution="Refund")
    )
    app.create_lead(c.CreateLead(actor=ACTOR, customer=code, title="Lounge"))
    app.record_satisfaction(
        c.RecordSatisfaction(actor=ACTOR, customer=code, score=4, source="survey")
    )


def log_call(app: Ledger, code: str, summary: str = "Called back") -> None:
    app.log_contact(
        c.LogContact(
            actor=ACTOR, customer=code, channel="phone", direction="outbound", summary=summary
        )
    )


def customer_events(app: Ledger) -> dict[str, list[CustomerEvent]]:
    streams: dict[str, list[CustomerEvent]] = {}
    for row in app.list_customers():
        customer_id = app.resolve_customer(row.code)
        streams[str(customer_id)] = [
            e for e in app.events.get(customer_id) if isinstance(e, CustomerEvent)
        ]
    return streams


def computed_docs(app: Ledger) -> dict[str, dict[str, Any]]:
    """The 360 of every customer, folded afresh from all its events."""
    return {key: as_of(UUID(key), events) for key, events in customer_events(app).items()}


def stored_docs(views: Views) -> dict[str, dict[str, Any]]:
    import json

    with views.store.transaction() as tx:
        rows = tx.fetchall("SELECT customer_id, doc FROM view_customer360")
    return {str(customer_id): json.loads(doc) for customer_id, doc in rows}


def positions(views: Views) -> dict[str, int]:
    return {status.name: status.position for status in views.status()}


def events_in_log(app: Ledger) -> int:
    """The customers' events in the log."""
    return sum(len(events) for events in customer_events(app).values())


def every_event_in_log(app: Ledger) -> int:
    """The customers' events and the seeded staff accounts' (which the staff views
    take in), every one of which reaches a view."""
    staff = sum(app.staff_member(staff_id).version for staff_id in (ADMIN, *EXECUTIVES))
    return events_in_log(app) + staff


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    created = Views(ledger_app, storage)
    yield created
    created.close()


# ------------------------------------------------------------------ catch-up
def test_catching_up_applies_every_event_of_every_customer_exactly_once(
    ledger_app: Ledger, views: Views
) -> None:
    for name in ("Capital Airport", "Harbour Freight"):
        busy_week(ledger_app, register(ledger_app, name))

    applied = views.catch_up()

    docs = stored_docs(views)
    assert applied == every_event_in_log(ledger_app)
    assert docs == computed_docs(ledger_app)
    assert all(sum(doc["counts"].values()) == doc["version"] for doc in docs.values())


def test_a_second_catch_up_applies_nothing_and_changes_nothing(
    ledger_app: Ledger, views: Views
) -> None:
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    views.catch_up()
    before = view_rows(views)

    applied = views.catch_up()

    assert applied == 0
    assert view_rows(views) == before


def test_a_catch_up_applies_only_what_was_recorded_since_the_last_one(
    ledger_app: Ledger, views: Views
) -> None:
    code = register(ledger_app, "Capital Airport")
    views.catch_up()
    busy_week(ledger_app, code)

    applied = views.catch_up(["customer360"])

    assert applied == events_in_log(ledger_app) - 1
    assert stored_docs(views) == computed_docs(ledger_app)


def test_catching_up_one_view_leaves_the_others_where_they_were(
    ledger_app: Ledger, views: Views
) -> None:
    register(ledger_app, "Capital Airport")

    views.catch_up(["recorded"])

    head = ledger_app.recorder.max_notification_id()
    assert positions(views) == {n: head if n == "recorded" else 0 for n in views.names()}
    assert stored_docs(views) == {}


def test_an_unknown_view_name_is_refused_with_the_names_there_are(views: Views) -> None:
    with pytest.raises(InvalidInputError) as refused:
        views.catch_up(["customer361"])

    assert str(refused.value) == (
        f"unknown projection 'customer361': choose from {', '.join(views.names())}"
    )


# --------------------------------------------------------------- concurrency
class Follower(threading.Thread):
    """A separate follower, as another process would be: its own Ledger and Views,
    catching up each time it is told to (a SQLite connection stays in its thread)."""

    def __init__(self, storage: Storage, rounds: threading.Barrier, **views: Any) -> None:
        super().__init__()
        self.storage, self.rounds, self.views_options = storage, rounds, views
        # Opened here: the library's own table set-up is not made for racing starts.
        self.app = Ledger(env=storage.env)
        self.applied = 0
        self.failure: BaseException | None = None

    def run(self) -> None:
        app = self.app
        views = Views(app, self.storage, **self.views_options)
        try:
            while True:
                self.rounds.wait(timeout=30)
                self.applied += views.catch_up()
                self.rounds.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass  # the test is over
        except BaseException as error:  # surfaced by the test's assertions
            self.failure = error
            self.rounds.abort()
        finally:
            views.close()
            app.close()


def test_two_followers_catching_up_at_once_build_the_view_one_would(
    ledger_app: Ledger, views: Views, storage: Storage
) -> None:
    codes = [register(ledger_app, name) for name in ("Capital Airport", "Harbour Freight")]
    rounds = threading.Barrier(3)
    followers = [Follower(storage, rounds) for _ in range(2)]
    for follower in followers:
        follower.start()

    for round_ in range(4):
        for code in codes:
            if round_ % 2:
                busy_week(ledger_app, code)
            else:
                log_call(ledger_app, code)
        rounds.wait(timeout=30)  # both catch up at once ...
        rounds.wait(timeout=30)  # ... and are done
    rounds.abort()
    for follower in followers:
        follower.join(timeout=30)

    docs = stored_docs(views)
    assert [f.failure for f in followers] == [None, None]
    assert sum(f.applied for f in followers) == every_event_in_log(ledger_app)
    assert docs == computed_docs(ledger_app)
    assert all(sum(doc["counts"].values()) == doc["version"] for doc in docs.values())


def test_a_catch_up_that_read_the_positions_before_another_committed_applies_nothing_twice(
    ledger_app: Ledger, storage: Storage
) -> None:
    """The interleaving that row locks alone miss: the second follower has begun its
    batch (and found no positions to lock, as on a fresh or just-rebuilt view) when
    the first commits the same events. It must wait its turn, then skip them."""
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    in_batch, first_done = threading.Event(), threading.Event()

    class HesitantCustomer360(Customer360):
        def apply(self, tx: Transaction, batch: Decoded) -> None:
            in_batch.set()
            # Long enough for the first follower to commit, unless it is made to wait.
            first_done.wait(timeout=1)
            super().apply(tx, batch)

    go = threading.Barrier(2)
    second = Follower(storage, go, projections=[HesitantCustomer360(), RecordedVersions()])
    second.start()
    go.wait(timeout=10)
    in_batch.wait(timeout=10)
    first = Views(ledger_app, storage, [Customer360(), RecordedVersions()])

    first_applied = first.catch_up()
    first_done.set()
    go.wait(timeout=30)
    go.abort()
    second.join(timeout=30)

    docs = stored_docs(first)
    first.close()
    assert second.failure is None
    assert first_applied + second.applied == events_in_log(ledger_app)
    assert docs == computed_docs(ledger_app)
    assert all(sum(doc["counts"].values()) == doc["version"] for doc in docs.values())


def test_a_view_reset_by_another_process_midway_through_a_catch_up_is_replayed_whole(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    monkeypatch.setattr("projections.views.BATCH", 2)
    reset = False

    def reset_by_another_process(position: int, head: int) -> None:
        nonlocal reset
        if not reset:
            # What a rebuild elsewhere commits: the view emptied, its position gone.
            with views.store.transaction() as tx:
                tx.execute("DELETE FROM view_customer360")
                tx.execute("DELETE FROM view_tracking WHERE name = ?", ("customer360",))
            reset = True

    views.catch_up(progress=reset_by_another_process)
    views.catch_up()

    assert stored_docs(views) == computed_docs(ledger_app)


# ------------------------------------------------------------------ failures
def test_a_failure_in_the_middle_of_a_batch_leaves_every_view_and_position_as_it_was(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = register(ledger_app, "Capital Airport")
    busy_week(ledger_app, code)
    views.catch_up()
    busy_week(ledger_app, code)
    rows_before, positions_before = view_rows(views), positions(views)
    write_rows = RecordedVersions.apply

    def write_rows_then_fail(self: RecordedVersions, tx: Transaction, batch: Decoded) -> None:
        write_rows(self, tx, batch)
        raise RuntimeError("the machine lost power")

    monkeypatch.setattr(RecordedVersions, "apply", write_rows_then_fail)

    with pytest.raises(RuntimeError):
        views.catch_up()

    assert view_rows(views) == rows_before
    assert positions(views) == positions_before


def fail(*_: object) -> None:
    raise RuntimeError("the machine lost power")


def test_after_a_failed_catch_up_the_next_one_applies_the_events_once(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = register(ledger_app, "Capital Airport")
    views.catch_up()
    busy_week(ledger_app, code)
    with monkeypatch.context() as patched:
        patched.setattr(RecordedVersions, "apply", fail)
        with pytest.raises(RuntimeError):
            views.catch_up()

    applied = views.catch_up()

    assert applied == events_in_log(ledger_app) - 1
    assert stored_docs(views) == computed_docs(ledger_app)


# ---------------------------------------------------------------------- gaps
def test_gaps_in_the_notification_ids_are_passed_over(
    ledger_app: Ledger, views: Views, storage: Storage
) -> None:
    code = register(ledger_app, "Capital Airport")
    views.catch_up()
    caught_up_at = ledger_app.recorder.max_notification_id()
    register(ledger_app, "Harbour Freight")  # its directory entries follow its event
    log_call(ledger_app, code)
    table, notification_id = (
        ("ledger_events", "notification_id") if storage.is_postgres else ("stored_events", "rowid")
    )
    with views.store.transaction() as tx:
        # Leave a hole in the middle of what is still to be read: a directory entry's id.
        tx.execute(
            f"DELETE FROM {table} WHERE {notification_id} = (SELECT MIN({notification_id}) "
            f"FROM {table} WHERE {notification_id} > ? AND topic NOT LIKE ?)",
            (caught_up_at, "ledger.domain.events.%"),
        )

    views.catch_up()

    assert stored_docs(views) == computed_docs(ledger_app)
    assert all(status.lag == 0 for status in views.status())


@pytest.mark.postgres
def test_an_id_taken_by_a_rolled_back_insert_is_never_waited_for(
    postgres_schema_url: str,
) -> None:
    with staffed_ledger(resolve(postgres_schema_url, environ={})) as (app, views):
        code = register(app, "Capital Airport")
        views.catch_up()
        with pytest.raises(RuntimeError), views.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
                "VALUES (gen_random_uuid(), 1, 'ledger.domain.events:Nothing', '')"
            )
            raise RuntimeError("rolled back: the id it drew stays unused")
        log_call(app, code, "After the gap")

        started = time.perf_counter()
        views.catch_up()

        assert time.perf_counter() - started < 5
        doc = stored_docs(views)[str(app.resolve_customer(code))]
        assert doc["last_contact"]["phone"]["summary"] == "After the gap"
        assert doc == computed_docs(app)[doc["customer_id"]]


# ------------------------------------------------------------------ rebuilds
def test_a_rebuild_gives_the_same_views_as_catching_up_step_by_step(
    ledger_app: Ledger, views: Views
) -> None:
    code = register(ledger_app, "Capital Airport")
    for _ in range(3):
        busy_week(ledger_app, code)
        views.catch_up()
    incremental = view_rows(views)

    events, seconds = views.rebuild()

    assert events == every_event_in_log(ledger_app)
    assert seconds > 0
    assert view_rows(views) == incremental


def test_a_rebuild_written_in_several_parts_gives_the_same_views(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = register(ledger_app, "Capital Airport")
    for _ in range(3):
        busy_week(ledger_app, code)
    busy_week(ledger_app, register(ledger_app, "Harbour Logistics"))
    views.catch_up()
    incremental = view_rows(views)
    # Pages of 3 events, 7 to a batch, written every 10 or so: rows written by one
    # part are updated by the next, and the tail is folded into the last part;
    # documents written one at a time.
    monkeypatch.setattr("projections.log_pages.BATCH", 3)
    monkeypatch.setattr("projections.log_pages.REBUILD_BATCH", 7)
    monkeypatch.setattr("projections.rebuilding.REBUILD_FLUSH", 10)
    monkeypatch.setattr("projections.base.DOCUMENTS_AT_ONCE", 1)

    events, _ = views.rebuild()

    assert events == every_event_in_log(ledger_app)
    assert view_rows(views) == incremental


@pytest.mark.parametrize("workers", [1, 2])
def test_a_rebuild_leaves_every_view_indexed(views: Views, workers: int) -> None:
    views.rebuild(workers=workers)

    expected = {
        statement.split(" ON ")[0].split()[-1] for p in views.projections for statement in p.indexes
    }
    with views.store.transaction() as tx:
        if views.store.postgres:
            rows = tx.fetchall(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        else:
            rows = tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")
    assert expected <= {str(name) for (name,) in rows}


def test_views_rebuilt_from_an_empty_log_take_in_what_is_recorded_after(
    storage: Storage,
) -> None:
    app = Ledger(env=storage.env)
    empty = Views(app, storage)
    try:
        events, _ = empty.rebuild()
        seed_staff(app)
        busy_week(app, register(app, "Capital Airport"))

        empty.catch_up()

        assert events == 0
        assert stored_docs(empty) == computed_docs(app)
    finally:
        empty.close()
        app.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_catch_up_during_a_rebuild_reads_on_from_where_the_swap_left_the_views(
    ledger_app: Ledger,
    views: Views,
    storage: Storage,
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a_busy_ledger(ledger_app, customers=3)
    views.catch_up()
    rebuilt_to = ledger_app.recorder.max_notification_id()
    other = Views(ledger_app, storage)
    swap = views._swap

    def overtaken(*args: Any) -> None:
        # Events recorded and caught up on the live views while the rebuild replays.
        log_call(ledger_app, "C-00001", "Called while the views were rebuilt")
        other.catch_up()
        swap(*args)

    monkeypatch.setattr(views, "_swap", overtaken)
    try:
        views.rebuild(workers=workers)
        after_swap = {s.position for s in views.status()}
        other.catch_up()
    finally:
        other.close()

    head = ledger_app.recorder.max_notification_id()
    assert after_swap == {rebuilt_to}
    assert {s.position for s in views.status()} == {head}
    assert stored_docs(views) == computed_docs(ledger_app)
    caught_up = view_rows(views)
    views.rebuild()
    assert view_rows(views) == caught_up


def test_rebuilding_one_view_leaves_the_others_untouched(ledger_app: Ledger, views: Views) -> None:
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    views.catch_up()
    with views.store.transaction() as tx:
        tx.execute("UPDATE view_recorded SET recorded_at = ?", ("untouched",))

    events, _ = views.rebuild(["customer360"])

    with views.store.transaction() as tx:
        recorded = {row[0] for row in tx.fetchall("SELECT recorded_at FROM view_recorded")}
    assert events == events_in_log(ledger_app)
    assert recorded == {"untouched"}


def test_a_view_whose_logic_changed_is_rebuilt_on_the_next_catch_up(
    ledger_app: Ledger, views: Views, storage: Storage
) -> None:
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    views.catch_up()
    with views.store.transaction() as tx:
        tx.execute("UPDATE view_customer360 SET name = ?", ("built by the old logic",))

    class Customer360Revised(Customer360):
        version = f"{Customer360.version}, revised"

    revised = Views(ledger_app, storage, [Customer360Revised(), RecordedVersions()])
    try:
        stale_before = {s.name: s.stale for s in revised.status()}
        revised.catch_up()

        with revised.store.transaction() as tx:
            names = {row[0] for row in tx.fetchall("SELECT name FROM view_customer360")}
            tracked = dict(tx.fetchall("SELECT name, version FROM view_tracking"))
        tracked = {name: tracked[name] for name in revised.names()}
        assert stale_before == {"customer360": True, "recorded": False}
        assert names == {"Capital Airport"}
        assert tracked == {
            "customer360": Customer360Revised.version,
            "recorded": RecordedVersions.version,
        }
        assert stored_docs(revised) == computed_docs(ledger_app)
        assert not any(s.stale for s in revised.status())
    finally:
        revised.close()


class CatchUpPaths:
    """Which views a catch-up replayed from the start of the log (the rebuild path),
    and which of those that a rebuild feeds through a replay of their own (not
    through `process`, as the small statement views) it fed batch by batch (a
    catch-up hands each view its batch through `apply`)."""

    def __init__(self, views: Views, monkeypatch: pytest.MonkeyPatch) -> None:
        self.replayed_whole: list[str] = []
        self.fed_in_batches: set[str] = set()
        replay_all = views._replay_all

        def noted_replay(targets: list[Any], *args: Any) -> int:
            self.replayed_whole += [p.name for p in targets]
            return replay_all(targets, *args)

        monkeypatch.setattr(views, "_replay_all", noted_replay)
        for projection in views.projections:
            if not isinstance(projection, StatementProjection):
                monkeypatch.setattr(projection, "apply", self._noting(projection))

    def _noting(self, projection: Any) -> Any:
        apply = projection.apply

        def noted_apply(tx: Transaction, batch: Decoded) -> None:
            self.fed_in_batches.add(projection.name)
            apply(tx, batch)

        return noted_apply


def test_a_view_whose_logic_changed_is_rebuilt_in_one_replay_not_in_catch_up_batches(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_busy_ledger(ledger_app, customers=3)
    views.catch_up()
    with views.store.transaction() as tx:
        tx.execute("UPDATE view_customer360 SET name = ?", ("built by the old logic",))
    monkeypatch.setattr(Customer360, "version", f"{Customer360.version}, revised")
    paths = CatchUpPaths(views, monkeypatch)

    views.catch_up()

    assert paths.replayed_whole == ["customer360"]
    assert "customer360" not in paths.fed_in_batches
    caught_up = view_rows(views)
    views.rebuild(["customer360"])
    assert view_rows(views) == caught_up
    assert not any(s.stale for s in views.status())


def test_views_missing_most_of_the_log_are_rebuilt_to_catch_up(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.views.REBUILD_FROM", 10)
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    views.catch_up()
    a_busy_ledger(ledger_app, customers=3)  # a bulk load: most of the log is new
    paths = CatchUpPaths(views, monkeypatch)

    views.catch_up()

    head = ledger_app.recorder.max_notification_id()
    assert sorted(paths.replayed_whole) == sorted(views.names())
    assert paths.fed_in_batches == set()
    assert set(positions(views).values()) == {head}
    caught_up = view_rows(views)
    views.rebuild()
    assert view_rows(views) == caught_up


def test_a_catch_up_rebuild_that_dies_before_its_swap_leaves_the_views_as_they_were(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.views.REBUILD_FROM", 10)
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    views.catch_up()
    rows_before, positions_before = view_rows(views), positions(views)
    a_busy_ledger(ledger_app, customers=3)  # a bulk load: the next catch-up rebuilds

    def dies(*args: Any) -> None:
        raise RuntimeError("the process died before the swap")

    with monkeypatch.context() as dying:
        dying.setattr(views, "_swap", dies)
        with pytest.raises(RuntimeError):
            views.catch_up()
    left = view_rows(views), positions(views)
    views.catch_up()

    assert left == (rows_before, positions_before)
    assert stored_docs(views) == computed_docs(ledger_app)
    caught_up = view_rows(views)
    views.rebuild()
    assert view_rows(views) == caught_up


def test_views_missing_a_little_of_the_log_are_caught_up_in_batches(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.views.REBUILD_FROM", 10)
    a_busy_ledger(ledger_app, customers=3)
    views.catch_up()
    for summary in ("Called back", "Called again", "Called once more"):
        log_call(ledger_app, "C-00001", summary)
    paths = CatchUpPaths(views, monkeypatch)

    views.catch_up()

    assert paths.replayed_whole == []
    fed_by_calls = {"customer360", "recorded", "churn", "sla", "monthly", "worked_on", "work"}
    fed_by_calls.add("contact_plan")  # a call with a key person moves their plan on
    fed_by_calls |= {"pipeline", "activity"}  # every view of customers' events
    assert paths.fed_in_batches == fed_by_calls
    assert stored_docs(views) == computed_docs(ledger_app)


def test_a_view_built_by_the_same_logic_is_not_rebuilt(ledger_app: Ledger, views: Views) -> None:
    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    views.catch_up()
    with views.store.transaction() as tx:
        tx.execute("UPDATE view_customer360 SET name = ?", ("kept",))

    views.catch_up()

    with views.store.transaction() as tx:
        assert tx.fetchall("SELECT name FROM view_customer360") == [("kept",)]


# -------------------------------------------------------------------- status
def test_status_shows_each_views_position_the_head_and_the_lag(
    ledger_app: Ledger, views: Views
) -> None:
    code = register(ledger_app, "Capital Airport")
    views.catch_up(["customer360"])
    caught_up_at = ledger_app.recorder.max_notification_id() or 0
    log_call(ledger_app, code)
    head = ledger_app.recorder.max_notification_id() or 0

    statuses = {s.name: s for s in views.status()}

    assert [(s.position, s.head, s.lag, s.stale) for s in statuses.values()] == [
        (caught_up_at, head, head - caught_up_at, False)
        if name == "customer360"
        else (0, head, head, False)
        for name in views.names()
    ]


def test_a_follower_applies_what_is_recorded_while_it_runs(
    ledger_app: Ledger, views: Views, storage: Storage
) -> None:
    code = register(ledger_app, "Capital Airport")
    stop = threading.Event()
    applied: list[int] = []

    def follow() -> None:
        follower = Views(Ledger(env=storage.env), storage)
        try:
            follower.follow(stop.is_set, on_progress=applied.append, poll_seconds=0.05)
        finally:
            follower.close()
            follower.app.close()

    thread = threading.Thread(target=follow)
    thread.start()
    try:
        log_call(ledger_app, code, "Heard by the follower")
        deadline = time.monotonic() + 10
        while any(s.lag for s in views.status()) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)

    assert not thread.is_alive()
    assert sum(applied) == every_event_in_log(ledger_app)
    doc = stored_docs(views)[str(ledger_app.resolve_customer(code))]
    assert doc["last_contact"]["phone"]["summary"] == "Heard by the follower"


# ------------------------------------------------------------- handovers
def test_handovers_and_moves_applied_together_keep_the_first_handover_and_the_last_owner(
    ledger_app: Ledger, views: Views
) -> None:
    """Catching up applies a customer's changes between two staff events in one
    statement per kind: the result must be what applying them one by one gives."""
    first, second = register(ledger_app, "Capital Airport"), register(ledger_app, "Harbour")
    ledger_app.deactivate_staff(c.DeactivateStaff(actor=ADMIN, staff="zhang.min", reason="left"))
    views.catch_up()
    for owner in ("li.wei", "wang.fang"):
        ledger_app.assign_owner(
            c.AssignOwner(actor=ACTOR, customer=first, owner=owner, reason="cover")
        )
    for segment in ("technology", "real_estate"):
        ledger_app.change_segment(
            c.ChangeSegment(actor=ACTOR, customer=second, segment=segment, reason="moved")
        )
    views.catch_up()  # the four events in one batch, with no staff event among them

    with views.store.transaction() as tx:
        owners = dict(tx.fetchall("SELECT customer_id, owner FROM view_handover_owner"))
        segments = dict(tx.fetchall("SELECT customer_id, segment FROM view_handover_owner"))
        clocks = tx.fetchall("SELECT customer_id, departed, handed_to FROM view_handover")
    one, two = str(ledger_app.resolve_customer(first)), str(ledger_app.resolve_customer(second))
    assert owners[one] == "wang.fang" and segments[two] == "real_estate"
    # The first handover stopped the departure's clock; the second found none open.
    assert sorted(clocks) == sorted([(one, "zhang.min", "li.wei"), (two, "zhang.min", None)])


# ------------------------------------------------- rebuilds split by customer
def a_busy_ledger(app: Ledger, customers: int = 8) -> None:
    """Customers enough that every worker gets some, a departure with customers
    left to hand over, and a read: every view, split or not, has rows."""
    codes = [register(app, f"Customer {n}") for n in range(customers)]
    for code in codes:
        busy_week(app, code)
    app.deactivate_staff(c.DeactivateStaff(actor=ADMIN, staff="zhang.min", reason="left"))
    app.assign_owner(c.AssignOwner(actor=ACTOR, customer=codes[0], owner="li.wei", reason="cover"))
    app.record_read(app.caller(ACTOR), app.resolve_customer(codes[1]), "customer360")


@pytest.mark.parametrize("workers", [2, 3])
def test_a_rebuild_split_over_worker_processes_gives_the_same_views(
    ledger_app: Ledger, views: Views, workers: int
) -> None:
    a_busy_ledger(ledger_app)
    views.catch_up()
    incremental = view_rows(views)

    events, _ = views.rebuild(workers=workers)

    assert events == every_event_in_log(ledger_app) + 1  # and the read
    assert view_rows(views) == incremental
    assert {s.position for s in views.status()} == {ledger_app.recorder.max_notification_id()}


def test_a_split_rebuild_in_small_feeds_hands_final_rows_over_early_and_gives_the_same_views(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_busy_ledger(ledger_app)
    views.catch_up()
    incremental = view_rows(views)
    # Workers read 2 rows a query, feed 3 events at a time, and hand over the
    # recorded view's rows after every 2 feeds; the other views' events are read 4
    # log positions a query.
    monkeypatch.setattr("projections.log_pages.TOPIC_WINDOW", 4)
    monkeypatch.setattr("projections.parallel.PAGE", 2)
    monkeypatch.setattr("projections.parallel.FEED", 3)
    monkeypatch.setattr("projections.parallel.EARLY", 2)
    handed: list[object] = []
    make = parallel.make

    def noted(tx: Transaction, write: parallel.Write) -> None:
        handed.append(write)
        make(tx, write)

    monkeypatch.setattr("projections.parallel.make", noted)

    events, _ = views.rebuild(workers=2)

    assert events == every_event_in_log(ledger_app) + 1
    assert view_rows(views) == incremental
    if views.store.postgres:
        # Each worker handed over its part of every keyed view at the end, and rows
        # before. (On SQLite the workers make their writes themselves, out of sight
        # of this process: see the test of their commits below.)
        keyed = [p for p in views.projections if p.keyed_by_customer]
        assert len(handed) > 2 * len(keyed)
    else:
        assert handed == []


def test_a_split_rebuild_written_in_several_stretches_gives_the_same_views(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_busy_ledger(ledger_app)
    views.catch_up()
    incremental = view_rows(views)
    # Stretches of 2 x 12 log positions: the workers of each stretch after the
    # first read the rows their customers already have.
    monkeypatch.setattr("projections.rebuilding.REBUILD_FLUSH", 12)
    head = ledger_app.recorder.max_notification_id()
    heard: list[int] = []

    events, _ = views.rebuild(workers=2, progress=lambda position, _: heard.append(position))

    assert events == every_event_in_log(ledger_app) + 1
    assert view_rows(views) == incremental
    assert heard == sorted(heard) and heard[-1] == head
    assert len([p for p in heard if p % 24 == 0]) >= 2  # written stretch by stretch


class FailingInAWorker(Customer360):
    """A 360 whose replay fails: as a worker would on a database error."""

    def replay(self, tx: Transaction | None) -> Any:
        raise ValueError("the disk is full")


class DyingInAWorker(Customer360):
    """A 360 whose worker process dies outright, as if killed."""

    def replay(self, tx: Transaction | None) -> Any:
        import os

        os._exit(3)


def test_on_sqlite_a_split_rebuilds_workers_commit_their_rows_while_the_others_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite has one writer: the workers write their rows as they go, in short
    # transactions of their own, not all held for one write after the last worker.
    storage = resolve(str(tmp_path / "ledger.sqlite3"), environ={})
    seen: list[tuple[int, bool]] = []
    real_run_parts = parallel.run_parts

    def watched(
        parts: Any, meanwhile: Any, received: Any, all_in: Any, progress: Any = None
    ) -> int:
        def all_in_and_looked_at(name: str) -> None:
            all_in(name)
            if name != RecordedVersions.name:
                return
            # A part's rows of the view, seen from another connection: committed, and
            # the write lock, which the workers take in turns, soon free.
            other = sqlite3.connect(storage.location, timeout=10, isolation_level=None)
            try:
                (rows,) = other.execute("SELECT COUNT(*) FROM view_recorded__rebuild").fetchone()
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                seen.append((int(rows), True))
            except sqlite3.OperationalError:
                seen.append((0, False))
            finally:
                other.close()

        return real_run_parts(parts, meanwhile, received, all_in_and_looked_at, progress)

    monkeypatch.setattr(parallel, "run_parts", watched)
    with staffed_ledger(storage) as (app, views):
        a_busy_ledger(app, customers=12)  # each part has customers
        views.catch_up()
        incremental = view_rows(views)

        views.rebuild(workers=2)

        assert view_rows(views) == incremental
    # Each part's rows were in as soon as it said so, before the rebuild ended. The
    # second part may finish before the parent hears of the first, so the first count
    # can already be the whole view; only its being nonzero is certain.
    counts = [rows for rows, _ in seen]
    assert len(seen) == 2 and all(free for _, free in seen)
    assert 0 < counts[0] <= counts[1] == len(incremental["view_recorded"])


@pytest.mark.parametrize(
    ("projection", "message"),
    [
        (FailingInAWorker(), "a rebuild worker failed: ValueError: the disk is full"),
        (DyingInAWorker(), "a rebuild worker stopped unexpectedly (exit code 3)"),
    ],
)
def test_a_split_rebuild_whose_worker_fails_leaves_the_views_as_they_were_and_says_why(
    ledger_app: Ledger, storage: Storage, projection: Customer360, message: str
) -> None:
    a_busy_ledger(ledger_app, customers=3)
    built = Views(ledger_app, storage, [Customer360(), RecordedVersions()])
    built.catch_up()
    built.close()
    failing = Views(ledger_app, storage, [projection, RecordedVersions()])
    try:
        before = view_rows(failing), positions(failing)
        with pytest.raises(RebuildFailedError) as raised:
            failing.rebuild(workers=2)

        assert str(raised.value).startswith(message)
        assert str(raised.value).endswith(
            "; the views it was rebuilding are as they were before it began: run the rebuild again"
        )
        assert (view_rows(failing), positions(failing)) == before
    finally:
        failing.close()
    healthy = Views(ledger_app, storage)
    try:
        healthy.catch_up()
        assert stored_docs(healthy) == computed_docs(ledger_app)
    finally:
        healthy.close()


UNGUARDED_SCRIPT = """
import sys
from ledger.application import Ledger
from ledger.storage import resolve
from projections.views import Views

storage = resolve(sys.argv[1], environ={})
app = Ledger(env=storage.env)
Views(app, storage).rebuild(workers=2)
print("rebuilt")
"""


def test_a_script_that_rebuilds_without_a_main_guard_fails_and_says_why_instead_of_hanging(
    ledger_app: Ledger, db_url: str, tmp_path: Path
) -> None:
    # Each worker runs the script again as it starts; its rebuild would wait on the
    # first one, which waits for the worker.
    register(ledger_app, "Capital Airport")
    script = tmp_path / "rebuild_all.py"
    script.write_text(UNGUARDED_SCRIPT)

    done = subprocess.run(
        [sys.executable, str(script), db_url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )

    assert done.returncode != 0
    assert "rebuilt" not in done.stdout
    assert "a worker runs the main script again, so put the script's own work under" in (
        done.stderr
    )
    assert "a rebuild worker stopped unexpectedly" in done.stderr


def test_a_short_log_is_rebuilt_in_this_process_and_a_long_one_on_every_core() -> None:
    assert worker_count(None, PARALLEL_FROM - 1) == 1
    assert worker_count(None, PARALLEL_FROM) == usable_cores()
    if hasattr(os, "sched_getaffinity"):
        assert usable_cores() == len(os.sched_getaffinity(0))
    assert worker_count(3, 10) == 3


def test_a_rebuild_asked_for_more_workers_than_allowed_gets_the_most_allowed() -> None:
    assert worker_count(MOST_WORKERS + 1, PARALLEL_FROM) == MOST_WORKERS
    assert worker_count(10_000, 10) == MOST_WORKERS


@pytest.mark.postgres
def test_documents_are_compressed_with_lz4_where_the_server_has_it(
    postgres_schema_url: str,
) -> None:
    with staffed_ledger(resolve(postgres_schema_url, environ={})) as (app, views):
        code = register(app, "Capital Airport")
        for _ in range(6):
            busy_week(app, code)
        compressions = "SELECT DISTINCT pg_column_compression(doc) FROM view_customer360"
        with views.store.transaction() as tx:
            offered = tx.fetchone(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            )
        expected = "lz4" if offered and "lz4" in offered[0] else "pglz"

        views.catch_up()
        with views.store.transaction() as tx:
            caught_up = tx.fetchall(compressions)
        views.rebuild(workers=2)
        with views.store.transaction() as tx:
            rebuilt = tx.fetchall(compressions)

        assert caught_up == rebuilt == [(expected,)]


@pytest.mark.parametrize("window", [100_000, 5], ids=["one window", "windows of 5"])
def test_views_that_take_few_kinds_of_event_are_rebuilt_from_those_alone(
    ledger_app: Ledger, views: Views, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    # The log is read a window of positions at a time: some hold none of the
    # topics, and an event is never read twice.
    monkeypatch.setattr("projections.log_pages.TOPIC_WINDOW", window)
    a_busy_ledger(ledger_app)
    views.catch_up()
    incremental = view_rows(views)
    names = ["staff", "handover", "reads"]
    taken = tuple(kind for name in names for kind in views.projection(name).accepts)
    expected = [
        n.id
        for n in ledger_app.recorder.select_notifications(1, 10_000)
        if isinstance(ledger_app.mapper.to_domain_event(n), taken)
    ]
    decoded: list[int] = []
    decode = views._decode

    def counting(notifications: Sequence[Any]) -> Any:
        decoded.extend(n.id for n in notifications)
        return decode(notifications)

    monkeypatch.setattr(views, "_decode", counting)

    events, _ = views.rebuild(names)

    assert decoded == expected
    assert events == len(expected)
    assert view_rows(views) == incremental
    head = ledger_app.recorder.max_notification_id()
    assert {s.name: s.position for s in views.status() if s.name in names} == dict.fromkeys(
        names, head
    )


# ------------------------------------------------- rebuilding beside the views
def test_readers_during_a_rebuild_read_the_previous_views_and_catch_them_up(
    ledger_app: Ledger, views: Views, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_busy_ledger(ledger_app, customers=3)
    views.catch_up()
    before = view_rows(views), positions(views)
    other = Views(ledger_app, storage)
    seen: list[Any] = []
    swap = views._swap

    def read_meanwhile(*args: Any) -> None:
        # Every row of the rebuild is written by now, beside the live views.
        seen.append((view_rows(other), positions(other)))
        log_call(ledger_app, "C-00001", "Called during the rebuild")
        other.catch_up()  # in batches, on the live views
        seen.append(stored_docs(other) == computed_docs(ledger_app))
        swap(*args)

    monkeypatch.setattr(views, "_swap", read_meanwhile)
    try:
        views.rebuild()
        other.catch_up()
        assert stored_docs(other) == computed_docs(ledger_app)
    finally:
        other.close()

    assert seen == [before, True]


def test_a_catch_up_finding_a_rebuild_running_reads_the_views_as_they_stand(
    ledger_app: Ledger, views: Views, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections.shadow import rebuild_lock

    busy_week(ledger_app, register(ledger_app, "Capital Airport"))
    views.catch_up()
    rows_before = view_rows(views)
    monkeypatch.setattr(Customer360, "version", f"{Customer360.version}, revised")
    paths = CatchUpPaths(views, monkeypatch)
    elsewhere = Views(ledger_app, storage)
    try:
        # Another process is rebuilding: it holds the rebuild lock.
        with rebuild_lock(elsewhere.store, wait=False) as held:
            assert held
            began = time.monotonic()
            views.catch_up([Customer360.name])
            waited = time.monotonic() - began
            during = view_rows(views), {s.name: s.stale for s in views.status()}
        views.catch_up([Customer360.name])
    finally:
        elsewhere.close()

    assert waited < 5
    assert during == (rows_before, {**dict.fromkeys(views.names(), False), "customer360": True})
    assert paths.replayed_whole == ["customer360"]  # once the lock was free, not before
    assert not any(s.stale for s in views.status())
    assert stored_docs(views) == computed_docs(ledger_app)


@pytest.mark.postgres
def test_on_postgres_a_reader_is_not_held_up_while_a_rebuild_writes_its_rows(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = resolve(postgres_schema_url, environ={})
    with staffed_ledger(storage) as (app, views):
        a_busy_ledger(app, customers=3)
        views.catch_up()
        other = Views(app, storage)
        finished: list[bool] = []
        write_shadow = views._write_shadow

        def read_while_writing(shadow: Any, write: Any, *, final: bool) -> None:
            def write_then_read(tx: Transaction) -> None:
                write(tx)

                def reader() -> None:
                    log_call(app, "C-00001", "Called while the rows were written")
                    other.catch_up()
                    finished.append(stored_docs(other) == computed_docs(app))

                # The rebuild's transaction is open: a reader must not wait for it.
                thread = threading.Thread(target=reader)
                thread.start()
                thread.join(timeout=10)
                finished.append(not thread.is_alive())
                thread.join()

            write_shadow(shadow, write_then_read, final=final)

        monkeypatch.setattr(views, "_write_shadow", read_while_writing)
        try:
            views.rebuild(workers=1)
        finally:
            other.close()

    assert finished == [True, True]
