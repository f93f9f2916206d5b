"""Long lists as people and scripts read them: tables written to a pipe keep each
row on one line."""

from __future__ import annotations

from tests.e2e.conftest import LedgerCli

LONG_NAME = "Strategic Infrastructure Development and Airport Operations Holding Company"
LONG_INDUSTRY = "strategic aviation infrastructure and ground handling services"


# ------------------------------------------------------------ pipes
def test_a_table_written_to_a_pipe_keeps_every_value_whole_on_one_line(cli: LedgerCli) -> None:
    cli.ok(
        "customer", "register", LONG_NAME, "--segment", "airport", "--industry", LONG_INDUSTRY,
        "--tier", "strategic", "--owner", "zhang.min",
    )  # fmt: skip

    # CliRunner's stdout is no terminal: as `ledger customer list | grep ...` sees it.
    result = cli.run("customer", "list", env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("C-00001"))
    for value in ("C-00001", LONG_NAME, "airport", "strategic", "zhang.min", LONG_INDUSTRY):
        assert value in row


def test_the_360_written_to_a_pipe_keeps_every_value_whole_on_one_line(
    cli: LedgerCli, customer: str
) -> None:
    summary = "Walked through the strategic renewal of the ground handling contract for 2027"
    cli.ok(
        "contact", "log", customer, "--channel", "phone", "--direction", "outbound",
        "--summary", summary,
    )  # fmt: skip

    result = cli.run("customer", "show", customer, env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    assert any(
        "phone" in line and "outbound" in line and summary in line
        for line in result.stdout.splitlines()
    ), result.stdout
