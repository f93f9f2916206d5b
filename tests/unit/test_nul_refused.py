"""No command holds a NUL character anywhere, however deep (issue #18: PostgreSQL's
text and jsonb cannot store one, so an event carrying it would stop every view)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from ledger import commands as c


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (c.RegisterCustomer, {"name": "Nul\x00Name", "segment": "airport"}),
        (c.RegisterCustomer, {"name": "Airport", "segment": "airport",
                              "external_refs": {"crm": "A\x001"}}),
        (c.SubmitVisitPlan, {"month": "2027-01", "visits": [
            c.PlannedVisit(customer="C-00001", purpose="maintenance", day=date(2027, 1, 12),
                           agenda="Review\x00")]}),
    ],
    ids=["a text", "a value in a mapping", "a text in a nested model"],
)  # fmt: skip
def test_a_nul_character_is_refused_wherever_it_is(
    model: type[c.Command], fields: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError, match=r"must not contain a NUL character \(\\x00\)"):
        model(actor="li.wei", **fields)


def test_a_command_without_one_is_built_as_before() -> None:
    command = c.RegisterCustomer(actor="li.wei", name="Airport", segment="airport")

    assert command.name == "Airport"
