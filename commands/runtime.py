"""What every command shares: the context object, common options, recording a
command through the service, and turning typed errors into one line."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from commands.tables import cell_text

if TYPE_CHECKING:
    from ledger.access import Caller
    from ledger.application import Ledger
    from ledger.commands import Command
    from ledger.config import Settings
    from ledger.receipts import Receipt
    from ledger.service import LedgerCore
    from ledger.storage import Storage
    from projections.reader import Reader
    from projections.views import Views

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound="Command")
A = TypeVar("A", bound="LedgerCore")
R = TypeVar("R")  # what a service handler returns: a receipt, or several
FORMATS = ("table", "json", "jsonl", "csv")


class LedgerContext:
    """Built by the root group into `ctx.obj`; opens the ledger only when asked."""

    def __init__(self, db: str | None, actor: str | None, output_format: str) -> None:
        self.db = db
        self.actor = actor
        self.output_format = output_format
        self._app: LedgerCore | None = None
        self._views: Views | None = None

    @cached_property
    def storage(self) -> Storage:
        from ledger.storage import resolve

        return resolve(self.db)

    @cached_property
    def settings(self) -> Settings:
        from ledger.config import load_settings

        # Every table is checked at start, the churn policy by its own reader.
        return load_settings(tables={"churn": _churn_policy})

    def core(self) -> LedgerCore:
        """The ledger as a read needs it (`ledger.service.LedgerCore`): without the
        write service's commands, whose modules a read need not import. A ledger
        already open for writing serves as well."""
        if self._app is None:
            from ledger.service import LedgerCore

            self._app = self._open(LedgerCore, writing=False)
        return self._app

    def ledger(self, *, writing: bool) -> Ledger:
        """The write service; a read never creates an empty database by accident."""
        from ledger.application import Ledger

        if self._app is None:
            self._app = self._open(Ledger, writing=writing)
        app = self._app
        if not isinstance(app, Ledger):
            # A read opened the core and the command goes on to write. The write
            # service is the core plus its command methods, with no state of its own
            # (ledger/application.py), so the open core becomes it: one event store,
            # one connection, as before.
            app.__class__ = Ledger
        assert isinstance(app, Ledger)
        return app

    def _open(self, kind: type[A], *, writing: bool) -> A:
        from ledger.storage import prepare_for_writing, require_existing

        # The configuration is checked before a new database file is made.
        settings = self.settings
        if writing:
            prepare_for_writing(self.storage)
        else:
            require_existing(self.storage)
        return kind(env=self.storage.env, settings=settings)

    def views(self) -> Views:
        """The read models over the existing ledger (reads never create one)."""
        if self._views is None:
            from projections.views import Views

            self._views = Views(self.core(), self.storage)
        return self._views

    def require_actor(self) -> str:
        """Who acts: --as / LEDGER_ACTOR, else the configuration's `actor` (the
        single-user default); it must name a staff account either way."""
        actor = self.actor or self.settings.actor
        if not actor:
            raise click.UsageError(
                "no acting staff member: pass --as STAFF (e.g. --as li.wei), set "
                "LEDGER_ACTOR, or set `actor` in the configuration file"
            )
        return str(actor)

    @cached_property
    def caller(self) -> Caller:
        """The active staff account this command runs as."""
        return self.core().caller(self.require_actor())

    def require(self, allowed: Callable[[Caller], bool], refusal: str) -> Caller:
        """The caller, if `allowed`; else refuse with `refusal` (nothing happens)."""
        from ledger.errors import AccessDeniedError

        caller = self.caller
        if not allowed(caller):
            raise AccessDeniedError(f"{caller.staff_id} is {caller.role}: {refusal}")
        return caller

    @cached_property
    def reads(self) -> Reader:
        """The read service for the caller, who must be allowed to read customer
        records at all (refused in one line otherwise)."""
        from projections.reader import Reader

        return Reader.for_caller(self.views(), self.caller)

    def close(self) -> None:
        if self._views is not None:
            self._views.close()
            self._views = None
        if self._app is not None:
            self._app.close()
            self._app = None


def _churn_policy(table: Any) -> Any:
    """The configuration's churn table checked by the churn policy's own reader,
    imported only when the configuration has such a table (no table: the default
    policy, nothing to check)."""
    if table is None:
        return None
    from projections.churn_scoring import parse_churn_policy

    return parse_churn_policy(table)


def pass_ledger(func: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the `LedgerContext` from `ctx.obj` as the command's first argument."""
    return click.make_pass_decorator(LedgerContext)(func)


def recording_options(func: F) -> F:
    """Options every recording command takes: when it happened and idempotency keys."""
    options = [
        click.option(
            "--at",
            "occurred_at",
            metavar="TIME",
            help="When it happened in the world (default now; may be back-dated), "
            "e.g. 2026-03-04T10:30. Times without an offset are in the ledger's time zone.",
        ),
        click.option(
            "--command-id",
            metavar="ID",
            help="Idempotency key: repeating a command with the same id records it once.",
        ),
        click.option("--correlation-id", metavar="ID", help="Ties related commands together."),
        click.option(
            "--causation-id", metavar="ID", help="The command or event that caused this one."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def format_option(func: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: the global --format, else table).",
    )(func)


def record(
    obj: LedgerContext,
    handler: Callable[[Ledger, C], Receipt],
    model: type[C],
    *,
    done: str,
    **fields: Any,
) -> Receipt:
    """Validate a `model` command, hand it to its service `handler` and print the receipt."""
    receipt = submit(obj, handler, model, **fields)
    render_receipt(obj, receipt, done)
    return receipt


def submit(
    obj: LedgerContext,
    handler: Callable[[Ledger, C], R],
    model: type[C],
    *,
    actor: str | None = None,
    occurred_at: str | None,
    command_id: str | None,
    correlation_id: str | None,
    causation_id: str | None,
    **fields: Any,
) -> R:
    """Build a `model` command from typed options (acting as `actor`, else whoever
    the command line names) and hand it to its service `handler`, e.g.
    `submit(obj, Ledger.log_contact, LogContact, ...)`: the handler's own signature
    ties the model to it. The ledger is opened for writing only once the command
    is valid, so bad input creates no database."""
    command = build_command(
        obj,
        model,
        actor or obj.require_actor(),
        occurred_at=occurred_at,
        command_id=command_id,
        correlation_id=correlation_id,
        causation_id=causation_id,
        **fields,
    )
    return handler(obj.ledger(writing=True), command)


def build_command(
    obj: LedgerContext,
    model: type[C],
    actor: str,
    *,
    occurred_at: str | None = None,
    **fields: Any,
) -> C:
    """A command for `actor` from typed options: `--at` read in the ledger's time
    zone, the ids of `recording_options` and the command's own fields (options
    left out are left to the model's defaults)."""
    from ledger.clock import parse_time

    payload: dict[str, Any] = {
        "actor": actor,
        **{key: value for key, value in fields.items() if value is not None},
    }
    if occurred_at is not None:
        payload["occurred_at"] = parse_time(occurred_at, obj.settings.timezone, what="--at")
    return build(model, payload)


def build(model: type[C], payload: dict[str, Any]) -> C:
    """Construct a pydantic command, turning the first validation error into one line."""
    from pydantic import ValidationError

    try:
        return model(**payload)
    except ValidationError as error:
        raise click.UsageError(describe_validation_error(error)) from None


# How much of a rejected value a refusal repeats.
SHOWN_INPUT = 60
# What a value that fails a pattern should look like, in words a person can act on.
PATTERN_HINTS = {
    "^[a-z][a-z0-9._-]{1,39}$": "a staff id such as li.wei (lowercase letters, digits, . _ -)",
    "^[a-z0-9][a-z0-9_-]{0,39}$": "a segment id such as airport (lowercase letters, digits, _ -)",
    "^[A-Z]{3}$": "a three-letter currency code such as CNY",
}


def describe_validation_error(error: Any) -> str:
    """One line for the first problem, named by the option the user typed."""
    first = error.errors()[0]
    location = [str(part) for part in first.get("loc", ()) if not isinstance(part, int)]
    given = first.get("input")
    option = _option_for(location[0] if location else "", given)
    message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    # A value pasted by mistake may be pages long: the line shows its start.
    if isinstance(given, str) and len(given) > SHOWN_INPUT:
        given = given[:SHOWN_INPUT] + "…"
    shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
    kind = first.get("type")
    context = first.get("ctx", {})
    if kind == "string_too_short" and context.get("min_length") == 1:
        return f"{option} must not be empty"
    if kind == "string_pattern_mismatch" and context.get("pattern") in PATTERN_HINTS:
        return f"{option} must be {PATTERN_HINTS[context['pattern']]}{shown}"
    if kind == "enum":
        return f"{option} must be one of {context.get('expected', '')}{shown}"
    return f"{option}: {message[0].lower()}{message[1:]}{shown}"


def _option_for(field: str, given: Any) -> str:
    """The command-line option behind a model field: the one the rejected value came
    from (`--to` for an owner), else the field's own name."""
    context = click.get_current_context(silent=True)
    if context is not None and given is not None:
        # The option of the field's own name first: another option may hold the same
        # value (an empty --counterpart beside the empty default of --title).
        for param in context.command.params:
            named = isinstance(param, click.Option) and param.name == field
            if named and context.params.get(field) == given:
                return max(param.opts, key=len)
        for param in context.command.params:
            value = context.params.get(param.name or "")
            values = value if isinstance(value, tuple | list) else (value,)
            if isinstance(param, click.Option) and any(v == given for v in values):
                return max(param.opts, key=len)
        for param in context.command.params:
            # A positional argument is named as its usage line shows it (STAFF).
            if isinstance(param, click.Argument) and context.params.get(param.name or "") == given:
                return param.make_metavar(context) if param.metavar else (param.name or "").upper()
    return "--" + field.replace("_", "-") if field else "input"


def render_receipt(obj: LedgerContext, receipt: Receipt, done: str) -> None:
    if obj.output_format in ("json", "jsonl"):
        click.echo(
            json.dumps(
                {
                    "ref": receipt.ref,
                    "customer": receipt.customer_code,
                    "name": receipt.customer_name,
                    "version": receipt.version,
                    "replayed": receipt.replayed,
                    **({"notes": list(receipt.notes)} if receipt.notes else {}),
                }
            )
        )
        return
    if receipt.replayed:
        click.echo(
            f"Already recorded: {receipt.ref} ({receipt.customer_name}), version "
            f"{receipt.version}; nothing new was written."
        )
    else:
        notes = "".join(f" {note}" for note in receipt.notes)
        click.echo(
            f"{done}: {receipt.ref} ({receipt.customer_name}), version {receipt.version}.{notes}"
        )


def split_case(reference: str, expected: str | None = None) -> tuple[str, str]:
    """`C-00042/CP3` -> ("C-00042", "CP3"), with a one-line error otherwise."""
    from ledger.references import parse_local_ref

    ref = parse_local_ref(reference, expected=expected)
    return ref.customer, ref.local_id


def parse_pairs(values: Iterable[str], option: str) -> dict[str, str]:
    """`KEY=VALUE` options into a dict."""
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"{option} takes KEY=VALUE, not {value!r}")
        pairs[key.strip()] = rest.strip()
    return pairs


def choose_format(obj: LedgerContext, local: str | None) -> str:
    """A command's own --format wins over the global one."""
    return local or obj.output_format


# A table for people shows this many rows unless told otherwise; machines get all.
TABLE_ROWS = 50


@dataclass(frozen=True)
class RowLimit:
    """How much of a long list to print, as `--limit N` / `--all` asked."""

    limit: int | None = None
    everything: bool = False

    def rows_for(self, fmt: str) -> int | None:
        """At most how many rows to print in `fmt`: the first TABLE_ROWS of a table
        for people, every row for machines, unless --limit or --all said otherwise."""
        if self.everything:
            return None
        if self.limit is not None:
            return self.limit
        return TABLE_ROWS if fmt == "table" else None


def limit_options(*, latest: bool = False) -> Callable[[F], F]:
    """`--limit N` and `--all` for a command that lists, handed to it as one
    `shown: RowLimit`. With `latest`, a limit keeps the last rows of the list (a
    history is told oldest first; the latest entries are the ones wanted)."""
    which = "the latest N rows" if latest else "the first N rows"

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def command(*args: Any, limit: str | None, everything: bool, **kwargs: Any) -> Any:
            return func(*args, shown=row_limit(limit, everything), **kwargs)

        with_all = click.option(
            "--all",
            "everything",
            is_flag=True,
            help="Show every row, in any format.",
        )(command)
        return cast(
            F,
            click.option(
                "--limit",
                metavar="N",
                help=f"Show {which} (default: {TABLE_ROWS} in a table; every row in "
                "json, jsonl and csv). What was left out is said on stderr.",
            )(with_all),
        )

    return decorate


def row_limit(limit: str | None, everything: bool) -> RowLimit:
    """--limit and --all as given, or one line saying what is wrong with them."""
    if limit is None:
        return RowLimit(everything=everything)
    if everything:
        raise click.UsageError(f"--limit {limit} and --all contradict each other: give one")
    if not limit.isdigit() or int(limit) < 1:
        raise click.UsageError(
            f"--limit is a number of rows from 1 up, not {limit!r} (--all shows every row)"
        )
    return RowLimit(limit=int(limit))


def emit_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    fmt: str,
    *,
    title: str | None = None,
    empty: str = "Nothing to show.",
    shown: RowLimit | None = None,
    noun: str = "rows",
    order: str = "",
    latest: bool = False,
    total: int | None = None,
) -> None:
    """Print rows as a table for people, or json / jsonl / csv for machines.

    With `shown`, a long list is cut to what --limit / --all ask (the last rows
    with `latest`), and a line on stderr says how many of how many `noun` were
    shown and in what `order`: stdout stays the rows alone, parseable in every format.
    `total` is the whole list's length when the reader gave only its first rows
    (as many as `shown` asks for).
    """
    count = len(rows)
    total = count if total is None else max(total, count)
    most = None if shown is None else shown.rows_for(fmt)
    if most is not None and count > most:
        rows = rows[count - most :] if latest else rows[:most]
    if fmt == "json":
        click.echo(json.dumps(list(rows), default=str, ensure_ascii=False, indent=2))
    elif fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, default=str, ensure_ascii=False))
    elif fmt == "csv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        writer.writerows([cell_text(row.get(key)) for key, _ in columns] for row in rows)
    elif not rows:
        click.echo(empty)
    else:
        import sys

        from commands.tables import render_table, terminal_width

        text = render_table(
            [heading for _, heading in columns],
            _values(rows, [key for key, _ in columns]),
            title=title,
            terminal_width=terminal_width(sys.stdout),
        )
        # color=True: the table has no styles to strip, and looking for them in a
        # long table took as long as drawing it.
        click.echo(text, color=True)
    if len(rows) < total:
        click.echo(left_out_line(len(rows), total, noun, order, latest=latest), err=True)


def _values(rows: Sequence[dict[str, Any]], keys: list[str]) -> Sequence[Sequence[Any]]:
    """Each row's values in column order (None where a row lacks a column)."""
    pick = itemgetter(*keys)
    try:
        picked = list(map(pick, rows))
    except KeyError:
        return [[row.get(key) for key in keys] for row in rows]
    return picked if len(keys) > 1 else [(value,) for value in picked]


def left_out_line(count: int, total: int, noun: str, order: str, *, latest: bool) -> str:
    """What a cut list says about what it left out."""
    which = f"the latest {count:,}" if latest else f"{count:,}"
    ordered = f", {order}" if order else ""
    return f"Showing {which} of {total:,} {noun}{ordered}: --limit N or --all for more."


def stderr_progress(*columns: Any, enabled: bool = True) -> Any:
    """A rich progress bar on stderr that leaves stdout to the command's output
    (rich would otherwise route stdout writes through the bar's console). Shown
    only on a terminal."""
    import sys

    from rich.console import Console
    from rich.progress import Progress

    return Progress(
        *columns,
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
        disable=not (enabled and sys.stderr.isatty()),
    )
