"""One member of staff at a terminal: runs `ledger` commands one after another, each
as a fresh start of the command (a new ledger, a new connection pool), the way
separate invocations from a shell start. Prints one JSON line: what was asked,
what was acknowledged, and every failure's message."""

from __future__ import annotations

import json
import sys

from click.testing import CliRunner

from cli import ledger


def main(db: str, actor: str, customer: str, commands: int, worker: int) -> None:
    runner = CliRunner()
    acknowledged: list[str] = []
    failures: list[str] = []
    for n in range(commands):
        if n % 4 == 3:
            # Readers: one reads the staff list, the other a customer, which catches
            # the views up while the writers write.
            read = ["staff", "list"] if n % 8 == 3 else ["customer", "show", customer]
            args = ["--db", db, "--as", actor, *read]
        else:
            summary = f"worker {worker} call {n}"
            args = [
                "--db",
                db,
                "--as",
                actor,
                "contact",
                "log",
                customer,
                "--channel",
                "phone",
                "--direction",
                "outbound",
                "--summary",
                summary,
            ]
        result = runner.invoke(ledger, args)
        if result.exit_code != 0:
            failures.append((result.stderr or result.output).strip()[:300])
        elif args[4] == "contact":
            acknowledged.append(summary)
    print(json.dumps({"acknowledged": acknowledged, "failures": failures}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
