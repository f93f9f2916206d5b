"""Staff accounts, the founding of the staff directory, and the read log.

Each staff member is one stream (its id follows from the staff id, so two
accounts with one id conflict on save). The directory is founded once, by its
first account, so "no accounts yet" is a fact of the store rather than a guess.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.access import ROLES, SEGMENT_ROLES
from ledger.domain.base import Meta, create_chained, record_chained
from ledger.domain.chain import GENESIS
from ledger.domain.directory import NAMESPACE
from ledger.domain.events.staff import (
    RecordRead,
    StaffAdded,
    StaffDeactivated,
    StaffFrozen,
    StaffReactivated,
    StaffRoleChanged,
    StaffSegmentChanged,
)
from ledger.errors import RuleViolationError


def staff_stream_id(staff_id: str) -> UUID:
    return uuid5(NAMESPACE, f"staff:{staff_id}")


def check_role_and_segment(role: str, segment: str | None) -> None:
    if role not in ROLES:
        raise RuleViolationError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role in SEGMENT_ROLES and not segment:
        raise RuleViolationError(f"a {role} works in one segment: give --segment")


class StaffDirectory(Aggregate):
    """Exists once the first account was added; that account founded it."""

    SINGLETON_ID = uuid5(NAMESPACE, "staff-directory")

    class Founded(Aggregate.Created):
        founder: str

    def __init__(self, founder: str) -> None:
        self.founder = founder

    @classmethod
    def found(cls, founder: str) -> StaffDirectory:
        return cls._create(cls.Founded, id=cls.SINGLETON_ID, founder=founder)


class StaffMember(Aggregate):
    """One person's account: role, segment, and whether it may act at all."""

    def __init__(self) -> None:
        self.staff_id = ""
        self.name = ""
        self.role = ""
        self.segment: str | None = None
        self.status = "active"
        self.status_since: datetime | None = None
        self.commands: dict[str, list[Any]] = {}
        self.chain_head = GENESIS

    @classmethod
    def add(
        cls, staff_id: str, name: str, role: str, segment: str | None, reason: str, meta: Meta
    ) -> StaffMember:
        check_role_and_segment(role, segment)
        return create_chained(
            cls,
            StaffAdded,
            staff_stream_id(staff_id),
            meta,
            member=staff_id,
            name=name,
            role=role,
            segment=segment,
            reason=reason,
        )

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def result_of(self, command_id: str) -> int | None:
        recorded = self.commands.get(command_id)
        return None if recorded is None else int(recorded[0])

    def _check_not_deactivated(self, doing: str) -> None:
        if self.status == "deactivated":
            raise RuleViolationError(
                f"{self.staff_id} has left (deactivated): reactivate the account before {doing}"
            )

    def change_role(self, role: str, segment: str | None, reason: str, meta: Meta) -> None:
        self._check_not_deactivated("changing its role")
        check_role_and_segment(role, segment)
        if (role, segment) == (self.role, self.segment):
            raise RuleViolationError(f"{self.staff_id} is already {describe(role, segment)}")
        record_chained(
            self,
            StaffRoleChanged,
            meta,
            role=role,
            previous=self.role,
            segment=segment,
            reason=reason,
        )

    def change_segment(self, segment: str | None, reason: str, meta: Meta) -> None:
        self._check_not_deactivated("moving it to another segment")
        check_role_and_segment(self.role, segment)
        if segment == self.segment:
            raise RuleViolationError(f"{self.staff_id} is already in segment {segment}")
        record_chained(
            self,
            StaffSegmentChanged,
            meta,
            segment=segment,
            previous=self.segment,
            reason=reason,
        )

    def freeze(self, reason: str, meta: Meta) -> None:
        if self.status != "active":
            raise RuleViolationError(f"{self.staff_id} is {self.status} already")
        record_chained(self, StaffFrozen, meta, reason=reason)

    def deactivate(self, reason: str, meta: Meta) -> None:
        if self.status == "deactivated":
            raise RuleViolationError(f"{self.staff_id} is deactivated already")
        record_chained(self, StaffDeactivated, meta, reason=reason)

    def reactivate(self, reason: str, meta: Meta) -> None:
        if self.status == "active":
            raise RuleViolationError(f"{self.staff_id} is active already")
        record_chained(self, StaffReactivated, meta, reason=reason)


def describe(role: str, segment: str | None) -> str:
    return f"{role} of {segment}" if segment and role in SEGMENT_ROLES else role


class ReadRecord(Aggregate):
    """One entry of the read log. Each read is its own one-event stream, so
    recording a read never waits on, or conflicts with, anything else."""

    def __init__(self) -> None:
        self.chain_head = GENESIS
        self.commands: dict[str, list[Any]] = {}

    @classmethod
    def of(
        cls, reader: str, customer_id: UUID | None, view: str, detail: str, meta: Meta
    ) -> ReadRecord:
        return create_chained(
            cls,
            RecordRead,
            uuid5(NAMESPACE, f"read:{meta.command_id}"),
            meta,
            reader=reader,
            customer_id=customer_id,
            view=view,
            detail=detail,
        )
