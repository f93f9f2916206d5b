"""Blank text is refused at the edge, for every command at once.

A text option or argument given as '' or '   ' is never what anyone meant: a
required one would write an empty value (`branch add --location ''`), an
optional one would record a blank reason, and an empty filter would silently
filter nothing. Rather than each option saying so, every command's text
parameters get the same check when its group is loaded (cli.py `LedgerGroup`).
"""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

# Marks a command already given the check (groups are loaded once, but the
# marker keeps a second walk from wrapping the callbacks twice).
_CHECKED = "_ledger_blank_checked"

# Where a value came from that someone typed or set: defaults are the code's own.
_GIVEN = {ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT}


class BlankValueError(click.UsageError):
    """A text given blank (or holding a NUL character, or bytes that are not text)."""


def refuse_blank_text(command: click.Command, *, recursive: bool = True) -> None:
    """Give every free-text parameter of `command` (and, if recursive, of its
    subcommands) a check that refuses a blank value when one is given."""
    if getattr(command, _CHECKED, False):
        return
    setattr(command, _CHECKED, True)
    for param in command.params:
        if _takes_text(param):
            param.callback = _refusing_blank(param.callback)
    if recursive and isinstance(command, click.Group):
        for sub in command.commands.values():
            refuse_blank_text(sub)


def _takes_text(param: click.Parameter) -> bool:
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return False
    # Choices, numbers, dates and paths check their own values; only plain text
    # would take a blank one.
    return isinstance(param.type, click.types.StringParamType)


def _refusing_blank(callback: Any) -> Any:
    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if ctx.get_parameter_source(param.name or "") in _GIVEN:
            values = value if isinstance(value, tuple | list) else (value,)
            if any(isinstance(v, str) and not v.strip() for v in values):
                # The same words as a command model's refusal (commands/runtime.py).
                raise BlankValueError(f"{_named(param)} must not be empty", ctx=ctx)
            if any(isinstance(v, str) and "\x00" in v for v in values):
                # Not even a read's filter: PostgreSQL refuses it in a query.
                from ledger.vocabulary import NUL_REFUSAL

                raise BlankValueError(f"{_named(param)} {NUL_REFUSAL}", ctx=ctx)
            if any(isinstance(v, str) and not _is_unicode(v) for v in values):
                raise BlankValueError(
                    f"{_named(param)} holds bytes that are not UTF-8 text: check the "
                    "terminal's or the script's encoding",
                    ctx=ctx,
                )
        return value if callback is None else callback(ctx, param, value)

    return check


def _is_unicode(text: str) -> bool:
    """False for what Python makes of bytes in argv that are not UTF-8 (lone
    surrogates): no database, file or terminal can take them back as text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _named(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.human_readable_name
