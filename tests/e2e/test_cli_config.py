"""A configuration file with problems stops every command before anything is written,
with one line per problem (issue #18: a traceback, or a misspelt key ignored)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import ledger


def test_a_bad_configuration_is_one_line_per_problem_and_no_database(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('clock_skew_minutes = "abc"\ntimezon = "UTC"\n[churn]\nfoo = 1\n')

    result = CliRunner().invoke(
        ledger,
        ["--as", "li.wei", "customer", "register", "Capital Airport Group", "--segment", "airport"],
        env={"LEDGER_HOME": str(tmp_path)},
    )

    assert (result.exit_code, result.stdout) == (2, "")
    assert [line.split(" ", 2)[1] for line in result.stderr.splitlines()] == [
        "timezon",
        "clock_skew_minutes",
        "churn.foo",
    ]
    assert all(
        line.startswith("Error: ") and line.endswith(f"(in {config})")
        for line in result.stderr.splitlines()
    )
    assert not (tmp_path / "ledger.sqlite3").exists()
