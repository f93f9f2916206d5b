"""Where the ledger keeps its events: one place decides, from --db or the environment.

Precedence: an explicit `--db` value, then `LEDGER_DATABASE_URL`, then the embedded
SQLite file `$LEDGER_HOME/ledger.sqlite3` (`LEDGER_HOME` defaults to `~/.ledger`).
A value starting with `postgresql://` (or `postgres://`) selects PostgreSQL; anything
else is a SQLite file path. The result is the environment the eventsourcing library
reads, so domain and service code never name a database.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import InvalidInputError, StorageNotFoundError

DEFAULT_HOME = "~/.ledger"
SQLITE_FILENAME = "ledger.sqlite3"
POSTGRES_SCHEMES = ("postgresql", "postgres")
# The library's PostgreSQL persistence, creating its tables only when they are
# missing, under a lock (ledger/pg_recorders.py); and the library's own module,
# which an environment written by hand may still name.
POSTGRES_PERSISTENCE = "ledger.pg_recorders:CreatedOncePostgresFactory"
POSTGRES_MODULES = (POSTGRES_PERSISTENCE, "eventsourcing.postgres")
# The library's SQLite persistence, its saves taking writers' turns
# (ledger/sqlite_recorders.py), and the library's own module.
SQLITE_PERSISTENCE = "ledger.sqlite_recorders:TurnTakingSQLiteFactory"
SQLITE_MODULES = (SQLITE_PERSISTENCE, "eventsourcing.sqlite")


@dataclass(frozen=True)
class Storage:
    """A resolved storage location and the library environment that selects it."""

    kind: str  # "sqlite" or "postgres"
    location: str  # file path, or the URL without its password
    env: dict[str, str]

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgres"


def default_sqlite_path(environ: dict[str, str] | None = None) -> Path:
    environ = dict(os.environ) if environ is None else environ
    home = environ.get("LEDGER_HOME") or DEFAULT_HOME
    return Path(home).expanduser() / SQLITE_FILENAME


def resolve(db: str | None = None, environ: dict[str, str] | None = None) -> Storage:
    """Turn `--db`, `LEDGER_DATABASE_URL` or `LEDGER_HOME` into a `Storage`."""
    environ = dict(os.environ) if environ is None else environ
    target = db or environ.get("LEDGER_DATABASE_URL") or ""
    if target.split(":", 1)[0] in POSTGRES_SCHEMES and "://" in target:
        return _postgres(target)
    path = Path(target).expanduser() if target else default_sqlite_path(environ)
    return _sqlite(path)


def _sqlite(path: Path) -> Storage:
    if path.is_dir():
        raise InvalidInputError(
            f"--db {path} is a directory: give a file path such as {path / SQLITE_FILENAME}"
        )
    env = {
        "PERSISTENCE_MODULE": SQLITE_PERSISTENCE,
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "10",
        "CREATE_TABLE": "y",
    }
    return Storage(kind="sqlite", location=str(path), env=env)


def _postgres(url: str) -> Storage:
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise InvalidInputError(
            f"database URL {_without_password(url)!r} names no database: "
            "use postgresql://USER@HOST:PORT/DBNAME"
        )
    try:
        port = parts.port or 5432
    except ValueError as error:
        raise InvalidInputError(f"database URL has a bad port: {error}") from None
    query = parse_qs(parts.query)
    env = {
        "PERSISTENCE_MODULE": POSTGRES_PERSISTENCE,
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname or "localhost",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "1",
        "CREATE_TABLE": "y",
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][0]
    return Storage(kind="postgres", location=_without_password(url), env=env)


def postgres_connection(env: Mapping[str, str]) -> Any:
    """A connection of its own (autocommit, the ledger's schema first on the search
    path) to the PostgreSQL database `env` names, for what the library's pool does
    not serve: the views' store and the key store."""
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        options=f"-c search_path={env.get('POSTGRES_SCHEMA', 'public')}",
        autocommit=True,
    )


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def require_existing(storage: Storage) -> None:
    """Reads must not create an empty database by accident (a typo in --db)."""
    if storage.kind == "sqlite" and not Path(storage.location).exists():
        raise StorageNotFoundError(
            f"no ledger at {storage.location}: run `ledger demo` to create one, "
            "or point --db / LEDGER_HOME at an existing ledger"
        )
    warn_if_readable(storage)


def prepare_for_writing(storage: Storage) -> None:
    """The embedded default needs no setup: make its folder on first write."""
    if storage.kind == "sqlite":
        make_private(storage)


# The ledger holds trade secrets and personal data: its files are its owner's
# alone, whatever the umask (docs/domain.md, "Personal data").
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm")


def make_private(storage: Storage) -> None:
    """Create the SQLite file's folder (0700) and the file itself (0600) if they
    are missing; SQLite gives its -wal and -shm files the file's own mode. An
    existing file is left as it is, with a warning if others can read it."""
    create_private(Path(storage.location))
    warn_if_readable(storage)


def create_private(path: Path) -> None:
    """Create a missing SQLite file and its missing folders, private."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(PRIVATE_FOLDER)
    if not path.exists():
        # Created before SQLite opens it (an empty file is a new database), so it
        # is never readable by others, not even for a moment.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
        path.chmod(PRIVATE_FILE)


def warn_if_readable(storage: Storage) -> None:
    """One line on stderr if others may read the SQLite file or its companions."""
    if storage.kind != "sqlite":
        return
    for suffix in SQLITE_COMPANIONS:
        path = Path(storage.location + suffix)
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            sys.stderr.write(
                f"warning: {path} can be read by other users (mode {mode:04o}): "
                f"make it private with `chmod 600 {path}`\n"
            )
            return
