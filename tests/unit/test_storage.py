"""Where the ledger keeps its events: --db, LEDGER_DATABASE_URL, then LEDGER_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import InvalidInputError, StorageNotFoundError
from ledger.storage import SQLITE_PERSISTENCE, prepare_for_writing, require_existing, resolve

PG_URL = "postgresql://staff:s3cret@db.example:6543/crm"


def test_the_embedded_default_is_a_sqlite_file_in_ledger_home(tmp_path: Path) -> None:
    storage = resolve(None, environ={"LEDGER_HOME": str(tmp_path)})

    assert (storage.kind, storage.location) == ("sqlite", str(tmp_path / "ledger.sqlite3"))
    assert storage.env["PERSISTENCE_MODULE"] == SQLITE_PERSISTENCE
    assert storage.env["SQLITE_DBNAME"] == str(tmp_path / "ledger.sqlite3")


def test_without_ledger_home_the_file_lives_in_the_users_home() -> None:
    storage = resolve(None, environ={})

    assert storage.location == str(Path("~/.ledger/ledger.sqlite3").expanduser())


def test_the_database_url_selects_postgresql() -> None:
    storage = resolve(None, environ={"LEDGER_DATABASE_URL": PG_URL})

    assert storage.is_postgres
    assert {k: storage.env[k] for k in ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME")} == {
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_DBNAME": "crm",
    }
    assert (storage.env["POSTGRES_USER"], storage.env["POSTGRES_PASSWORD"]) == ("staff", "s3cret")


def test_the_postgresql_location_shown_to_people_hides_the_password() -> None:
    storage = resolve(PG_URL, environ={})

    assert storage.location == "postgresql://staff:***@db.example:6543/crm"


def test_the_library_insert_functions_stay_off_to_keep_notification_order() -> None:
    storage = resolve(PG_URL, environ={})

    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in storage.env


def test_a_schema_may_be_named_in_the_url() -> None:
    storage = resolve("postgres://postgres@localhost/test?schema=ledger_a", environ={})

    assert storage.env["POSTGRES_SCHEMA"] == "ledger_a"
    assert storage.env["POSTGRES_PORT"] == "5432"


def test_db_wins_over_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"

    storage = resolve(str(db), environ={"LEDGER_DATABASE_URL": PG_URL})

    assert (storage.kind, storage.location) == ("sqlite", str(db))


def test_tables_are_created_on_first_use_on_both_backends(tmp_path: Path) -> None:
    sqlite = resolve(str(tmp_path / "a.sqlite3"), environ={})
    postgres = resolve(PG_URL, environ={})

    assert sqlite.env["CREATE_TABLE"] == postgres.env["CREATE_TABLE"] == "y"


def test_a_directory_is_not_a_database_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="is a directory: give a file path such as"):
        resolve(str(tmp_path), environ={})


def test_a_database_url_must_name_a_database() -> None:
    with pytest.raises(InvalidInputError, match="names no database: use postgresql://USER@HOST"):
        resolve("postgresql://postgres@localhost:5432/", environ={})


def test_a_database_url_with_a_bad_port_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="bad port"):
        resolve("postgresql://postgres@localhost:port/test", environ={})


def test_a_read_does_not_create_an_empty_ledger(tmp_path: Path) -> None:
    storage = resolve(str(tmp_path / "typo.sqlite3"), environ={})

    with pytest.raises(
        StorageNotFoundError, match=r"no ledger at .*typo\.sqlite3: run `ledger demo`"
    ):
        require_existing(storage)

    assert not (tmp_path / "typo.sqlite3").exists()


def test_the_first_write_makes_the_embedded_ledgers_folder(tmp_path: Path) -> None:
    storage = resolve(None, environ={"LEDGER_HOME": str(tmp_path / "new" / "home")})

    prepare_for_writing(storage)

    assert (tmp_path / "new" / "home").is_dir()
    require_existing(resolve(PG_URL, environ={}))
