"""A correction is held to the rules of the command it corrects."""

from __future__ import annotations

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.errors import InvalidInputError, OccurredInFutureError, RuleViolationError


@pytest.fixture
def app(ledger_app: Ledger) -> Ledger:
    ledger_app.register_customer(
        c.RegisterCustomer(actor="li.wei", name="Capital Airport", segment="airport")
    )
    ledger_app.record_satisfaction(
        c.RecordSatisfaction(actor="li.wei", customer="C-1", score=4, source="survey")
    )  # version 2
    ledger_app.make_commitment(
        c.MakeCommitment(actor="li.wei", customer="C-1", description="Send the report")
    )  # version 3
    ledger_app.create_lead(
        c.CreateLead(actor="li.wei", customer="C-1", title="Lounge", source="trade fair")
    )  # version 4
    return ledger_app


def correct(app: Ledger, version: int, **changes: str) -> None:
    app.record_correction(
        c.RecordCorrection(
            actor="li.wei", customer="C-1", version=version, reason="typo", changes=changes
        )
    )


@pytest.mark.parametrize(
    ("version", "changes", "message"),
    [
        (2, {"score": "9"}, "score is a whole number from 1 to 5, not '9'"),
        (2, {"source": "rumour"}, "source must be one of survey, spot_check, not 'rumour'"),
        (3, {"due": "someday"}, "due 'someday' is not a date: use YYYY-MM-DD"),
    ],
)
def test_a_correction_is_refused_where_the_original_command_would_be(
    app: Ledger, version: int, changes: dict[str, str], message: str
) -> None:
    before = app.get_customer("C-1").version

    with pytest.raises(InvalidInputError) as refused:
        correct(app, version, **changes)

    assert str(refused.value) == message
    assert app.get_customer("C-1").version == before


def test_a_correction_cannot_move_an_event_into_the_future(app: Ledger) -> None:
    with pytest.raises(OccurredInFutureError):
        correct(app, 2, occurred_at="2999-01-01")


def test_a_free_text_field_that_shares_a_vocabulary_name_stays_free_text(app: Ledger) -> None:
    correct(app, 4, source="referral from Zhang Wei")

    assert app.event_at(app.resolve_customer("C-1"), 5).changes == {  # type: ignore[attr-defined]
        "source": "referral from Zhang Wei"
    }


def test_an_update_that_repeats_known_external_references_changes_nothing(app: Ledger) -> None:
    app.update_profile(
        c.UpdateProfile(actor="li.wei", customer="C-1", external_refs={"erp": "1", "crm": "2"})
    )

    with pytest.raises(RuleViolationError, match="nothing to change"):
        app.update_profile(
            c.UpdateProfile(actor="li.wei", customer="C-1", external_refs={"erp": "1"})
        )
