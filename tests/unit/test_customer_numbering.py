"""The customer numbering (ledger/domain/directory.py): numbers issued one by one,
or reserved for a batch of an import (docs/decisions.md, "Two import workers:
numbers reserved per batch")."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ledger.domain.directory import CustomerNumbering


def test_reserved_numbers_follow_the_last_issued_and_the_next_issued_follows_them() -> None:
    numbering = CustomerNumbering.start()
    assert numbering.issue(uuid4()) == 1
    first, second = uuid4(), uuid4()

    assert numbering.reserve([first, second]) == {first: 2, second: 3}
    assert numbering.issue(uuid4()) == 4


def test_a_reserved_number_is_taken_without_an_event() -> None:
    numbering = CustomerNumbering.start()
    customer = uuid4()
    numbering.reserve([customer])
    events = len(numbering.pending_events)

    assert numbering.issue(customer, reserved=1) == 1
    assert len(numbering.pending_events) == events


@pytest.mark.parametrize("number", [0, 2])
def test_a_number_the_numbering_never_passed_is_refused(number: int) -> None:
    numbering = CustomerNumbering.start()
    numbering.reserve([uuid4()])

    with pytest.raises(ValueError, match="never reserved"):
        numbering.issue(uuid4(), reserved=number)
