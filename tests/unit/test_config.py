"""The configuration file is checked in one place: every problem is one line naming
the file, the key and what is expected, and an unknown key is refused (issue #18:
`clock_skew_minutes = "abc"` gave a traceback, a misspelt key was ignored)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ledger.config import load_settings
from ledger.errors import ConfigurationError, InvalidInputError
from projections.churn_scoring import parse_churn_policy


def settings_of(tmp_path: Path, text: str, **kwargs: object) -> ConfigurationError:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigurationError) as refused:
        load_settings({"LEDGER_CONFIG": str(config)}, **kwargs)  # type: ignore[arg-type]
    return refused.value


def test_a_clock_skew_that_is_not_a_number_is_one_line_naming_file_and_key(
    tmp_path: Path,
) -> None:
    refused = settings_of(tmp_path, 'clock_skew_minutes = "abc"\n')

    assert refused.problems == [
        "clock_skew_minutes must be a number of minutes from 0 to 1440, e.g. 5, not 'abc' "
        f"(in {tmp_path / 'config.toml'})"
    ]
    assert isinstance(refused, InvalidInputError)


@pytest.mark.parametrize("value", ["-1", "1441", "true", "nan"])
def test_a_clock_skew_out_of_range_is_refused(tmp_path: Path, value: str) -> None:
    refused = settings_of(tmp_path, f"clock_skew_minutes = {value}\n")

    assert refused.problems[0].startswith("clock_skew_minutes must be a number of minutes")


def test_a_clock_skew_in_range_is_read(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("clock_skew_minutes = 2.5\n")

    assert load_settings({"LEDGER_CONFIG": str(config)}).clock_skew == timedelta(minutes=2.5)


def test_a_misspelt_top_level_key_is_refused_with_the_keys_there_are(tmp_path: Path) -> None:
    refused = settings_of(tmp_path, 'timezon = "Asia/Shanghai"\n')

    assert refused.problems == [
        "timezon is not a setting: use actor, calendar, churn, clock_skew_minutes, "
        "keys_database, promise_due_working_days, sla, timezone "
        f"(in {tmp_path / 'config.toml'})"
    ]


def test_every_problem_of_the_file_is_its_own_line(tmp_path: Path) -> None:
    refused = settings_of(
        tmp_path,
        'colour = 1\ntimezone = "Mars/Olympus"\nactor = ""\nkeys_database = 3\n'
        "[calendar]\nworkin_days = 1\n[sla]\nfollow_up_dayz = 3\n",
    )

    assert [p.split(" ", 1)[0] for p in refused.problems] == [
        "colour",
        "timezone",
        "actor",
        "keys_database",
        "calendar.workin_days",
        "sla.follow_up_dayz",
    ]
    assert all(p.endswith(f"(in {tmp_path / 'config.toml'})") for p in refused.problems)
    assert len(str(refused).splitlines()) == 6


def test_an_unknown_churn_key_is_refused_by_the_churn_reader_at_load(tmp_path: Path) -> None:
    refused = settings_of(
        tmp_path, "[churn]\nsilense_ratio = 2\n", tables={"churn": parse_churn_policy}
    )

    assert refused.problems[0].startswith("churn.silense_ratio is not a churn setting: use ")


def test_the_configured_actor_is_read(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('actor = " li.wei "\n')

    assert load_settings({"LEDGER_CONFIG": str(config)}).actor == "li.wei"
