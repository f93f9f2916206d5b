"""The catch-up floor's recording (benchmarks/view_writes.py): the statements it
notes, made again alone on views put back, give the very views the catch-ups
gave; so the time they take is the writes' own, and a floor of the catch-up."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from benchmarks.bench_catchup import behind, catch_up_in_steps, no_rebuild
from benchmarks.bench_rebuild import build
from benchmarks.common import open_ledger
from benchmarks.view_writes import make_again, recorded_writes
from ledger.storage import resolve
from projections.views import Views


def views_digest(path: str) -> str:
    """Every view table's rows, in a stable order, hashed."""
    digest = hashlib.sha256()
    connection = sqlite3.connect(path)
    try:
        tables = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'view_%' "
            "AND name != 'view_schema' ORDER BY name"
        ).fetchall()
        for (table,) in tables:
            digest.update(table.encode())
            for row in sorted(map(repr, connection.execute(f"SELECT * FROM {table}"))):
                digest.update(row.encode())
    finally:
        connection.close()
    return digest.hexdigest()


def test_the_recorded_writes_made_again_give_the_views_the_catch_ups_gave(
    tmp_path: Path,
) -> None:
    storage = resolve(str(tmp_path / "ledger.sqlite3"), environ={})
    app = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    views = Views(app, storage)
    try:
        build(app, 8, 40, 500, grouped=False)
        head = app.recorder.max_notification_id() or 0
        first = head - 120 + 1
        with no_rebuild():
            behind(views, app, first - 1)
            before = views_digest(storage.location)
            with recorded_writes() as recorded:
                catch_up_in_steps(views, app, first, head, 25)
            caught_up = views_digest(storage.location)
            behind(views, app, first - 1)
            assert views_digest(storage.location) == before
            tables: dict[str, float] = {}
            statements = make_again(views.store, recorded, tables)
    finally:
        views.close()
        app.close()

    assert caught_up != before
    assert views_digest(storage.location) == caught_up
    assert len(recorded.transactions) == 5  # one per catch-up of 25 of the last 120
    assert statements == recorded.statements > 5
    assert "commit" in tables and "view_tracking" in tables
