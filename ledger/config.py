"""Configuration, read and checked in one place: environment variables over an
optional `$LEDGER_HOME/config.toml` (or the file named by `LEDGER_CONFIG`).

Every key of the file is known here, with what it expects; an unknown key (a
misspelling) is refused rather than ignored, and every problem found is one line
naming the file, the key and what is expected (docs/decisions.md, "Configuration
is checked by hand, in one place"). A table whose reader lives elsewhere (`[churn]`,
projections/churn_scoring.py) is checked by that reader, passed in as `tables`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.domain.promises import DEFAULT_PROMISE_WORKING_DAYS
from ledger.domain.sla.calendar_config import CalendarConfig, parse_calendar_config
from ledger.domain.sla.policy import SlaPolicy, parse_sla_policy
from ledger.errors import ConfigurationError, InvalidInputError
from ledger.storage import DEFAULT_HOME

# A recorded event may claim to have happened a little in the future: clocks of
# laptops and phones drift. Beyond this it is a typo, and refused.
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
# A day of drift is already no clock's; more is a typo.
MOST_CLOCK_SKEW_MINUTES = 24 * 60
# A promise due more than a working year out is a typo, not a default.
MOST_PROMISE_WORKING_DAYS = 250

# The file's keys: top-level values, then the tables read in this module. Tables
# read elsewhere come in through `load_settings(tables=...)`.
VALUES = ("timezone", "clock_skew_minutes", "promise_due_working_days", "actor", "keys_database")
TABLES = ("calendar", "sla")
# Read by the churn commands (projections/churn_scoring.py); named here so that
# a caller who does not check it (a library user, a benchmark) does not see it
# refused as unknown.
READ_ELSEWHERE = ("churn",)

TableReader = Callable[[object], object]
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    timezone: ZoneInfo
    clock_skew: timedelta
    raw: dict[str, Any]
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    # Working days after which a promise made without a due date is due
    # (`ledger.domain.promises.promise_due`).
    promise_due_working_days: int = DEFAULT_PROMISE_WORKING_DAYS
    # Where key people's keys live, if not in the ledger's own database
    # (`LEDGER_KEYS_URL` or `keys_database`; ledger/person_keys.py).
    keys_database: str | None = None
    # The staff member who acts when neither --as nor LEDGER_ACTOR says.
    actor: str | None = None


def load_settings(
    environ: dict[str, str] | None = None, *, tables: Mapping[str, TableReader] | None = None
) -> Settings:
    """The settings; `ConfigurationError` lists every problem of the file at once."""
    environ = dict(os.environ) if environ is None else environ
    path, raw = _read_file(environ)
    checker = _Checker(path)
    checker.unknown(raw, tables or {})
    tz_name = environ.get("LEDGER_TIMEZONE") or checker.value(raw, "timezone", _zone_name, "UTC")
    timezone = _zone(tz_name)
    skew = checker.value(raw, "clock_skew_minutes", _skew, DEFAULT_CLOCK_SKEW)
    promise_days = checker.value(
        raw, "promise_due_working_days", _promise_days, DEFAULT_PROMISE_WORKING_DAYS
    )
    actor = checker.value(raw, "actor", _text("a staff id such as li.wei"), None)
    keys = checker.value(raw, "keys_database", _text("a database path or URL"), None)
    calendar = checker.table(raw, "calendar", parse_calendar_config, CalendarConfig())
    sla = checker.table(raw, "sla", parse_sla_policy, SlaPolicy())
    for name, reader in (tables or {}).items():
        checker.table(raw, name, reader, None)
    if checker.problems:
        raise ConfigurationError(checker.problems)
    return Settings(
        timezone=timezone,
        clock_skew=skew,
        raw=raw,
        calendar=calendar,
        sla=sla,
        promise_due_working_days=promise_days,
        keys_database=environ.get("LEDGER_KEYS_URL") or keys,
        actor=actor,
    )


class _Checker:
    """Collects the file's problems, each as a line naming the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def _problem(self, message: str) -> None:
        self.problems.append(f"{message} (in {self.path})")

    def unknown(self, raw: Mapping[str, Any], tables: Mapping[str, TableReader]) -> None:
        known = (*VALUES, *TABLES, *READ_ELSEWHERE, *tables)
        for key in sorted(set(raw) - set(known)):
            self._problem(f"{key} is not a setting: use {', '.join(sorted(set(known)))}")

    def value(
        self, raw: Mapping[str, Any], key: str, check: Callable[[object], T], default: T
    ) -> T:
        if key not in raw:
            return default
        try:
            return check(raw[key])
        except InvalidInputError as error:
            self._problem(f"{key} must be {error}, not {raw[key]!r}")
            return default

    def table(self, raw: Mapping[str, Any], key: str, read: Callable[[object], T], default: T) -> T:
        try:
            return read(raw.get(key))
        except InvalidInputError as error:
            self._problem(str(error))
            return default


def _zone_name(value: object) -> str:
    hint = 'an IANA time-zone name such as "Asia/Shanghai" or "UTC"'
    if not isinstance(value, str):
        raise InvalidInputError(hint)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(hint) from None
    return value


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone {name!r}: use an IANA name such as Asia/Shanghai or UTC"
        ) from None


def _skew(value: object) -> timedelta:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= MOST_CLOCK_SKEW_MINUTES
    ):
        raise InvalidInputError(f"a number of minutes from 0 to {MOST_CLOCK_SKEW_MINUTES}, e.g. 5")
    return timedelta(minutes=value)


def _promise_days(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MOST_PROMISE_WORKING_DAYS
    ):
        raise InvalidInputError(
            f"a whole number of working days from 1 to {MOST_PROMISE_WORKING_DAYS}, "
            f"e.g. {DEFAULT_PROMISE_WORKING_DAYS}"
        )
    return value


def _text(what: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"{what} (a quoted, non-empty string)")
        return value.strip()

    return check


def _read_file(environ: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    explicit = environ.get("LEDGER_CONFIG")
    home = Path(environ.get("LEDGER_HOME") or DEFAULT_HOME).expanduser()
    path = Path(explicit).expanduser() if explicit else home / "config.toml"
    if not path.exists():
        if explicit:
            raise InvalidInputError(f"LEDGER_CONFIG names {path}, which does not exist")
        return path, {}
    import tomllib  # only when there is a file: every command reads the settings

    try:
        with path.open("rb") as handle:
            return path, tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"{path} is not valid TOML: {error}") from None
