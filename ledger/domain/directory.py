"""Small aggregates that let people name customers: sequential codes and unique names.

They live in the same event store as the customers and are saved in the same
transaction, so a code or name is claimed exactly when its customer is registered;
two registrations racing for one name conflict and the loser is told.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

NAMESPACE = uuid5(NAMESPACE_URL, "https://ledger.invalid/")
CODE_WIDTH = 5


def customer_id_for_command(command_id: str) -> UUID:
    """A registration's customer id follows from its command id, so a retried
    registration finds the customer the first attempt created."""
    return uuid5(NAMESPACE, f"register:{command_id}")


def format_code(number: int) -> str:
    return f"C-{number:0{CODE_WIDTH}d}"


def normalise_name(name: str) -> str:
    return " ".join(name.casefold().split())


class CustomerNumbering(Aggregate):
    """Issues customer numbers 1, 2, 3, ... in registration order."""

    SINGLETON_ID = uuid5(NAMESPACE, "customer-numbering")

    class Started(Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.last_number = 0

    @classmethod
    def start(cls) -> CustomerNumbering:
        return cls._create(cls.Started, id=cls.SINGLETON_ID)

    def issue(self, customer_id: UUID, reserved: int | None = None) -> int:
        """The customer's number: the next one, recorded here; or `reserved`, a number
        a reservation (`reserve`) set aside for it, which records nothing more.
        Either way the customer's code key, claimed with it, makes the number used once
        (docs/decisions.md, "Two import workers: numbers reserved per batch")."""
        if reserved is not None:
            if not 0 < reserved <= self.last_number:
                raise ValueError(f"number {reserved} was never reserved")
            return reserved
        self._issued(number=self.last_number + 1, customer_id=customer_id)
        return self.last_number

    @event("NumberIssued")
    def _issued(self, number: int, customer_id: UUID) -> None:
        self.last_number = number

    def reserve(self, customer_ids: list[UUID]) -> dict[UUID, int]:
        """The next numbers, one per customer in order, set aside in one event, so
        that the customers can be registered in a batch that does not write here: two
        import workers' batches then never conflict over the numbering. A number
        whose customer is never registered (its rows rejected, the import stopped)
        is a gap: numbers are names, and one someone may have seen is never reused."""
        first = self.last_number + 1
        self._reserved(first=first, customer_ids=list(customer_ids))
        return {customer_id: first + i for i, customer_id in enumerate(customer_ids)}

    @event("NumbersReserved")
    def _reserved(self, first: int, customer_ids: list[UUID]) -> None:
        self.last_number = first + len(customer_ids) - 1


class CustomerKey(Aggregate):
    """Points one lookup key (a code, or a normalised name) at one customer."""

    @staticmethod
    def id_for(key: str) -> UUID:
        return uuid5(NAMESPACE, f"customer-key:{key}")

    @classmethod
    def claim(cls, key: str, customer_id: UUID) -> CustomerKey:
        return cls._create(cls.Claimed, id=cls.id_for(key), key=key, customer_id=customer_id)

    class Claimed(Aggregate.Created):
        key: str
        customer_id: UUID

    def __init__(self, key: str, customer_id: UUID) -> None:
        self.key = key
        self.customer_id: UUID | None = customer_id

    @event("Released")
    def release(self) -> None:
        """A renamed customer frees its old name for others."""
        self.customer_id = None

    @event("Reclaimed")
    def reclaim(self, customer_id: UUID) -> None:
        self.customer_id = customer_id


def code_key(code: str) -> str:
    return f"code:{code.upper()}"


NAME_PREFIX = "name:"


def name_key(name: str) -> str:
    return f"{NAME_PREFIX}{normalise_name(name)}"


def is_name_key(key: str) -> bool:
    return key.startswith(NAME_PREFIX)
