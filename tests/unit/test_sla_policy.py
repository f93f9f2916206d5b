"""The SLA policy: the numbers of docs/domain.md by default, the `[sla]` table over them."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from ledger.config import load_settings
from ledger.domain.sla.policy import DEFAULT_POLICY_VERSION, SlaPolicy, parse_sla_policy
from ledger.errors import InvalidInputError


def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def test_without_an_sla_table_the_targets_are_those_of_the_design() -> None:
    policy = load_settings().sla

    assert policy.version == DEFAULT_POLICY_VERSION
    assert policy.inquiry_first_answer == timedelta(minutes=10)
    assert policy.complaint_resolution == timedelta(hours=4)
    assert policy.follow_up_interval == timedelta(days=30)
    assert policy.visit_coverage == 0.5
    assert policy.handover_working_days == 1
    assert policy.at_risk_ratio == 0.75
    assert policy.report_due_day == 5


def test_the_sla_table_sets_the_targets_and_the_version(isolated_home: Path) -> None:
    write_config(
        isolated_home,
        "[sla]\n"
        'policy_version = "2026.2"\n'
        "inquiry_first_answer_minutes = 15\n"
        "complaint_resolution_hours = 2.5\n"
        "follow_up_days = 14\n"
        "visit_coverage = 0.6\n"
        "handover_working_days = 2\n"
        "at_risk_ratio = 0.8\n"
        "report_due_day = 3\n",
    )

    policy = load_settings().sla

    assert policy == SlaPolicy(
        version="2026.2",
        inquiry_first_answer=timedelta(minutes=15),
        complaint_resolution=timedelta(hours=2, minutes=30),
        follow_up_interval=timedelta(days=14),
        visit_coverage=0.6,
        handover_working_days=2,
        at_risk_ratio=0.8,
        report_due_day=3,
    )


def test_a_changed_target_without_a_version_gets_a_version_of_its_own() -> None:
    faster = parse_sla_policy({"inquiry_first_answer_minutes": 5})
    same_again = parse_sla_policy({"inquiry_first_answer_minutes": 5})
    slower = parse_sla_policy({"inquiry_first_answer_minutes": 20})
    unchanged = parse_sla_policy({"inquiry_first_answer_minutes": 10})

    assert faster.version.startswith("custom-")
    assert faster.version == same_again.version
    assert slower.version != faster.version
    assert unchanged.version == DEFAULT_POLICY_VERSION


def test_a_case_is_at_risk_after_three_quarters_of_its_target() -> None:
    policy = SlaPolicy()

    assert policy.at_risk_after(timedelta(hours=4)) == timedelta(hours=3)
    assert policy.at_risk_after(timedelta(minutes=10)) == timedelta(minutes=7, seconds=30)


def test_a_policy_stamped_on_a_case_reads_back_the_same() -> None:
    policy = parse_sla_policy({"policy_version": "2026.1", "complaint_resolution_hours": 6})

    stamped = policy.as_record()

    assert SlaPolicy.from_record(stamped) == policy
    assert stamped["policy_version"] == "2026.1"
    assert stamped["complaint_resolution_hours"] == 6


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"at_risk_ratio": 1.5}, "sla.at_risk_ratio must be a share between 0 and 1"),
        ({"at_risk_ratio": 0}, "sla.at_risk_ratio must be a share between 0 and 1"),
        ({"visit_coverage": 0}, "sla.visit_coverage must be a share above 0"),
        ({"report_due_day": 31}, "sla.report_due_day must be a whole day of the month"),
        ({"report_due_day": 5.5}, "sla.report_due_day must be a whole day of the month"),
        ({"inquiry_first_answer_minutes": "ten"}, "sla.inquiry_first_answer_minutes must be a"),
        ({"complaint_resolution_hours": True}, "sla.complaint_resolution_hours must be a number"),
        ({"follow_up_days": -1}, "sla.follow_up_days must be a positive number"),
        ({"handover_working_days": 0}, "sla.handover_working_days must be a positive number"),
        ({"policy_version": 2026}, "sla.policy_version must be a string"),
        ({"policy_version": "  "}, "sla.policy_version must not be empty"),
        ({"inquiry_minutes": 10}, "sla.inquiry_minutes is not an SLA setting"),
    ],
)
def test_a_mistake_in_the_sla_table_is_named_in_one_line(
    table: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)) as refused:
        parse_sla_policy(table)

    assert "\n" not in str(refused.value)


def test_an_sla_setting_that_is_not_a_table_is_refused(isolated_home: Path) -> None:
    write_config(isolated_home, 'sla = "fast"\n')

    with pytest.raises(InvalidInputError, match="sla must be a table"):
        load_settings()


def test_each_case_gets_its_own_copy_of_the_stamp_of_the_configuration_in_force() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from ledger.domain.sla.calendar_config import CalendarConfig, calendar_record
    from ledger.domain.sla.policy import CALENDAR_KEY, stamp

    policy = SlaPolicy(version="2026.1", inquiry_first_answer=timedelta(minutes=30))
    calendar = CalendarConfig(holidays=frozenset({date(2026, 10, 1), date(2026, 1, 1)}))
    zone = ZoneInfo("Asia/Shanghai")
    first = stamp(policy, calendar, zone)
    first[CALENDAR_KEY]["holidays"].append("2026-12-25")  # type: ignore[index]

    second = stamp(policy, calendar, zone)
    assert second == {**policy.as_record(), CALENDAR_KEY: calendar_record(calendar, zone)}
    assert second[CALENDAR_KEY]["holidays"] == ["2026-01-01", "2026-10-01"]  # type: ignore[index]
    assert stamp(SlaPolicy(), calendar, zone)["policy_version"] == DEFAULT_POLICY_VERSION
