"""Auditors can prove a history unaltered: tampering with stored rows directly in the
database (a changed byte, a deleted row, two rows swapped, a forged row) is detected
on SQLite and PostgreSQL, and located."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor, Divergence
from ledger.domain.chain import event_hash
from ledger.domain.staff import staff_stream_id
from ledger.storage import Storage
from tests.staffing import ADMIN, EXECUTIVES


class RawRows:
    """Direct SQL on the event table, bypassing the ledger, as an attacker would."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def _sqlite(self) -> sqlite3.Connection:
        return sqlite3.connect(self.storage.location)

    def _execute(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self.storage.kind == "sqlite":
            with self._sqlite() as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        env = self.storage.env
        with psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            autocommit=True,
        ) as conn:
            cursor = conn.execute(
                sql.replace("{T}", f'"{env["POSTGRES_SCHEMA"]}".ledger_events'), params
            )
            return cursor.fetchall() if cursor.description else []

    def _table_sql(self, sql: str) -> str:
        return sql.replace("{T}", "stored_events") if self.storage.kind == "sqlite" else sql

    def _id(self, stream: UUID) -> Any:
        return stream.hex if self.storage.kind == "sqlite" else stream

    def state(self, stream: UUID, version: int) -> bytes:
        rows = self._execute(
            self._table_sql(
                "SELECT state FROM {T} WHERE originator_id=%s AND originator_version=%s"
            ),
            (self._id(stream), version),
        )
        return bytes(rows[0][0])

    def topic(self, stream: UUID, version: int) -> str:
        rows = self._execute(
            self._table_sql(
                "SELECT topic FROM {T} WHERE originator_id=%s AND originator_version=%s"
            ),
            (self._id(stream), version),
        )
        return str(rows[0][0])

    def set_row(self, stream: UUID, version: int, topic: str, state: bytes) -> None:
        self._execute(
            self._table_sql(
                "UPDATE {T} SET topic=%s, state=%s WHERE originator_id=%s AND originator_version=%s"
            ),
            (topic, state, self._id(stream), version),
        )

    def delete(self, stream: UUID, version: int) -> None:
        self._execute(
            self._table_sql("DELETE FROM {T} WHERE originator_id=%s AND originator_version=%s"),
            (self._id(stream), version),
        )

    def shift_up_from(self, stream: UUID, version: int, last: int) -> None:
        for v in range(last, version - 1, -1):
            self._execute(
                self._table_sql(
                    "UPDATE {T} SET originator_version=%s "
                    "WHERE originator_id=%s AND originator_version=%s"
                ),
                (v + 1, self._id(stream), v),
            )

    def insert(self, stream: UUID, version: int, topic: str, state: bytes) -> None:
        self._execute(
            self._table_sql(
                "INSERT INTO {T} (originator_id, originator_version, topic, state) "
                "VALUES (%s, %s, %s, %s)"
            ),
            (self._id(stream), version, topic, state),
        )


@pytest.fixture
def story(ledger_app: Ledger) -> Iterator[tuple[Ledger, UUID]]:
    """A customer with seven events; version 3 is a phone call about a renewal."""
    app = ledger_app
    app.register_customer(
        c.RegisterCustomer(actor="li.wei", name="Capital Airport", segment="airport")
    )
    for n, summary in enumerate(["Intro call", "Discussed the renewal", "Sent the quote"]):
        app.log_contact(
            c.LogContact(
                actor="li.wei",
                customer="C-00001",
                channel="phone",
                direction="outbound",
                summary=f"{summary} #{n}",
            )
        )
    app.file_complaint(
        c.FileComplaint(
            actor="li.wei",
            customer="C-00001",
            category="service",
            description="Late",
            channel="email",
        )
    )
    app.receive_inquiry(
        c.ReceiveInquiry(actor="li.wei", customer="C-00001", channel="web", title="Fees")
    )
    app.record_satisfaction(
        c.RecordSatisfaction(actor="li.wei", customer="C-00001", score=4, source="survey")
    )
    yield app, app.resolve_customer("C-00001")


def first_divergence(app: Ledger, stream: UUID) -> Divergence:
    report = Auditor(app.recorder, app.mapper).verify_all()
    assert not report.ok, "tampering went unnoticed"
    assert len(report.divergences) == 1
    found = report.divergences[0]
    assert found.stream_id == stream
    assert found.customer_code == "C-00001"
    assert Auditor(app.recorder, app.mapper).verify_stream(stream).divergences == [found]
    return found


def test_an_untouched_ledger_verifies(story: tuple[Ledger, UUID]) -> None:
    app, stream = story

    report = Auditor(app.recorder, app.mapper).verify_all()

    # The customer's stream and each seeded staff account's, hash-chained alike.
    accounts = [staff_stream_id(staff_id) for staff_id in (ADMIN, *EXECUTIVES)]
    assert report.ok
    assert report.events == 7 + len(accounts)
    assert report.streams == 1 + len(accounts)
    assert {s: version for s, (version, _) in report.heads.items()} == {
        stream: 7,
        **dict.fromkeys(accounts, 1),
    }


def test_a_changed_byte_is_found_as_a_modified_event(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    app, stream = story
    raw = RawRows(storage)
    state = raw.state(stream, 3)

    raw.set_row(stream, 3, raw.topic(stream, 3), state.replace(b"renewal", b"renewai"))

    found = first_divergence(app, stream)
    assert (found.version, found.kind) == (3, "modified")


def test_a_deleted_row_is_found_as_a_removed_event(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    app, stream = story

    RawRows(storage).delete(stream, 3)

    found = first_divergence(app, stream)
    assert (found.version, found.kind) == (3, "removed")


def test_two_swapped_rows_are_found_as_reordered(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    app, stream = story
    raw = RawRows(storage)
    three = (raw.topic(stream, 3), raw.state(stream, 3))
    four = (raw.topic(stream, 4), raw.state(stream, 4))

    raw.set_row(stream, 3, *four)
    raw.set_row(stream, 4, *three)

    found = first_divergence(app, stream)
    assert (found.version, found.kind) == (3, "reordered")


def test_a_forged_row_slipped_in_is_found_as_inserted(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    app, stream = story
    raw = RawRows(storage)
    topic, state = raw.topic(stream, 3), raw.state(stream, 3)
    forged = state.replace(b"Discussed the renewal", b"Customer waived all claims")

    raw.shift_up_from(stream, 3, last=7)
    raw.insert(stream, 3, topic, forged)

    found = first_divergence(app, stream)
    assert (found.version, found.kind) == (3, "inserted")


def test_a_row_rewritten_with_a_recomputed_hash_is_still_found(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    app, stream = story
    raw = RawRows(storage)
    topic = raw.topic(stream, 3)
    content = app.mapper.transcoder.decode(raw.state(stream, 3))
    content["summary"] = "Customer waived all claims"
    content["event_hash"] = event_hash(stream, 3, topic, content)

    raw.set_row(stream, 3, topic, app.mapper.transcoder.encode(content))

    found = first_divergence(app, stream)
    assert (found.version, found.kind) == (3, "modified")
    assert "rewritten together with its hash" in found.detail


def test_a_digest_taken_earlier_exposes_a_removed_last_event(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    app, stream = story
    auditor = Auditor(app.recorder, app.mapper)
    before = auditor.verify_all()

    RawRows(storage).delete(stream, 7)

    after = auditor.verify_all(up_to=before.position)
    assert after.ok  # every remaining link still holds...
    assert after.digest != before.digest  # ...but the heads no longer match the kept digest


def test_events_recorded_after_a_digest_do_not_change_it(story: tuple[Ledger, UUID]) -> None:
    app, _ = story
    auditor = Auditor(app.recorder, app.mapper)
    before = auditor.verify_all()

    app.log_contact(
        c.LogContact(
            actor="li.wei",
            customer="C-00001",
            channel="email",
            direction="inbound",
            summary="Thanks",
        )
    )

    assert auditor.verify_all(up_to=before.position).digest == before.digest
    assert auditor.verify_all().digest != before.digest


def test_hashes_cover_exactly_what_the_store_keeps(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    _, stream = story

    content = json.loads(RawRows(storage).state(stream, 2))

    assert set(content) >= {
        "previous_hash",
        "event_hash",
        "summary",
        "occurred_at",
        "actor",
        "command_id",
    }


def test_a_changed_summary_submission_is_found_like_a_customers_event(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    from datetime import UTC, datetime

    from ledger.domain.reports import summary_stream_id
    from ledger.domain.sla.months import Month

    app, _ = story
    app.submit_summary(
        c.SubmitSummary(
            actor="li.wei", month="2026-03", segment="airport", note="All on time",
            occurred_at=datetime(2026, 4, 3, 10, tzinfo=UTC),
        )
    )  # fmt: skip
    summary = summary_stream_id("airport", Month(2026, 3), "cases")
    assert Auditor(app.recorder, app.mapper).verify_all().ok
    raw = RawRows(storage)

    raw.set_row(summary, 1, raw.topic(summary, 1), raw.state(summary, 1).replace(b"All", b"Not"))

    report = Auditor(app.recorder, app.mapper).verify_all()
    assert [(d.stream_id, d.version, d.kind) for d in report.divergences] == [
        (summary, 1, "modified")
    ]


def test_a_row_holding_a_float_is_judged_by_the_canonical_encoding(
    story: tuple[Ledger, UUID], storage: Storage
) -> None:
    # The audit hashes rows with a faster encoder, which writes floats differently
    # (0.00001 where the canonical text has 1e-05): a row with a float must still be
    # judged by the canonical text, whichever way its hash was made.
    import orjson

    app, stream = story
    raw = RawRows(storage)
    topic = raw.topic(stream, 7)
    content = json.loads(raw.state(stream, 7))
    content["weight"] = 1e-05
    body = {k: v for k, v in content.items() if k not in ("event_hash", "class_version")}

    content["event_hash"] = event_hash(stream, 7, topic, content)
    raw.set_row(stream, 7, topic, json.dumps(content).encode())
    assert Auditor(app.recorder, app.mapper).verify_all().ok

    material = orjson.dumps([str(stream), 7, topic, body], option=orjson.OPT_SORT_KEYS)
    assert b"0.00001" in material
    content["event_hash"] = hashlib.sha256(material).hexdigest()
    raw.set_row(stream, 7, topic, json.dumps(content).encode())
    found = first_divergence(app, stream)
    assert (found.version, found.kind) == (7, "modified")


def test_the_log_read_in_windows_is_every_row_in_order(story: tuple[Ledger, UUID]) -> None:
    from ledger.log_pages import log_pages

    app, _ = story
    head = app.recorder.max_notification_id() or 0
    stored = app.recorder.select_notifications(1, head + 1)

    pages = list(log_pages(app.recorder, head, window=3))

    assert all(len(page) <= 3 for page in pages)
    assert [(UUID(oid), version, topic, bytes(state)) for page in pages
            for _, oid, version, topic, state in page] == [
        (n.originator_id, n.originator_version, n.topic, n.state) for n in stored
    ]  # fmt: skip
    # A walk left early stops its reader (on PostgreSQL, a thread reading ahead).
    walk = log_pages(app.recorder, head, window=1)
    assert len(next(iter(walk))) == 1
    walk.close()  # type: ignore[attr-defined]
