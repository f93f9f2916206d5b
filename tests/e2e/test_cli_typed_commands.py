"""The command line hands the service typed commands: each recording command builds
its command object and gives it to the handler that takes that type."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ledger.application import Ledger
from tests.e2e.conftest import LedgerCli
from tests.handlers import handlers
from tests.staffing import ADMIN

# Found before any test puts its spies in their place.
HANDLERS = handlers()
# The SLA sweep records breaches; no command line of its own names one.
RECORDED_BY_THE_SWEEP = {"record_breach"}

Received = list[tuple[str, object]]


def spying(name: str, handler: Callable[..., Any], received: Received) -> Callable[..., Any]:
    def spy(self: Ledger, command: object, *args: Any, **kwargs: Any) -> Any:
        received.append((name, command))
        return handler(self, command, *args, **kwargs)

    return spy


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> Iterator[Received]:
    """What each handler is given while the test runs, in order."""
    calls: Received = []
    for name, (handler, _) in HANDLERS.items():
        monkeypatch.setattr(Ledger, name, spying(name, handler, calls))
    yield calls


# One of each recording command, in an order the ledger accepts: an executive's
# work on one customer (the contact logged is version 2), then an admin's on staff.
AS_EXECUTIVE = """
customer register "Capital Airport Group" --segment airport
contact log C-00001 --channel phone --direction inbound --summary "Asked about fees"
correct C-00001 --version 2 --set summary=Fees --reason typo
customer update C-00001 --industry aviation
customer tier C-00001 strategic
customer stage C-00001 development
customer segment C-00001 technology --reason "new contract"
branch add C-00001 --name "Shanghai office" --location Shanghai
branch close C-00001/B1
person add C-00001 --name "Wang Fang" --role decision_maker
person update C-00001/P1 --title CEO
person assess C-00001/P1 --status positive
person plan C-00001/P1 --counterpart li.wei --every 30d --next 2099-06-01
person left C-00001/P1
person erase C-00001/P1 --reason "Asked to be forgotten" --request-ref R-1
visit plan C-00001 --for 2026-05-02T10:00 --purpose maintenance --kind relationship_building
visit cancel C-00001/V1
visit report C-00001 --purpose maintenance --kind relationship_building --summary Lunch --outcome A
visit report C-00001 --purpose collection --kind first_visit --summary S --outcome B --pending W
problem handle C-00001/PB1 --note "Repeater installed"
satisfaction record C-00001 --score 4 --source survey
inquiry receive C-00001 --channel email --title Fees
inquiry answer C-00001/IQ1 --answer "As agreed"
complaint file C-00001 --category service --description "Closed early" --channel phone
complaint ack C-00001/CP1
complaint pause C-00001/CP1 --reason "awaiting photos"
complaint resume C-00001/CP1
complaint resolve C-00001/CP1 --resolution Refund
complaint reopen C-00001/CP1 --reason "Not refunded"
escalate C-00001/CP1 --level 1 --to supervisor --reason slow
escalation resolve C-00001/ES1 --resolution Refunded
opportunity lead C-00001 --title "Cargo terminal"
opportunity open C-00001 --title "Cargo terminal" --lead OP1
opportunity stage C-00001/OP1 proposal
opportunity follow-up C-00001/OP1 --summary "Offer sent"
opportunity win C-00001/OP1
opportunity lead C-00001 --title Lounge
opportunity lose C-00001/OP2 --reason "Budget cut"
commitment make C-00001 --description "Send the offer"
commitment fulfil C-00001/CM1
commitment make C-00001 --description "Send the rota"
commitment withdraw C-00001/CM2 --reason "No longer needed"
owner assign C-00001 --to zhang.min --reason "new owner"
owner reassign --from zhang.min --to wang.fang
owner repair C-00001
relationship terminate C-00001 --reason Moved --root-cause Relocation --head-office-ref HO-1
relationship reactivate C-00001 --repair-plan "Call monthly"
report submit --month 2025-11 --segment airport --note "All quiet"
"""
AS_ADMIN = """
staff add new.hire --name "New Hire" --role staff --segment airport
staff role new.hire segment_head --reason promoted
staff segment new.hire technology --reason moved
staff freeze new.hire --reason "on leave"
staff reactivate new.hire --reason back
staff deactivate new.hire --reason left
staff add plan.head --name "Plan Head" --role segment_head --segment technology
"""
# An executive hands in a segment head's visit plan, returns it, and approves it
# handed in again.
AS_EXECUTIVE_ON_PLANS = """
visit plan-month --month 2030-01 --owner plan.head --visit C-00001:maintenance:2030-01-14
visit plan-return plan.head --month 2030-01 --reason "Later in the month"
visit plan-month --month 2030-01 --owner plan.head --visit C-00001:maintenance:2030-01-21
visit plan-approve plan.head --month 2030-01
"""


def every_recording_command(cli: LedgerCli) -> None:
    for line in AS_EXECUTIVE.strip().splitlines():
        cli.ok(*shlex.split(line))
    for line in AS_ADMIN.strip().splitlines():
        cli.ok_as(ADMIN, *shlex.split(line))
    for line in AS_EXECUTIVE_ON_PLANS.strip().splitlines():
        cli.ok(*shlex.split(line))


def test_each_handler_receives_the_command_it_is_typed_for(
    cli: LedgerCli, received: Received
) -> None:
    takes = {name: command for name, (_, command) in HANDLERS.items()}

    every_recording_command(cli)

    wrongly_typed = [
        (name, type(command).__name__)
        for name, command in received
        if not isinstance(command, takes[name])
    ]
    assert received
    assert wrongly_typed == []


def test_every_handler_but_the_sweeps_is_reached_from_the_command_line(
    cli: LedgerCli, received: Received
) -> None:
    every_recording_command(cli)

    reached = {name for name, _ in received}
    assert sorted(set(HANDLERS) - RECORDED_BY_THE_SWEEP - reached) == []
