"""`ledger export` and `ledger schema`, as a user or a downstream system runs them."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from commands.export import LARGE
from ledger.application import Ledger
from ledger.storage import resolve
from tests.e2e.conftest import ACTOR, LedgerCli, assert_refused, assert_usage_error, no_customer
from tests.staffing import seed_staff
from tests.terminal import read_until_closed
from tests.unit.test_schemas import every_kind_of_event


@pytest.fixture
def two_customers(cli: LedgerCli, customer: str) -> LedgerCli:
    """C-00001 and C-00002, with a contact, a complaint and a visit report between them."""
    cli.ok("customer", "register", "Harbour Logistics", "--segment", "logistics")
    cli.ok(
        "contact", "log", "C-00001", "--channel", "phone", "--direction", "outbound",
        "--summary", "Intro call, \"renewal\" discussed", "--correlation-id", "onboarding",
    )  # fmt: skip
    cli.ok(
        "complaint", "file", "C-00002", "--category", "delivery", "--channel", "email",
        "--description", "托盘到货时受潮",
    )  # fmt: skip
    cli.ok(
        "visit", "report", "C-00001", "--purpose", "maintenance", "--kind", "first_visit",
        "--summary", "Walked the terminal", "--outcome", "B",
        "--expense", "Taxi=86.00", "--expense", "Parking=12 USD",
    )  # fmt: skip
    return cli


def jsonl(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_an_export_writes_every_customer_event_as_one_json_line(two_customers: LedgerCli) -> None:
    result = two_customers.run("export")

    records = jsonl(result.stdout)
    assert (result.exit_code, result.stderr) == (0, "")
    assert [(r["customer_code"], r["version"], r["event"]) for r in records] == [
        ("C-00001", 1, "CustomerRegistered"),
        ("C-00002", 1, "CustomerRegistered"),
        ("C-00001", 2, "ContactLogged"),
        ("C-00002", 2, "ComplaintFiled"),
        ("C-00001", 3, "VisitReported"),
    ]
    positions = [r["position"] for r in records]
    assert positions == sorted(positions)
    assert records[2]["correlation_id"] == "onboarding"
    assert records[3]["data"]["description"] == "托盘到货时受潮"
    assert records[4]["data"]["expense_totals"] == {"CNY": "86.00", "USD": "12"}


def test_exported_hashes_chain_each_customers_events(two_customers: LedgerCli) -> None:
    records = jsonl(two_customers.ok("export"))

    for code in ("C-00001", "C-00002"):
        stream = [r for r in records if r["customer_code"] == code]
        assert [r["previous_hash"] for r in stream] == ["", *[r["event_hash"] for r in stream[:-1]]]


def test_a_csv_export_has_the_metadata_as_columns_and_the_payload_as_json(
    two_customers: LedgerCli,
) -> None:
    as_jsonl = jsonl(two_customers.ok("export"))

    rows = list(csv.DictReader(io.StringIO(two_customers.ok("export", "--format", "csv"))))

    assert len(rows) == len(as_jsonl)
    assert json.loads(rows[2]["data"])["summary"] == 'Intro call, "renewal" discussed'
    assert [row["event_hash"] for row in rows] == [r["event_hash"] for r in as_jsonl]


def test_the_global_format_chooses_csv_too(two_customers: LedgerCli) -> None:
    output = two_customers.ok("--format", "csv", "export")

    assert output.startswith("position,customer_id,customer_code,version,event,")


def test_an_export_of_one_customer_is_its_stream(two_customers: LedgerCli) -> None:
    records = jsonl(two_customers.ok("export", "Harbour Logistics"))

    assert [(r["customer_code"], r["version"]) for r in records] == [("C-00002", 1), ("C-00002", 2)]


def test_since_exports_what_was_recorded_from_then_on(two_customers: LedgerCli) -> None:
    everything = jsonl(two_customers.ok("export"))
    cut = everything[3]["recorded_at"]

    records = jsonl(two_customers.ok("export", "--since", cut))

    assert records == everything[3:]
    assert all(
        datetime.fromisoformat(r["recorded_at"]) >= datetime.fromisoformat(cut) for r in records
    )


def test_exporting_an_unknown_customer_is_refused(two_customers: LedgerCli) -> None:
    result = two_customers.run("export", "C-00042")

    assert_refused(result, no_customer("C-00042"))


def test_a_since_that_is_not_a_time_is_a_usage_error(two_customers: LedgerCli) -> None:
    result = two_customers.run("export", "--since", "last week")

    assert_usage_error(
        result,
        "--since 'last week' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(optionally with a UTC offset)",
    )


def test_exporting_from_a_missing_ledger_creates_none(tmp_path: Path) -> None:
    cli = LedgerCli(db=str(tmp_path / "typo.sqlite3"), staffed=False)

    result = cli.run("export")

    assert_refused(
        result,
        f"no ledger at {tmp_path / 'typo.sqlite3'}: run `ledger demo` to create one, "
        "or point --db / LEDGER_HOME at an existing ledger",
    )
    assert not (tmp_path / "typo.sqlite3").exists()


def test_every_exported_event_validates_against_the_printed_schemas(
    two_customers: LedgerCli,
) -> None:
    schemas = json.loads(two_customers.ok("schema"))

    records = jsonl(two_customers.ok("export"))

    for record in records:
        jsonschema.validate(record, schemas[record["event"]])


def test_schema_prints_one_event_types_schema(cli: LedgerCli) -> None:
    schema = json.loads(cli.ok("schema", "ComplaintFiled"))

    assert schema["title"] == "ComplaintFiled"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_lists_the_event_names(cli: LedgerCli) -> None:
    names = cli.ok("schema", "--list").split()

    assert names[0] == "CustomerRegistered"
    assert "ComplaintFiled" in names


def test_schema_of_an_unknown_event_says_how_to_see_the_names(cli: LedgerCli) -> None:
    result = cli.run("schema", "ComplaintWithdrawn")

    assert_usage_error(
        result,
        "no event type 'ComplaintWithdrawn': `ledger schema --list` names them all "
        "(for example ComplaintFiled)",
    )


def test_a_large_export_shows_progress_on_a_terminal_and_keeps_stdout_clean(
    tmp_path: Path,
) -> None:
    db = tmp_path / "large.sqlite3"
    app = Ledger(env=resolve(str(db), environ={}).env)
    seed_staff(app)
    staffed = app.recorder.max_notification_id() or 0
    app.save(*(every_kind_of_event(code=f"C-{n:05d}") for n in range(LARGE // 40 + 1)))
    recorded = (app.recorder.max_notification_id() or 0) - staffed
    app.close()
    terminal, stderr_end = pty.openpty()
    drawn: list[bytes] = []
    reader = threading.Thread(target=read_until_closed, args=(terminal, drawn))

    command = [sys.executable, "-c", "from cli import main; main()", "--db", str(db)]

    with subprocess.Popen(
        [*command, "--as", ACTOR, "export"],
        stdout=subprocess.PIPE,
        stderr=stderr_end,
    ) as child:
        os.close(stderr_end)
        reader.start()
        stdout, _ = child.communicate(timeout=120)
    reader.join(timeout=10)

    assert child.returncode == 0, b"".join(drawn)
    assert len(jsonl(stdout.decode())) == recorded, b"".join(drawn)
    assert b"exporting" in b"".join(drawn)
