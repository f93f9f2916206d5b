"""The `ledger` command: a thin shell over the service.

Typed ledger errors become one line on stderr: exit 1 for a rule the ledger
refuses, 2 for bad input. A traceback here means a bug.
"""

from __future__ import annotations

import importlib
import keyword
import re
from typing import Any

import click

from commands.edge import refuse_blank_text
from commands.runtime import FORMATS, SHOWN_INPUT, LedgerContext

# Command groups, loaded on first use so that `ledger --help` stays fast.
GROUPS: dict[str, tuple[str, str]] = {
    "customer": ("commands.customer", "Register, list and update customers."),
    "branch": ("commands.branch", "Add and close a customer's branches."),
    "person": ("commands.person", "Key people at a customer and our relationship with them."),
    "owner": ("commands.owner", "Hand customers over to a new owner (one, or all of one)."),
    "staff": ("commands.staff", "Staff accounts, roles, segments, departures."),
    "contact": ("commands.contact", "Log calls, emails, letters, meetings."),
    "visit": ("commands.visit", "Plan, report and cancel customer visits."),
    "inquiry": ("commands.inquiry", "Receive and answer inquiries."),
    "complaint": ("commands.complaint", "File and work complaints through to resolution."),
    "escalate": ("commands.escalation", "Escalate an inquiry or complaint."),
    "escalation": ("commands.escalation", "Resolve escalations."),
    "opportunity": ("commands.opportunity", "Leads and opportunities through to won or lost."),
    "commitment": (
        "commands.commitment",
        "Promises made to a customer, until fulfilled or withdrawn.",
    ),
    "problem": ("commands.problem", "Problems raised at visits, until handled."),
    "satisfaction": ("commands.satisfaction", "Record satisfaction scores."),
    "relationship": ("commands.relationship", "Terminate and reactivate a relationship."),
    "correct": ("commands.correction", "Correct an earlier event (the original stays)."),
    "history": ("commands.history", "The whole relationship with a customer, oldest first."),
    "projections": ("commands.projections", "Read models: status, rebuild, follow the log."),
    "audit": ("commands.audit", "Prove the history unaltered: hash chains and digests."),
    "export": ("commands.export", "Every event with all its metadata, as jsonl or csv."),
    "schema": ("commands.schema", "JSON Schemas of the events, as `ledger export` writes them."),
    "churn": ("commands.churn", "Customers at risk of leaving, with the reasons; win-back list."),
    "brief": ("commands.brief", "What a new owner must know before the first call."),
    "sla": ("commands.sla", "SLA breaches, cases at risk, and the breach sweep."),
    "report": ("commands.report", "Monthly report: cases, visits, satisfaction, handovers."),
    "todo": ("commands.todo", "What you owe now, most urgent first: cases, promises, visits."),
    "pipeline": ("commands.pipeline", "Open leads and opportunities, with totals by stage."),
    "activity": ("commands.activity", "What each member of staff did this week or month."),
    "demo": ("commands.demo", "Load a realistic demo data set and show what to try."),
    "import": ("commands.importing", "Bring in a team's records from CSV files of another system."),
    "server": ("commands.server", "Keep the ledger loaded so that commands start fast."),
}


def load_command(name: str) -> click.Command:
    """The command or group `name` of GROUPS, from its module: a function named for
    the command (`-` as `_`; one named for a Python keyword, `import`, as `import_`)."""
    module = importlib.import_module(GROUPS[name][0])
    attribute = name.replace("-", "_")
    command = getattr(module, attribute + "_" if keyword.iskeyword(attribute) else attribute)
    assert isinstance(command, click.Command)
    return command


# A quoted value in an error message ('...' or "...", as repr and click quote it).
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')
# An error line longer than this is cut: no message of the ledger's own is that long.
LONGEST_LINE = 600


def one_line(message: str) -> str:
    """An error message as one readable line: line breaks folded, and a long value
    it repeats (a pasted page, a run of control characters) shown by its start,
    as a refused command field is (commands/runtime.py SHOWN_INPUT)."""

    def shorten(quoted: re.Match[str]) -> str:
        text = quoted.group()
        inner = text[1:-1]
        return text if len(inner) <= SHOWN_INPUT else f"{text[0]}{inner[:SHOWN_INPUT]}…{text[0]}"

    line = _QUOTED.sub(shorten, " ".join(message.split()))
    # An unquoted run far longer (an extra argument in click's parentheses) too; a
    # path is left whole.
    words = [w if len(w) <= 2 * SHOWN_INPUT else f"{w[:SHOWN_INPUT]}…" for w in line.split(" ")]
    line = " ".join(words)
    return line if len(line) <= LONGEST_LINE else f"{line[:LONGEST_LINE]}…"


class OneLineUsageError(click.UsageError):
    """A usage error shown as one line (plus where to read help), exit code 2."""

    def show(self, file: Any = None) -> None:
        hint = f" (see `{self.ctx.command_path} --help`)" if self.ctx is not None else ""
        click.echo(f"Error: {one_line(self.format_message())}{hint}", err=True)


class ProblemsError(click.UsageError):
    """Several problems at once (a configuration file's), one line each, exit code 2."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def show(self, file: Any = None) -> None:
        for problem in self.problems:
            click.echo(f"Error: {problem}", err=True)


class LedgerGroup(click.Group):
    """Loads command groups lazily and turns typed errors into one clear line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # A bad value of the root's own options (--db, --as, --format), or an option
        # the root does not have, as one line.
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `ledger` alone: its help
        except click.UsageError as error:
            raise OneLineUsageError(error.format_message(), error.ctx or ctx) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in GROUPS:
            return None
        command = load_command(cmd_name)
        refuse_blank_text(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from GROUPS, so listing commands imports none of them.
        rows = [(name, GROUPS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from ledger.errors import ConfigurationError, LedgerError

        try:
            return super().invoke(ctx)
        except ConfigurationError as error:
            raise ProblemsError(error.problems) from None
        except LedgerError as error:
            if error.exit_code == 2:
                raise OneLineUsageError(str(error)) from None
            raise click.ClickException(one_line(str(error))) from None
        except click.exceptions.NoArgsIsHelpError:
            raise  # a group named without a command (`ledger customer`): its help
        except click.UsageError as error:
            # Click's own messages (a missing option, a bad choice) as one line too.
            raise OneLineUsageError(error.format_message(), error.ctx) from None
        except click.ClickException as error:
            shown = one_line(error.format_message())
            if shown == error.format_message() or error.exit_code != 1:
                raise
            raise click.ClickException(shown) from None
        except click.exceptions.Exit:
            # --help or --version is done (reaching the handler below would import
            # the storage library just to find it is not a database error).
            raise
        except Exception as error:
            _database_error_or_raise(error, ctx.obj)
            raise
        finally:
            if isinstance(ctx.obj, LedgerContext):
                ctx.obj.close()


def _database_error_or_raise(error: Exception, obj: Any) -> None:
    from eventsourcing.persistence import (
        MapperDeserialisationError,
        OperationalError,
        PersistenceError,
    )

    if isinstance(error, MapperDeserialisationError):
        raise click.ClickException(
            f"a stored event cannot be read ({str(error).splitlines()[0]}): the database "
            "may have been altered; run `ledger audit verify`"
        ) from None
    if isinstance(error, OperationalError | PersistenceError):
        cause = _postgres_cause(obj)
        if cause is not None:
            raise click.ClickException(cause) from None
        first_line = (str(error).splitlines() or [type(error).__name__])[0]
        raise click.ClickException(
            f"the database could not be used ({first_line}): "
            "check --db / LEDGER_DATABASE_URL and that the server is up"
        ) from None


def _postgres_cause(obj: Any) -> str | None:
    """What is wrong with the PostgreSQL server, database, schema or login, if that
    is why the database could not be used (ledger/pg_diagnosis.py)."""
    if not isinstance(obj, LedgerContext):
        return None
    from ledger.errors import LedgerError

    try:
        storage = obj.storage
    except LedgerError:  # a bad --db is said where it is resolved
        return None
    if not storage.is_postgres:
        return None
    from ledger.pg_diagnosis import diagnose

    return diagnose(storage)


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="LEDGER_DATABASE_URL",
    metavar="PATH|URL",
    help="SQLite file, or postgresql://USER@HOST:PORT/DB. Default: $LEDGER_HOME/ledger.sqlite3 "
    "(LEDGER_HOME defaults to ~/.ledger). Env: LEDGER_DATABASE_URL.",
)
@click.option(
    "--as",
    "actor",
    envvar="LEDGER_ACTOR",
    metavar="STAFF",
    help="The staff member who acts (e.g. li.wei). Env: LEDGER_ACTOR.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format for people (table) or machines.",
)
@click.version_option(package_name="ledger")
@click.pass_context
def ledger(ctx: click.Context, db: str | None, actor: str | None, output_format: str) -> None:
    """Event-sourced customer-interaction ledger.

    Every contact, visit, inquiry, complaint and escalation is an immutable event in
    its customer's stream; nothing is ever updated or deleted.
    """
    ctx.obj = LedgerContext(db=db, actor=actor, output_format=output_format)


# The root's own options (--db, --as); each group's are checked when it is loaded.
refuse_blank_text(ledger, recursive=False)


def main() -> None:
    from ledger.pydantic_plugins import disable_plugins

    # The ledger uses no pydantic plugin; looking for one reads the entry points of
    # every installed distribution when the first command model is built, some
    # 20-60 ms of a recording command, and importing the search costs some 9 ms
    # more (docs/decisions.md, "Start-up"). A setting of the caller's own is kept.
    disable_plugins()
    ledger(prog_name="ledger")


if __name__ == "__main__":
    main()
