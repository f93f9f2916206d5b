"""`ledger projections status|rebuild|run`, `ledger customer show [--as-of]` and
`ledger history --as-of|--occurred-before`: the views as a user reaches them."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from projections.catalogue import all_projections
from tests.e2e.conftest import (
    CUSTOMER_NAME,
    LedgerCli,
    assert_refused,
    assert_usage_error,
    no_customer,
)
from tests.staffing import EXECUTIVES
from tests.terminal import read_until_closed

NAMES = [projection.name for projection in all_projections()]
# The staff views take in the seeded accounts' events, one StaffAdded each, besides
# the customers' events that the other views take in.
STAFF_EVENTS = 1 + len(EXECUTIVES)


def call(cli: LedgerCli, summary: str, *options: str) -> None:
    cli.ok(
        "contact", "log", "C-00001", "--channel", "phone", "--direction", "outbound",
        "--summary", summary, *options,
    )  # fmt: skip


def correct_summary(cli: LedgerCli, version: int, summary: str) -> None:
    cli.ok(
        "correct", "C-00001", "--version", str(version), "--set", f"summary={summary}",
        "--reason", "typo",
    )  # fmt: skip


def a_moment_between_recordings() -> str:
    """Now, strictly after what was recorded before and before what is recorded next."""
    time.sleep(0.002)
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.002)
    return moment


def status(cli: LedgerCli) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(cli.ok("projections", "status", "--format", "json"))
    return rows


# --------------------------------------------------------------- projections
def test_status_shows_each_projection_behind_the_head_until_it_catches_up(
    cli: LedgerCli, customer: str
) -> None:
    head = cli.events_recorded()

    rows = status(cli)

    assert rows == [
        {"projection": name, "position": 0, "head": head, "lag": head, "state": "behind"}
        for name in NAMES
    ]


def test_status_as_a_table_names_each_projection(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("projections", "status")

    for name in NAMES:
        assert re.search(rf"^{name} +0 +\d+ +\d+ +behind$", output, re.MULTILINE), output


def test_a_rebuild_replays_every_event_once_and_leaves_every_projection_current(
    cli: LedgerCli, customer: str
) -> None:
    call(cli, "Agreed the May price")
    head = cli.events_recorded()

    output = cli.ok("projections", "rebuild")

    replayed = f"Rebuilt {', '.join(NAMES)}: {STAFF_EVENTS + 2} events"
    assert re.fullmatch(rf"{replayed} in \d+\.\d\d s \([\d,]+ events/s\)\.\n", output), output
    assert status(cli) == [
        {"projection": name, "position": head, "head": head, "lag": 0, "state": "current"}
        for name in NAMES
    ]


def test_rebuilding_one_projection_leaves_the_others_where_they_were(
    cli: LedgerCli, customer: str
) -> None:
    output = cli.ok("projections", "rebuild", "recorded")

    positions = {row["projection"]: row["position"] for row in status(cli)}
    assert output.startswith("Rebuilt recorded: 1 events in ")
    assert positions == {name: cli.events_recorded() if name == "recorded" else 0 for name in NAMES}


def test_rebuilding_an_unknown_projection_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    result = cli.run("projections", "rebuild", "customer361")

    assert_usage_error(result, f"unknown projection 'customer361': choose from {', '.join(NAMES)}")


def test_run_follows_the_log_for_the_seconds_given_then_says_where_each_projection_is(
    cli: LedgerCli, customer: str
) -> None:
    head = cli.events_recorded()

    result = cli.run("projections", "run", "--seconds", "0.5", "--poll", "0.1")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"Stopped: {', '.join(f'{n} at {head}' for n in NAMES)}.\n"
    assert result.stderr.startswith(f"Following the log of {cli.db} (Ctrl-C to stop).\n")
    assert f"applied {STAFF_EVENTS + 1} events" in result.stderr


def test_projections_are_kept_and_rebuilt_on_each_backend(db_url: str) -> None:
    cli = LedgerCli(db=db_url)
    cli.ok("customer", "register", CUSTOMER_NAME, "--segment", "airport")
    call(cli, "Agreed the May price")
    head = cli.events_recorded()

    ran = cli.ok("projections", "run", "--seconds", "0.2", "--poll", "0.1")
    rebuilt = cli.ok("projections", "rebuild")
    kept = status(cli)
    split = cli.ok("projections", "rebuild", "--workers", "2")

    assert ran == f"Stopped: {', '.join(f'{n} at {head}' for n in NAMES)}.\n"
    for output in (rebuilt, split):
        assert output.startswith(f"Rebuilt {', '.join(NAMES)}: {STAFF_EVENTS + 2} events in ")
    assert {row["lag"] for row in kept} == {0}
    assert status(cli) == kept


@pytest.mark.parametrize("workers", ["0", "33", "1000"])
def test_a_rebuild_takes_between_one_and_thirty_two_workers(
    cli: LedgerCli, customer: str, workers: str
) -> None:
    before = cli.events_recorded()

    result = cli.run("projections", "rebuild", "--workers", workers)

    assert_usage_error(
        result,
        f"Invalid value for '--workers': {workers} is not in the range 1<=x<=32.",
        "projections rebuild",
    )
    assert cli.events_recorded() == before


@pytest.mark.parametrize(
    "args",
    [
        ["projections", "status"],
        ["projections", "rebuild"],
        ["customer", "show", "C-00001"],
        ["history", "C-00001", "--as-of", "2026-01-01"],
    ],
)
def test_reading_views_without_a_ledger_creates_nothing(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "nowhere" / "ledger.sqlite3"
    cli = LedgerCli(db=str(missing), staffed=False)

    result = cli.run(*args)

    assert_refused(
        result,
        f"no ledger at {missing}: run `ledger demo` to create one, or point --db / "
        "LEDGER_HOME at an existing ledger",
    )
    assert not missing.parent.exists()


# ------------------------------------------------------------ customer show
def test_show_draws_the_360_for_a_person(cli: LedgerCli, customer: str) -> None:
    cli.ok("owner", "assign", customer, "--to", "zhang.min", "--reason", "li.wei moves on")
    call(cli, "Agreed the May price")

    output = cli.ok("customer", "show", customer)

    assert output.startswith(f"{customer} {CUSTOMER_NAME} (organisation)\n")
    assert "owner zhang.min" in output
    assert re.search(r"^phone +[\d-]+ [\d:]+ +outbound +Agreed the May price$", output, re.M)


def test_show_as_json_gives_the_whole_360(cli: LedgerCli, customer: str) -> None:
    call(cli, "Agreed the May price")

    doc = json.loads(cli.ok("customer", "show", customer, "--format", "json"))

    assert (doc["code"], doc["name"], doc["segment"], doc["version"]) == (
        customer, CUSTOMER_NAME, "airport", 2,
    )  # fmt: skip
    assert doc["last_contact"]["phone"]["summary"] == "Agreed the May price"
    assert [entry["event"] for entry in doc["timeline"]] == ["CustomerRegistered", "ContactLogged"]


@pytest.mark.parametrize(
    "args",
    [
        ["customer", "show", "C-00001", "--format", "csv"],
        ["--format", "csv", "customer", "show", "C-00001"],
    ],
)
def test_show_as_csv_is_refused_naming_the_formats_that_work(
    cli: LedgerCli, customer: str, args: list[str]
) -> None:
    result = cli.run(*args)

    assert_usage_error(
        result,
        "a customer 360 is shown as table, json or jsonl, not csv: use --format json",
        "customer show",
    )
    assert json.loads(cli.ok("audit", "reads", customer, "--format", "json")) == []


def test_show_uses_the_corrected_values(cli: LedgerCli, customer: str) -> None:
    call(cli, "Agreed the Mya price")
    correct_summary(cli, version=2, summary="Agreed the May price")

    doc = json.loads(cli.ok("customer", "show", customer, "--format", "json"))

    assert doc["last_contact"]["phone"]["summary"] == "Agreed the May price"
    assert doc["timeline"][-1]["corrected"] is True


def test_show_as_of_a_moment_leaves_out_a_back_dated_call_recorded_after_it(
    cli: LedgerCli, customer: str
) -> None:
    moment = a_moment_between_recordings()
    call(cli, "Monday's call, recorded late", "--at", "2026-03-02T10:00")

    then = json.loads(cli.ok("customer", "show", customer, "--as-of", moment, "--format", "json"))
    now = json.loads(cli.ok("customer", "show", customer, "--format", "json"))

    assert then["last_contact"] == {}
    assert now["last_contact"]["phone"]["summary"] == "Monday's call, recorded late"


def test_show_as_of_a_moment_says_so_in_the_table(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("customer", "show", customer, "--as-of", "now")

    assert "as recorded by" in output.splitlines()[0]


def test_show_as_of_a_time_that_is_not_one_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    result = cli.run("customer", "show", customer, "--as-of", "yesterday")

    assert_usage_error(
        result,
        "--as-of 'yesterday' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(optionally with a UTC offset)",
    )


def test_show_as_of_before_the_customer_was_recorded_is_refused(
    cli: LedgerCli, customer: str
) -> None:
    result = cli.run("customer", "show", customer, "--as-of", "2000-01-01")

    assert_refused(
        result, f"{customer} had not been recorded yet at 2000-01-01: try a later --as-of"
    )


def test_show_of_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    result = cli.run("customer", "show", "C-00042")

    assert_refused(result, no_customer("C-00042"))


# ------------------------------------------------------------------ history
def test_history_as_of_a_moment_leaves_out_what_was_recorded_later_even_if_back_dated(
    cli: LedgerCli, customer: str
) -> None:
    call(cli, "Agreed the May price")
    moment = a_moment_between_recordings()
    call(cli, "Monday's call, recorded late", "--at", "2026-03-02T10:00")

    then = json.loads(cli.ok("history", customer, "--as-of", moment, "--format", "json"))
    now = json.loads(cli.ok("history", customer, "--format", "json"))

    assert [entry["version"] for entry in then] == [1, 2]
    # Oldest first in the world: the registration, the back-dated call, the first call.
    assert [entry["version"] for entry in now] == [1, 3, 2]


def test_history_as_of_a_moment_says_how_much_was_known_then(cli: LedgerCli, customer: str) -> None:
    moment = a_moment_between_recordings()
    call(cli, "Recorded later")

    output = cli.ok("history", customer, "--as-of", moment)

    assert re.match(r"As recorded by [\d-]+ [\d:]+ UTC: 1 of 2 events\.\n", output), output


def test_history_as_of_still_shows_the_original_words_of_a_corrected_event(
    cli: LedgerCli, customer: str
) -> None:
    call(cli, "Agreed the Mya price")
    correct_summary(cli, version=2, summary="Agreed the May price")

    history = json.loads(cli.ok("history", customer, "--as-of", "now", "--format", "json"))

    original, correction = history[1:]
    assert (original["text"], original["corrected_by"]) == (
        "Phone call (outbound): Agreed the Mya price.", [3],
    )  # fmt: skip
    assert correction["text"] == (
        "Correction to version 2 (ContactLogged): summary → 'Agreed the May price'. Reason: typo."
    )


def test_history_occurred_before_keeps_only_what_happened_in_the_world_before_then(
    cli: LedgerCli, customer: str
) -> None:
    call(cli, "Back-dated call", "--at", "2026-03-02T10:00")
    call(cli, "Today's call")

    history = json.loads(
        cli.ok("history", customer, "--occurred-before", "2026-03-03", "--format", "json")
    )

    assert [entry["text"] for entry in history][1:] == ["Phone call (outbound): Back-dated call."]


def test_history_with_a_bad_as_of_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    result = cli.run("history", customer, "--as-of", "last week")

    assert_usage_error(
        result,
        "--as-of 'last week' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(optionally with a UTC offset)",
    )


def test_history_as_of_before_the_customer_was_recorded_is_refused(
    cli: LedgerCli, customer: str
) -> None:
    result = cli.run("history", customer, "--as-of", "2000-01-01")

    assert_refused(
        result, f"{customer} had not been recorded yet at 2000-01-01: try a later --as-of"
    )


def test_a_rebuild_on_a_terminal_draws_its_progress_and_rebuilds(
    cli: LedgerCli, customer: str
) -> None:
    """Before the rebuild has read the head its total is unknown: the bar must
    draw that too (it once failed formatting the missing total, on terminals only)."""
    terminal, stderr_end = pty.openpty()
    drawn: list[bytes] = []
    reader = threading.Thread(target=read_until_closed, args=(terminal, drawn))
    command = [sys.executable, "-c", "from cli import main; main()", "--db", cli.db]
    with subprocess.Popen(
        [*command, "--as", "li.wei", "projections", "rebuild"],
        stdout=subprocess.PIPE,
        stderr=stderr_end,
        env={**os.environ, "LEDGER_SERVER": "off"},
    ) as child:
        os.close(stderr_end)
        reader.start()
        stdout, _ = child.communicate(timeout=120)
    reader.join(timeout=10)

    assert child.returncode == 0, b"".join(drawn).decode(errors="replace")
    assert stdout.decode().startswith("Rebuilt ")
    assert b"Traceback" not in b"".join(drawn)
