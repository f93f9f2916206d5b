"""`ledger person add|update` with personal details, `ledger person erase`,
`ledger export --include-personal`, and a ledger's files private to its owner
(docs/domain.md, "Personal data")."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.storage import resolve
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error
from tests.staffing import seed_staff

DETAILS = (
    "--birth-date", "1968-05-04", "--birthplace", "Hangzhou", "--native-place", "Shaoxing",
    "--education", "MBA", "--school", "Fudan", "--family", "married, one son",
    "--hobbies", "calligraphy", "--journals", "China Civil Aviation",
    "--associations", "Airport Association", "--work-history", "8 years at COSCO",
    "--mobile", "+86 138 0000 1234", "--office-phone", "+86 10 6459 0000",
    "--home-phone", "+86 10 8888 7777", "--email", "wang.fang@example.cn",
    "--notes", "Prefers tea to coffee",
)  # fmt: skip
SHOWN = (
    "date of birth: 1968-05-04; place of birth: Hangzhou; native place: Shaoxing; "
    "education: MBA; school: Fudan; family situation: married, one son; hobbies: "
    "calligraphy; professional journals: China Civil Aviation; associations: Airport "
    "Association; work history: 8 years at COSCO; mobile phone: +86 138 0000 1234; office "
    "phone: +86 10 6459 0000; home phone: +86 10 8888 7777; emails: wang.fang@example.cn; "
    "personal notes: Prefers tea to coffee"
)


@pytest.fixture
def person(cli: LedgerCli, customer: str) -> str:
    cli.ok("person", "add", customer, "--name", "Wang Fang", "--role", "decision_maker", *DETAILS)
    cli.ok_as("ops", "staff", "add", "he.ping", "--name", "He Ping", "--role", "auditor")
    cli.ok_as(
        "ops", "staff", "add", "liu.yang", "--name", "Liu Yang", "--role", "staff",
        "--segment", "airport",
    )  # fmt: skip
    return "C-00001/P1"


def show(cli: LedgerCli, actor: str) -> dict[str, object]:
    result = cli.run("--format", "json", "customer", "show", "C-00001", actor=actor)
    assert result.exit_code == 0, result.output
    people: dict[str, dict[str, object]] = json.loads(result.stdout)["people"]
    return people["P1"]


def test_personal_details_show_to_those_who_work_with_the_customer(
    cli: LedgerCli, person: str
) -> None:
    table = cli.ok("customer", "show", "C-00001")

    assert f"P1 Wang Fang, personal details: {SHOWN}\n" in table
    assert show(cli, "li.wei")["personal"] == {
        "birth_date": "1968-05-04", "birthplace": "Hangzhou", "native_place": "Shaoxing",
        "education": "MBA", "school": "Fudan", "family": "married, one son",
        "hobbies": "calligraphy", "journals": "China Civil Aviation",
        "associations": "Airport Association", "work_history": "8 years at COSCO",
        "mobile": "+86 138 0000 1234", "office_phone": "+86 10 6459 0000",
        "home_phone": "+86 10 8888 7777", "emails": ["wang.fang@example.cn"],
        "notes": "Prefers tea to coffee",
    }  # fmt: skip
    # An auditor proves the record unaltered; they need nobody's phone number.
    assert show(cli, "he.ping")["personal"] == "withheld"


def test_an_update_replaces_only_the_details_it_names(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "update", person, "--hobbies", "go (weiqi)", "--mobile", "+86 139 1111 2222")

    personal = show(cli, "li.wei")["personal"]
    assert isinstance(personal, dict)
    assert (personal["hobbies"], personal["mobile"], personal["school"]) == (
        "go (weiqi)",
        "+86 139 1111 2222",
        "Fudan",
    )
    history = cli.ok("history", "C-00001", "--kind", "people")
    assert "Personal details: hobbies: go (weiqi); mobile phone: +86 139 1111 2222." in history


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--email", "wang.fang", "--email: must be an email address such as name@example.com"),
        (
            "--mobile",
            "call me",
            "--mobile: must be a phone number: 5 to 20 digits with an optional leading +, "
            "such as +86 10 6459 0000",
        ),
        (
            "--birth-date",
            "1968-02-30",
            "--birth-date: input should be a valid date or datetime, day value is outside "
            "expected range",
        ),
        ("--birth-date", "2999-01-01", "--birth-date: a date of birth cannot be in the future"),
    ],
)
def test_a_malformed_personal_detail_is_a_usage_error(
    cli: LedgerCli, customer: str, option: str, value: str, message: str
) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "person", "add", customer, "--name", "Wang Fang", "--role", "user", option, value
    )

    assert_usage_error(result, f"{message} (got {value!r})", "person add")
    assert cli.events_recorded() == written


def test_erasing_a_person_destroys_their_details_and_keeps_the_rest(
    cli: LedgerCli, person: str
) -> None:
    output = cli.ok(
        "person", "erase", person, "--reason", "Asked to be forgotten",
        "--request-ref", "PIPL-2026-007",
    )  # fmt: skip

    assert output == (
        "Personal data erased: C-00001/P1 (Capital Airport Group), version 3; the person's "
        "key is destroyed.\n"
    )
    shown = show(cli, "li.wei")
    assert (shown["name"], shown["decision_role"], shown["personal"]) == (
        "Wang Fang",
        "decision_maker",
        "erased",
    )
    history = cli.ok("history", "C-00001", "--kind", "people")
    assert "Personal details: erased." in history
    # Asked by the person themselves, unless --requested-by says otherwise.
    assert "Personal data of Wang Fang (P1) erased on request PIPL-2026-007 by Wang Fang" in (
        history
    )
    assert "Prefers tea" not in cli.ok("export", "C-00001", "--include-personal")
    assert cli.ok_as("he.ping", "audit", "verify").startswith("Verified")


def test_erasing_twice_says_so_and_writes_nothing(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "erase", person, "--reason", "Asked", "--request-ref", "R-1")
    written = cli.events_recorded()

    output = cli.ok("person", "erase", person, "--reason", "Asked again", "--request-ref", "R-2")

    assert output == (
        "Already erased: the personal data of C-00001/P1 (Capital Airport Group) was erased "
        "at version 3; nothing new was written.\n"
    )
    assert cli.events_recorded() == written


@pytest.mark.parametrize(("actor", "role"), [("he.ping", "auditor"), ("liu.yang", "staff")])
def test_only_an_executive_erases(cli: LedgerCli, person: str, actor: str, role: str) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "person", "erase", person, "--reason", "Asked", "--request-ref", "R-1", actor=actor
    )

    assert_refused(result, f"{actor} is {role}: personal data is erased by an executive")
    assert cli.events_recorded() == written


def test_an_export_leaves_personal_details_out_unless_an_executive_asks(
    cli: LedgerCli, person: str
) -> None:
    plain = cli.ok("export", "C-00001")
    included = cli.ok("export", "C-00001", "--include-personal")
    refused = cli.run("export", "--include-personal", actor="he.ping")

    assert "Prefers tea" not in plain and '"personal"' not in plain
    added = json.loads(included.splitlines()[1])
    assert added["data"]["personal"]["notes"] == "Prefers tea to coffee"
    assert_refused(
        refused,
        "he.ping is auditor: exporting personal details is for executives: leave out "
        "--include-personal",
    )


def test_the_schema_marks_personal_fields(cli: LedgerCli) -> None:
    schema = json.loads(cli.ok("schema", "KeyPersonAdded"))

    data = schema["$defs"]["KeyPersonAddedData"]["properties"]
    assert data["personal"]["x-personal"] is True
    assert "personal" not in schema["$defs"]["KeyPersonAddedData"].get("required", [])
    assert not any(p.get("x-personal") for n, p in data.items() if n != "personal")


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.mark.parametrize("umask", [0o022, 0o000], indirect=True)
def test_a_new_ledger_is_private_to_its_owner_whatever_the_umask(
    umask: int, tmp_path: Path
) -> None:
    folder = tmp_path / "home" / "ledger"
    cli = LedgerCli(db=str(folder / "ledger.sqlite3"), staffed=False)
    cli.ok_as("ops", "staff", "add", "ops", "--name", "Operations", "--role", "admin")
    # SQLite removes its -wal and -shm files on closing: look while a ledger is open.
    app = Ledger(env=resolve(cli.db, environ={}).env)
    try:
        seed_staff(app)
        modes = {
            path.name: stat.S_IMODE(path.stat().st_mode) for path in (folder, *folder.iterdir())
        }
    finally:
        app.close()

    assert modes == {
        "ledger": 0o700,
        "ledger.sqlite3": 0o600,
        "ledger.sqlite3-wal": 0o600,
        "ledger.sqlite3-shm": 0o600,
        "ledger.sqlite3-turns": 0o600,
    }
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700


@pytest.mark.parametrize("umask", [0o022], indirect=True)
def test_the_rebuild_lock_beside_the_ledger_is_private_too(umask: int, tmp_path: Path) -> None:
    folder = tmp_path / "home"
    cli = LedgerCli(db=str(folder / "ledger.sqlite3"), staffed=False)
    cli.ok_as("ops", "staff", "add", "ops", "--name", "Operations", "--role", "admin")
    cli.ok_as("ops", "projections", "rebuild")

    lock = folder / "ledger.sqlite3.rebuild-lock"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_a_ledger_file_others_can_read_gets_a_warning_on_use(cli: LedgerCli, customer: str) -> None:
    Path(cli.db).chmod(0o644)

    result = cli.run("customer", "list")

    assert result.exit_code == 0
    assert result.stderr == (
        f"warning: {cli.db} can be read by other users (mode 0644): make it private with "
        f"`chmod 600 {cli.db}`\n"
    )


def test_the_brief_tells_each_key_persons_details(cli: LedgerCli, person: str) -> None:
    brief = json.loads(cli.ok("--format", "json", "brief", "C-00001"))

    (wang,) = brief["people"]
    assert wang["text"].endswith(f"Personal details: {SHOWN}.")
    assert "sealed" not in wang
    cli.ok("person", "erase", person, "--reason", "Asked", "--request-ref", "R-1")
    after = json.loads(cli.ok("--format", "json", "brief", "C-00001"))
    assert after["people"][0]["personal"] == "erased"


def test_keys_can_live_in_a_database_of_their_own(
    cli: LedgerCli, customer: str, tmp_path: Path
) -> None:
    import sqlite3

    keys = tmp_path / "keys" / "keys.sqlite3"
    env = {"LEDGER_KEYS_URL": str(keys)}

    added = cli.run(
        "person", "add", customer, "--name", "Wang Fang", "--role", "user", "--hobbies", "go",
        env=env,
    )  # fmt: skip
    shown = cli.run("--format", "json", "customer", "show", customer, env=env)

    assert added.exit_code == 0, added.output
    assert json.loads(shown.stdout)["people"]["P1"]["personal"] == {"hobbies": "go"}
    with sqlite3.connect(keys) as elsewhere, sqlite3.connect(cli.db) as ledger_file:
        assert elsewhere.execute("SELECT count(*) FROM ledger_person_keys").fetchone() == (1,)
        tables = {r[0] for r in ledger_file.execute("SELECT name FROM sqlite_master")}
    assert "ledger_person_keys" not in tables
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
