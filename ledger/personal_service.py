"""The service's side of personal data (docs/domain.md, "Personal data"): sealing
details with the person's own key as they are recorded, opening them for a
reader, and erasure on request.

`Ledger` mixes this in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from ledger.access import Caller, may_erase_personal_data, may_see_personal_data
from ledger.errors import AccessDeniedError
from ledger.person_keys import KEY_BYTES, KeyStore, open_key_store
from ledger.personal_reading import PersonalReader
from ledger.receipts import Receipt
from ledger.sealing import key_id, seal

if TYPE_CHECKING:
    from ledger import commands as c
    from ledger.config import Settings
    from ledger.domain.customer import Customer
    from ledger.domain.personal_rules import Sealer


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: its receipt (`replayed` when it was erased already),
    and the versions holding the person's details in plain text, which no erasure
    can shred."""

    receipt: Receipt
    plain_versions: list[int] = field(default_factory=list)


class PersonalService:
    """Expects the host application's `env`, `settings`, `_execute`, `caller`,
    `resolve_customer` and `events`."""

    settings: Settings
    _execute: Callable[..., Receipt]
    caller: Callable[[str], Caller]
    resolve_customer: Callable[[str], UUID]

    @property
    def _application(self) -> Application[UUID]:
        assert isinstance(self, Application)
        return self

    @cached_property
    def keys(self) -> KeyStore:
        """Opened on first use: most commands never seal or open a detail."""
        return open_key_store(dict(self._application.env), self.settings.keys_database)

    def close(self) -> None:
        store: KeyStore | None = self.__dict__.pop("keys", None)
        if store is not None:
            store.close()
        super().close()  # type: ignore[misc]

    @contextmanager
    def keys_untouched(self) -> Iterator[None]:
        """While a command is only tried (on a copy of a customer, to tell a repeat
        from another command), what it seals uses a throwaway key: a trial writes
        nothing, not even a key."""
        self.__dict__["_keys_untouched"] = True
        try:
            yield
        finally:
            self.__dict__.pop("_keys_untouched", None)

    def sealer(self, customer_id: UUID) -> Sealer:
        """Seals a person's details with their key (made on first use)."""

        def seal_for(person_id: str, details: Mapping[str, Any]) -> dict[str, str]:
            kid = key_id(customer_id, person_id)
            batch = getattr(self, "_batch", None)
            if self.__dict__.get("_keys_untouched"):
                key: bytes | None = self.keys.key(kid) or os.urandom(KEY_BYTES)
            elif batch is not None:
                # A bulk writer's batch: a new key joins the batch, and is stored
                # with the batch's other new keys in one transaction just before
                # the batch's events (`UnitOfWork.commit_batch`), instead of a
                # commit per key. A key still exists before anything sealed with
                # it is written; one that was never used is harmless.
                key = batch.keys.get(kid) or self.keys.key(kid)
                if key is None:
                    key = batch.keys[kid] = os.urandom(KEY_BYTES)
            else:
                key = self.keys.key(kid, create=True)
            assert key is not None
            return seal(key, kid, details)

        return seal_for

    def personal_reader(self, caller: Caller, erased: Any = None) -> PersonalReader:
        """Opens personal details for `caller`; `erased` (customer id, person id)
        pairs default to every erasure in the log."""
        if erased is None:
            erased = self.erasures()
        return PersonalReader(self.keys, erased, allowed=may_see_personal_data(caller))

    def erasures(self) -> set[tuple[UUID, str]]:
        """Every erased person in the log, read by the erasure events' topic only."""
        from ledger.domain.events import PersonalDataErased

        topics = [get_topic(PersonalDataErased)]
        found: set[tuple[UUID, str]] = set()
        start = 1
        while True:
            app = self._application
            batch = app.recorder.select_notifications(start, 1000, topics=topics)
            for notification in batch:
                event = app.mapper.to_domain_event(notification)
                assert isinstance(event, PersonalDataErased)
                found.add((event.originator_id, event.person_id))
            if len(batch) < 1000:
                return found
            start = batch[-1].id + 1

    def erase_personal_data(self, command: c.ErasePersonalData) -> Erasure:
        """Record PersonalDataErased, then destroy the key: a crash between the two
        leaves the erasure on record, and running it again finishes it."""
        from ledger.domain.personal_rules import AlreadyErasedError, holds_plain_details

        caller = self.caller(command.actor)
        if not may_erase_personal_data(caller):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: personal data is erased by an executive"
            )
        customer_id = self.resolve_customer(command.customer)
        plain: list[int] = [
            e.originator_version
            for e in self._application.events.get(customer_id)
            if holds_plain_details(e, command.case)
        ]

        def erase(customer: Customer, meta: Any) -> str | None:
            customer.erase_personal_data(
                command.case,
                reason=command.reason,
                request_ref=command.request_ref,
                requested_by=command.requested_by
                or customer.people.get(command.case, {}).get("name", ""),
                plain_versions=plain,
                meta=meta,
            )
            return None

        try:
            receipt = self._execute(command, erase, subject=command.case, caller=caller)
        except AlreadyErasedError as error:
            self.keys.destroy(key_id(customer_id, command.case))
            customer_code, name = self._code_and_name(customer_id)
            again = Receipt(
                customer_code=customer_code,
                customer_name=name,
                version=error.version,
                subject=command.case,
                replayed=True,
            )
            return Erasure(again, plain)
        self.keys.destroy(key_id(customer_id, command.case))
        return Erasure(receipt, plain)

    def _code_and_name(self, customer_id: UUID) -> tuple[str, str]:
        customer: Customer = self._application.repository.get(customer_id)
        return customer.code, customer.name
