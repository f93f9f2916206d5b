"""A PostgreSQL ledger that cannot be used says why: no server, no such database,
no such schema, a refused login; each in one line, exit 1."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from cli import ledger
from tests.conftest import postgres_or_skip


def server() -> tuple[str, str]:
    """The test server as the messages name it ("host:port"), and its database."""
    parts = urlsplit(postgres_or_skip())
    return f"{parts.hostname}:{parts.port or 5432}", parts.path.lstrip("/")


def run(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(ledger, ["--db", url, "--as", "li.wei", "staff", "list"])
    return result.exit_code, result.stderr


def test_no_server_at_the_address_is_named_as_such() -> None:
    code, err = run("postgresql://postgres@127.0.0.1:1/test")

    assert code == 1
    assert err.startswith("Error: no PostgreSQL server answers at 127.0.0.1:1 (")
    assert err.endswith("): start it, or fix the host and port in --db / LEDGER_DATABASE_URL\n")


@pytest.mark.postgres
def test_a_mistyped_database_name_is_named() -> None:
    url = postgres_or_skip().rsplit("/", 1)[0] + "/no_such_ledger_db"
    where, _ = server()

    code, err = run(url)

    assert (code, err.splitlines()) == (
        1,
        [
            f"Error: PostgreSQL at {where} has no database no_such_ledger_db: create "
            "it (createdb no_such_ledger_db) or fix its name in --db / LEDGER_DATABASE_URL"
        ],
    )


@pytest.mark.postgres
def test_a_missing_schema_is_named() -> None:
    url = postgres_or_skip() + "?schema=no_such_ledger_schema"
    where, database = server()

    code, err = run(url)

    assert (code, err.splitlines()) == (
        1,
        [
            f"Error: PostgreSQL database {database} at {where} has no schema "
            "no_such_ledger_schema: create it (CREATE SCHEMA no_such_ledger_schema) or "
            "fix ?schema= in --db / LEDGER_DATABASE_URL"
        ],
    )


@pytest.mark.postgres
def test_an_unknown_login_is_named() -> None:
    url = postgres_or_skip().replace("postgres@", "no_such_ledger_role@", 1)
    where, _ = server()

    code, err = run(url)

    assert code == 1
    assert err.startswith(
        f"Error: PostgreSQL at {where} refused the login of no_such_ledger_role ("
    )
