"""Why a PostgreSQL ledger could not be used, in words that point at the fix.

The connection pool reports every failure to connect the same way ("couldn't get a
connection after 5 sec"). When a command fails so, one direct connection attempt
tells the real cause apart: the server is not there, the database or the schema
does not exist, or the login was refused.
"""

from __future__ import annotations

from ledger.storage import Storage


def diagnose(storage: Storage) -> str | None:
    """One line naming what is wrong with `storage`'s server, database, schema or
    login; None when a fresh connection works and finds the schema (the failure was
    something else, e.g. a conflict)."""
    import psycopg

    env = storage.env
    where = f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}"
    database = env["POSTGRES_DBNAME"]
    try:
        with psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            dbname=database,
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=3,
        ) as conn:
            schema = env.get("POSTGRES_SCHEMA")
            if schema:
                row = conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
                ).fetchone()
                if row is None:
                    return (
                        f"PostgreSQL database {database} at {where} has no schema "
                        f"{schema}: create it (CREATE SCHEMA {schema}) or fix ?schema= "
                        "in --db / LEDGER_DATABASE_URL"
                    )
    except psycopg.OperationalError as error:
        return _refusal(str(error), where, database, env["POSTGRES_USER"])
    return None


def _refusal(message: str, where: str, database: str, user: str) -> str:
    # A connection refused by the server itself carries no SQLSTATE in psycopg: its
    # FATAL line is the only place that says why.
    fatal = message.split("FATAL:", 1)[1].strip() if "FATAL:" in message else None
    if fatal is None:
        last = (message.strip().splitlines() or ["no answer"])[-1].strip()
        return (
            f"no PostgreSQL server answers at {where} ({last}): start it, or fix the "
            "host and port in --db / LEDGER_DATABASE_URL"
        )
    if f'database "{database}" does not exist' in fatal:
        return (
            f"PostgreSQL at {where} has no database {database}: create it "
            f"(createdb {database}) or fix its name in --db / LEDGER_DATABASE_URL"
        )
    if any(
        sign in fatal
        for sign in ("authentication failed", "does not exist", "pg_hba.conf", "password")
    ):
        return (
            f"PostgreSQL at {where} refused the login of {user} ({fatal}): check the "
            "user and password in --db / LEDGER_DATABASE_URL"
        )
    return f"PostgreSQL at {where} refused the connection: {fatal}"
