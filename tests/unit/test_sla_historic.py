"""Which breaches are historic (`ledger.domain.sla.historic`): those of an imported
case whose deadline had passed when the import recorded it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from ledger.domain.provenance import import_command_id
from ledger.domain.sla.historic import imported_at, is_historic

IMPORTED = datetime(2026, 12, 4, 19, tzinfo=UTC)


def opening(command_id: str) -> SimpleNamespace:
    return SimpleNamespace(command_id=command_id, timestamp=IMPORTED)


def test_an_imported_case_was_imported_when_its_opening_was_recorded() -> None:
    event = opening(import_command_id("crm", "complaints", "CMP-1", "file"))

    assert imported_at(event) == IMPORTED


def test_a_case_opened_by_a_command_was_never_imported() -> None:
    assert imported_at(opening("8f14e45fceea167a5a36dedd4bea2543")) is None


def test_a_deadline_before_the_import_is_historic() -> None:
    assert is_historic(IMPORTED - timedelta(days=400), IMPORTED)


def test_a_deadline_after_the_import_is_live() -> None:
    assert not is_historic(IMPORTED + timedelta(hours=3), IMPORTED)


def test_a_case_typed_at_the_command_line_is_never_historic() -> None:
    assert not is_historic(IMPORTED - timedelta(days=400), None)


def test_a_case_without_a_deadline_has_no_historic_breach() -> None:
    assert not is_historic(None, IMPORTED)
