"""Complaint steps whose text is optional can be recorded without it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LedgerCli


@pytest.mark.parametrize("step", ["ack", "resume"])
def test_an_optional_note_can_be_left_out_of_a_complaint_step(cli: LedgerCli, step: str) -> None:
    cli.ok("customer", "register", "Capital Airport", "--segment", "airport")
    cli.ok(
        "complaint",
        "file",
        "C-00001",
        "--category",
        "service",
        "--channel",
        "phone",
        "--description",
        "Late",
    )
    cli.ok("complaint", "pause", "C-00001/CP1", "--reason", "Waiting for the tag number")
    result = cli.run("complaint", step, "C-00001/CP1")
    assert result.exit_code == 0, result.output
    assert cli.events_of("C-00001")[-1].note == ""  # type: ignore[attr-defined]
