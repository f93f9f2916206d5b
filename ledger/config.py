"""Configuration, read in one place: environment variables over an optional
`$LEDGER_HOME/config.toml` (or the file named by `LEDGER_CONFIG`)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.domain.promises import DEFAULT_PROMISE_WORKING_DAYS
from ledger.domain.sla.calendar_config import CalendarConfig, parse_calendar_config
from ledger.domain.sla.policy import SlaPolicy, parse_sla_policy
from ledger.errors import InvalidInputError
from ledger.storage import DEFAULT_HOME

# A recorded event may claim to have happened a little in the future: clocks of
# laptops and phones drift. Beyond this it is a typo, and refused.
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


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


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    environ = dict(os.environ) if environ is None else environ
    raw = _read_file(environ)
    tz_name = environ.get("LEDGER_TIMEZONE") or str(raw.get("timezone", "UTC"))
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone {tz_name!r}: use an IANA name such as Asia/Shanghai or UTC"
        ) from None
    skew_minutes = raw.get("clock_skew_minutes", DEFAULT_CLOCK_SKEW.total_seconds() / 60)
    return Settings(
        timezone=timezone,
        clock_skew=timedelta(minutes=float(skew_minutes)),
        raw=raw,
        calendar=parse_calendar_config(raw.get("calendar")),
        sla=parse_sla_policy(raw.get("sla")),
        promise_due_working_days=_promise_days(
            raw.get("promise_due_working_days", DEFAULT_PROMISE_WORKING_DAYS)
        ),
        keys_database=environ.get("LEDGER_KEYS_URL") or raw.get("keys_database") or None,
    )


# A promise due more than a working year out is a typo, not a default.
MOST_PROMISE_WORKING_DAYS = 250


def _promise_days(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MOST_PROMISE_WORKING_DAYS
    ):
        raise InvalidInputError(
            f"promise_due_working_days must be a whole number of working days from 1 to "
            f"{MOST_PROMISE_WORKING_DAYS}, e.g. {DEFAULT_PROMISE_WORKING_DAYS}, not {value!r}"
        )
    return value


def _read_file(environ: dict[str, str]) -> dict[str, Any]:
    explicit = environ.get("LEDGER_CONFIG")
    home = Path(environ.get("LEDGER_HOME") or DEFAULT_HOME).expanduser()
    path = Path(explicit).expanduser() if explicit else home / "config.toml"
    if not path.exists():
        if explicit:
            raise InvalidInputError(f"LEDGER_CONFIG names {path}, which does not exist")
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"{path} is not valid TOML: {error}") from None
