"""The SLA policy: each service target, the at-risk threshold, and the version
stamped on a case when it opens (so a later change of policy does not rewrite
the past). Defaults are the numbers of docs/domain.md, "Service rules (SLA)";
the `[sla]` table overrides them.

The stamp on a case also carries the time zone and business calendar in force
when it opened (`stamp`), so that changing either in the configuration does not
move the deadlines of cases already open.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ledger.domain.sla.calendar_config import CalendarConfig, calendar_record
from ledger.errors import InvalidInputError

DEFAULT_POLICY_VERSION = "default"

PolicyRecord = dict[str, str | float]
# Keys of a case's stamp that describe its calendar rather than its targets.
CALENDAR_KEY = "calendar"


@dataclass(frozen=True)
class SlaPolicy:
    """Targets of the service rules. Business-time targets run on the
    `BusinessCalendar`; the others on the ordinary calendar."""

    version: str = DEFAULT_POLICY_VERSION
    inquiry_first_answer: timedelta = timedelta(minutes=10)  # business time
    complaint_resolution: timedelta = timedelta(hours=4)  # business time, paused excluded
    follow_up_interval: timedelta = timedelta(days=30)  # calendar time
    visit_coverage: float = 0.5  # share of an owner's active customers, per month
    handover_working_days: float = 1  # business time, in ordinary working days
    at_risk_ratio: float = 0.75  # share of a target after which a case is at risk
    report_due_day: int = 5  # day of the following month the monthly reports are due

    def __post_init__(self) -> None:
        if not self.version.strip():
            raise InvalidInputError('sla.policy_version must not be empty: e.g. "2026.1"')
        for key, target in (
            ("inquiry_first_answer_minutes", self.inquiry_first_answer),
            ("complaint_resolution_hours", self.complaint_resolution),
            ("follow_up_days", self.follow_up_interval),
        ):
            if target <= timedelta(0):
                raise InvalidInputError(f"sla.{key} must be a positive number")
        if self.handover_working_days <= 0:
            raise InvalidInputError("sla.handover_working_days must be a positive number")
        if not 0 < self.visit_coverage <= 1:
            raise InvalidInputError(
                "sla.visit_coverage must be a share above 0 and at most 1, e.g. 0.5"
            )
        if not 0 < self.at_risk_ratio < 1:
            raise InvalidInputError("sla.at_risk_ratio must be a share between 0 and 1, e.g. 0.75")
        if not 1 <= self.report_due_day <= 28:
            raise InvalidInputError(
                "sla.report_due_day must be a whole day of the month from 1 to 28"
            )

    def at_risk_after(self, target: timedelta) -> timedelta:
        """How much of `target` may elapse before a case counts as at risk
        (whole seconds, so the threshold reads the same after a round trip)."""
        return timedelta(seconds=round(target.total_seconds() * self.at_risk_ratio))

    def as_record(self) -> PolicyRecord:
        """The policy as plain JSON-able values in configuration units, for
        stamping on a case."""
        return {
            "policy_version": self.version,
            "inquiry_first_answer_minutes": self.inquiry_first_answer.total_seconds() / 60,
            "complaint_resolution_hours": self.complaint_resolution.total_seconds() / 3600,
            "follow_up_days": self.follow_up_interval.total_seconds() / 86400,
            "visit_coverage": self.visit_coverage,
            "handover_working_days": self.handover_working_days,
            "at_risk_ratio": self.at_risk_ratio,
            "report_due_day": self.report_due_day,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> SlaPolicy:
        """The inverse of `as_record` (and the reader of the `[sla]` table)."""
        return parse_sla_policy(record)


_KEYS = (
    "policy_version",
    "inquiry_first_answer_minutes",
    "complaint_resolution_hours",
    "follow_up_days",
    "visit_coverage",
    "handover_working_days",
    "at_risk_ratio",
    "report_due_day",
)


def parse_sla_policy(table: object) -> SlaPolicy:
    """Read the `[sla]` table; every mistake is one line naming the key.

    Without `policy_version`, a policy with the default numbers is "default" and
    any other is "custom-" and a digest of its numbers: a changed target always
    gets a new version, even when whoever changed it forgot to bump it.
    """
    if table is None:
        return SlaPolicy()
    if not isinstance(table, Mapping):
        raise InvalidInputError("sla must be a table: write it as [sla] with keys below")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise InvalidInputError(f"sla.{unknown[0]} is not an SLA setting: use {', '.join(_KEYS)}")
    defaults = SlaPolicy().as_record()

    def number(key: str) -> float:
        value = table.get(key, defaults[key])
        # bool is an int to Python, but `true` is no number of minutes.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(f"sla.{key} must be a number, got {value!r}")
        return float(value)

    report_due_day = table.get("report_due_day", defaults["report_due_day"])
    if isinstance(report_due_day, bool) or not isinstance(report_due_day, int):
        raise InvalidInputError(
            f"sla.report_due_day must be a whole day of the month from 1 to 28, "
            f"got {report_due_day!r}"
        )
    version = table.get("policy_version")
    if version is not None and not isinstance(version, str):
        raise InvalidInputError(
            f'sla.policy_version must be a string such as "2026.1", got {version!r}'
        )
    policy = SlaPolicy(
        inquiry_first_answer=timedelta(minutes=number("inquiry_first_answer_minutes")),
        complaint_resolution=timedelta(hours=number("complaint_resolution_hours")),
        follow_up_interval=timedelta(days=number("follow_up_days")),
        visit_coverage=number("visit_coverage"),
        handover_working_days=number("handover_working_days"),
        at_risk_ratio=number("at_risk_ratio"),
        report_due_day=report_due_day,
    )
    return _with_version(policy, None if version is None else version.strip())


def _with_version(policy: SlaPolicy, version: str | None) -> SlaPolicy:
    if version is None:
        if policy == SlaPolicy():
            return policy
        numbers = policy.as_record()
        del numbers["policy_version"]
        digest = hashlib.sha256(json.dumps(numbers, sort_keys=True).encode()).hexdigest()
        version = f"custom-{digest[:8]}"
    return replace(policy, version=version)


def stamp(policy: SlaPolicy, calendar: CalendarConfig, timezone: ZoneInfo) -> dict[str, object]:
    """What a case carries from the moment it opens: the policy's targets, and
    the calendar and time zone its deadlines are reckoned in. Each case gets its
    own copy (an event's values are its own); the stamp itself is made once per
    configuration, not once per case (an import opens hundreds of thousands)."""
    copied: dict[str, object] = _copied(_stamp(policy, calendar, timezone))
    return copied


@lru_cache(maxsize=8)
def _stamp(policy: SlaPolicy, calendar: CalendarConfig, timezone: ZoneInfo) -> dict[str, object]:
    return {**policy.as_record(), CALENDAR_KEY: calendar_record(calendar, timezone)}


def _copied(value: Any) -> Any:
    """`value` with a copy of each list and dict in it (the stamp holds only those,
    text, numbers and None)."""
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    return value


def split_stamp(
    record: Mapping[str, object],
) -> tuple[dict[str, object], dict[str, object] | None]:
    """A case's stamp as (the policy's targets, the calendar record or None).

    Cases stamped before the calendar was part of the stamp have no calendar
    record: the clocks then use the configured calendar (see `Clocks.calendar_of`).
    """
    targets = {key: value for key, value in record.items() if key != CALENDAR_KEY}
    calendar = record.get(CALENDAR_KEY)
    return targets, (dict(calendar) if isinstance(calendar, Mapping) else None)
