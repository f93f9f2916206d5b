"""A unit of work for bulk writers (the import, docs/import.md): many typed
commands on many customers, committed in one `save`.

While a batch is open on the service (`Ledger.open_batch`):

- `repository.get` returns the batch's own copy of every aggregate it has loaded
  or created (an identity map), so a command sees what earlier commands of the
  batch did: a customer registered a moment ago, the customer numbers issued so
  far, the names claimed;
- `save()` defers: the aggregates join the batch and nothing is written;
- permission checks use the batch's caller (the account running the import),
  while each event's actor stays who the command names.

`Ledger.commit_batch` then writes every aggregate with new events (customers,
their directory keys and the numbering) in one `save`, one transaction: all of
it or none. A commit that conflicts (someone registered a customer meanwhile and
took the next number) writes nothing, and the caller runs the batch again on
fresh state. The key people's new keys sealed in the batch are kept with it and
stored just before its events, in one transaction of the key store (a commit
per key cost more than the rest of adding a person). Commands used one at a
time never open a batch, and take the same path as before.

A command that fails part-way must leave no trace in the batch: `mark` notes the
state before a piece of work, `rollback` returns to it (aggregates created since
are dropped, those that gained events are rebuilt from the store plus the
events they had at the mark). Rebuilding costs a replay, so it is done only when
a failed command changed something (`moved_since`): most refusals come from
guards that run before any event is triggered. A mark costs nothing: the batch
keeps a journal of what was saved into it, and every command saves each
aggregate it changed.

A dry run commits no batch, yet must see what its earlier batches would have
written, as the real run does: a name one customer claimed is taken for every
later customer, and codes go on from the last one issued. Each of its batches
hands what it changed of the directory (`Batch.carry_over`) to the next, which
reads those entries before the store (`open_batch(carried=...)`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from ledger.domain.directory import CustomerKey, CustomerNumbering, is_name_key

if TYPE_CHECKING:
    from ledger.access import Caller


@dataclass(frozen=True)
class Mark:
    """The state of a batch before work on one customer (see `Batch.mark`)."""

    size: int  # how many aggregates the batch held
    saved: int  # how many saves it had taken in
    pending: dict[UUID, int]  # new events of the customer and the numbering then


class Position(NamedTuple):
    """A cheap fingerprint of a batch around one command on one customer: enough to
    tell whether a failed command changed anything (`Batch.moved_since`). A tuple:
    one is taken before every step of an import, and a frozen dataclass cost
    several times as much to build."""

    size: int
    saved: int
    customer_version: int
    numbering_version: int


class Batch:
    """The aggregates of one unit of work, by id, in the order they joined."""

    def __init__(
        self,
        caller: Caller,
        load: Callable[[UUID], Any],
        exists: Callable[[UUID], bool] | None = None,
        carried: MutableMapping[UUID, Any] | None = None,
    ) -> None:
        self.caller = caller
        self._load = load  # from the store, past the batch
        # A dry run's earlier batches' directory entries, read before the store
        # (each get takes a copy: the batch changes its own, and a rollback
        # rebuilds from the entry as it was carried).
        self._carried = carried if carried is not None else {}
        # Whether a stream has any event: one query, where loading an absent
        # aggregate asks the snapshots and then the events (most aggregates an
        # import asks for, its new customers and their names, are absent).
        self._exists = exists
        self.aggregates: dict[UUID, Any] = {}
        # Looked up and not stored: asked again, still not (a registration asks
        # whether its customer exists; most of them do not).
        self._absent: set[UUID] = set()
        # Every save taken in: (aggregate id, its new events then). A command saves
        # every aggregate it changed, so this says what changed since a mark.
        self._saves: list[tuple[UUID, int]] = []
        # Key people's new keys (key id -> key), stored just before the events.
        self.keys: dict[str, bytes] = {}
        # Customers' name keys as first read from the store, by id -> version: kept
        # through rollbacks, since a registration refused for a name held by another
        # customer leaves nothing else of its read (`UnitOfWork.commit_batch`).
        self._names_read: dict[UUID, int] = {}
        # Numbers reserved for this batch's new customers (`UnitOfWork.reserve_numbers`):
        # their registrations take these and leave the numbering as it is.
        self.numbers: dict[UUID, int] = {}

    def get(self, aggregate_id: UUID) -> Any:
        found = self.aggregates.get(aggregate_id)
        if found is not None:
            return found
        carried = self._from_carried(aggregate_id)
        if carried is not None:
            self.aggregates[aggregate_id] = carried
            return carried
        if aggregate_id in self._absent:
            raise AggregateNotFoundError(aggregate_id)
        if self._exists is not None and not self._exists(aggregate_id):
            self._absent.add(aggregate_id)
            raise AggregateNotFoundError(aggregate_id)
        try:
            aggregate = self._load(aggregate_id)
        except AggregateNotFoundError:
            self._absent.add(aggregate_id)
            raise
        if isinstance(aggregate, CustomerKey) and is_name_key(aggregate.key):
            self._names_read.setdefault(aggregate_id, aggregate.version)
        self.aggregates[aggregate_id] = aggregate
        return aggregate

    def known_absent(self, aggregate_ids: Iterable[UUID]) -> None:
        """Streams just found to have no event (one query for many): not asked again.
        Only for a batch that is never committed (an import's trial): a batch that
        commits asks, since a stream may be written meanwhile."""
        self._absent.update(aggregate_ids)

    def _from_carried(self, aggregate_id: UUID) -> Any:
        found = self._carried.get(aggregate_id)
        return None if found is None else _without_new_events(found)

    def carry_over(self) -> dict[UUID, Any]:
        """What a dry run's next batch must see of this one's writes (see the
        module's docstring): the name keys it claimed, released or reclaimed, and
        the numbering, their new events dropped and their state kept. Code keys
        are left: codes come from the carried numbering, so no later batch meets
        one of this batch's codes, and they would cost memory for nothing."""
        return {
            aggregate.id: _without_new_events(aggregate)
            for aggregate in self.pending()
            if isinstance(aggregate, CustomerNumbering)
            or (isinstance(aggregate, CustomerKey) and is_name_key(aggregate.key))
        }

    def read_names(self) -> dict[UUID, int]:
        """The customers' name keys read from the store and not written here, with
        the version read (those written are checked by the save itself)."""
        written = {a.id for a in self.aggregates.values() if a.pending_events}
        return {key: v for key, v in self._names_read.items() if key not in written}

    def get_or_none(self, aggregate_id: UUID) -> Any:
        try:
            return self.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def add(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            if aggregate is None:
                continue
            self.aggregates[aggregate.id] = aggregate
            self._absent.discard(aggregate.id)
            self._saves.append((aggregate.id, len(aggregate.pending_events)))

    def pending(self) -> list[Any]:
        """The aggregates with events to save."""
        return [a for a in self.aggregates.values() if a.pending_events]

    def event_count(self) -> int:
        return sum(len(a.pending_events) for a in self.aggregates.values())

    # ---------------------------------------------------------------- undoing
    def mark(self, customer_id: UUID) -> Mark:
        """Where the batch stands before work on `customer_id` (costs nothing)."""
        pending = {
            aggregate_id: len(self.aggregates[aggregate_id].pending_events)
            for aggregate_id in (customer_id, CustomerNumbering.SINGLETON_ID)
            if aggregate_id in self.aggregates
        }
        return Mark(size=len(self.aggregates), saved=len(self._saves), pending=pending)

    def position(self, customer_id: UUID) -> Position:
        customer = self.aggregates.get(customer_id)
        numbering = self.aggregates.get(CustomerNumbering.SINGLETON_ID)
        return Position(
            size=len(self.aggregates),
            saved=len(self._saves),
            customer_version=customer.version if customer is not None else 0,
            numbering_version=numbering.version if numbering is not None else 0,
        )

    def moved_since(self, position: Position, customer_id: UUID) -> bool:
        """Whether the batch changed since `position`: an aggregate joined or was
        saved, or the customer or the numbering gained an event (a command that
        fails part-way fails before it saves)."""
        return self.position(customer_id) != position

    def rollback(self, mark: Mark) -> None:
        """Back to `mark`: aggregates that joined since are dropped, and those that
        gained events since (the customer, the numbering, whatever was saved) are
        rebuilt with only the events they had then."""
        for aggregate_id in list(self.aggregates)[mark.size :]:
            del self.aggregates[aggregate_id]
        since = {aggregate_id for aggregate_id, _ in self._saves[mark.saved :]}
        for aggregate_id in since | set(mark.pending):
            aggregate = self.aggregates.get(aggregate_id)
            if aggregate is None:
                continue
            keep = mark.pending.get(aggregate_id)
            if keep is None:
                keep = self._saved_before(aggregate_id, mark.saved)
            if len(aggregate.pending_events) == keep:
                continue
            rebuilt = self._rebuild(aggregate_id, list(aggregate.pending_events[:keep]))
            if rebuilt is None:
                del self.aggregates[aggregate_id]
            else:
                self.aggregates[aggregate_id] = rebuilt
        del self._saves[mark.saved :]

    def _saved_before(self, aggregate_id: UUID, saved: int) -> int:
        """How many new events `aggregate_id` had at its last save before `saved`
        (none: it had none, since every change is saved)."""
        for earlier_id, count in reversed(self._saves[:saved]):
            if earlier_id == aggregate_id:
                return count
        return 0

    def _rebuild(self, aggregate_id: UUID, keep: list[Any]) -> Any:
        aggregate = self._from_carried(aggregate_id)
        if aggregate is None:
            try:
                aggregate = self._load(aggregate_id)
            except AggregateNotFoundError:
                aggregate = None
        for event in keep:
            aggregate = event.mutate(aggregate)
        if aggregate is not None:
            aggregate._pending_events[:] = keep
        return aggregate


def _without_new_events(aggregate: Any) -> Any:
    """A copy of `aggregate` in the state its events left it, with none to save."""
    duplicate = copy.copy(aggregate)
    duplicate._pending_events = []
    return duplicate


class UnitOfWork:
    """Mixed into `Ledger` ahead of the services whose methods it steers (`caller`,
    `save`); expects the host application's repository and `Application.save`."""

    _batch: Batch | None = None
    _ids_by_code: dict[str, UUID]

    @contextmanager
    def open_batch(
        self, caller: Caller, carried: MutableMapping[UUID, Any] | None = None
    ) -> Iterator[Batch]:
        """A batch for `caller`'s bulk work; closed (its work dropped unless
        `commit_batch` wrote it) when the block ends. `carried`: a dry run's
        earlier batches' `carry_over`, read before the store."""
        if self._batch is not None:
            raise RuntimeError("a batch is open already")
        repository: Any = getattr(self, "repository")  # noqa: B009 (typed in Ledger)
        recorder: Any = getattr(self, "recorder")  # noqa: B009

        def exists(aggregate_id: UUID) -> bool:
            return bool(recorder.select_events(aggregate_id, limit=1))

        batch = Batch(caller, repository.get_stored, exists, carried)
        self._batch = batch
        repository.batch = batch
        try:
            yield batch
        finally:
            self._batch = None
            repository.batch = None
            # Codes looked up during the batch may name customers never committed.
            self._ids_by_code.clear()

    def reserve_numbers(self, customer_ids: list[UUID]) -> dict[UUID, int]:
        """Numbers for the customers a batch may register, set aside in one event
        of the numbering (`CustomerNumbering.reserve`): saved now, on its own, when
        no batch is open, so that batches committed by other processes meanwhile
        never conflict over the numbering; in an open batch it joins the batch.
        Give them to the batch as `Batch.numbers`."""
        if not customer_ids:
            return {}
        retrying: Any = getattr(self, "_retrying")  # noqa: B009 (LedgerCore's)
        loading: Any = getattr(self, "_get_or_none")  # noqa: B009

        def attempt() -> dict[UUID, int]:
            numbering = loading(CustomerNumbering.SINGLETON_ID) or CustomerNumbering.start()
            numbers = numbering.reserve(customer_ids)
            self.save(numbering)
            return numbers

        reserved: dict[UUID, int] = retrying(attempt)
        return reserved

    def reserved_number(self, customer_id: UUID) -> int | None:
        """The number reserved for `customer_id` in the open batch, if any."""
        return self._batch.numbers.get(customer_id) if self._batch is not None else None

    def rollback_batch(self, batch: Batch, mark: Mark) -> None:
        batch.rollback(mark)
        self._ids_by_code.clear()

    def commit_batch(self, batch: Batch, *, check_reads: bool = False) -> int:
        """Write every aggregate of `batch` with new events in one `save` (one
        transaction); returns how many events were written. The batch is closed
        for the save (the library takes snapshots after it through the
        repository, which must read the store).

        With `check_reads` (batches worked out side by side, committed in turn): a
        name the batch read from the store and did not write, held by another
        customer when read, that another batch has since changed (a rename freed
        it) fails the commit as a write conflict would, and the batch runs again
        on what is stored now, as one process would have run it."""
        if check_reads:
            self._check_names_read(batch)
        aggregates = batch.pending()
        if not aggregates:
            return 0
        count = batch.event_count()
        if batch.keys:
            # The keys first, in their own transaction: data sealed with a key is
            # never written before the key. A key someone else stored meanwhile
            # under the same id wins, and the batch runs again with it.
            keys: Any = getattr(self, "keys")  # noqa: B009 (PersonalService's store)
            if keys.add_many(batch.keys):
                raise IntegrityError("a key person's key was stored by another writer")
            batch.keys.clear()
        repository: Any = getattr(self, "repository")  # noqa: B009
        self._batch = None
        repository.batch = None
        try:
            super().save(*aggregates)  # type: ignore[misc]
        finally:
            self._batch = batch
            repository.batch = batch
        batch.aggregates.clear()
        return count

    def _check_names_read(self, batch: Batch) -> None:
        recorder: Any = getattr(self, "recorder")  # noqa: B009 (the application's)
        for key_id, version in batch.read_names().items():
            newest = recorder.select_events(key_id, desc=True, limit=1)
            if newest and newest[0].originator_version != version:
                raise IntegrityError("a name the batch read was changed by an earlier batch")

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self._batch is not None:
            self._batch.add(*objs)
            return []
        return super().save(*objs, **kwargs)  # type: ignore[misc]

    def caller(self, actor: str) -> Caller:
        """In a batch, every command's permissions are checked for the batch's
        caller; the event's actor is still the command's."""
        if self._batch is not None:
            return self._batch.caller
        return super().caller(actor)  # type: ignore[misc,no-any-return]
