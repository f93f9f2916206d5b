"""The shape every projection has: its tables, its event handlers, its queries.

A projection holds no state outside its tables, so a rebuild is: replay the log
into fresh tables and put them in place of the old ones (projections/shadow.py).
`version` names the handlers' logic: a stored view built by other logic is
rebuilt before it is used.

Events reach a projection through a `Replay`: the rows it holds in memory while
events are applied, written out by `flush`. Catching up uses one replay per batch
(rows read from the view's tables, written back in the same transaction); a
rebuild uses one replay for the whole log, so each row is built in memory from
all its events and written once, instead of read and rewritten batch after batch.
Both run the same handlers, so both give the same rows.

Every view handles events one way: a `functools.singledispatch` function with a
handler registered per event class and a fallback that does nothing, called
through `Handlers`, which looks each class's handler up once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import orjson

from ledger.domain.base import CustomerEvent
from ledger.domain.plain_json import reraise_interrupt
from projections.store import Transaction, chunks

H = TypeVar("H", bound=Callable[..., Any])


class Dispatching(Protocol):
    """A `functools.singledispatch` function, as `Handlers` uses it."""

    def dispatch(self, cls: Any) -> Callable[..., Any]: ...

    def register(self, cls: Any, func: Any = None) -> Any: ...


class Handlers(dict[type, Callable[..., Any]]):
    """The handler `handle` (a singledispatch function) gives each event class,
    looked up once per class: `handlers[type(event)](event, ...)`. Singledispatch's
    own lookup costs more than most handlers, and a rebuild calls one per event
    and view.

    A handler given to `register` is registered with `handle` only when a class it
    names (by its first parameter's annotation) or one of that class's bases is
    first looked up: registering it evaluates the annotation and so imports the
    event's module, which a process that handles no event, or a few kinds of
    event, need not do (docs/decisions.md, "Start-up: a read imports no event
    class"). The annotation names each class by its own name (`ev.ContactLogged`,
    or a union of such): `handler_names` reads them without importing anything,
    and a test holds every view's handlers to it."""

    def __init__(self, handle: Dispatching) -> None:
        super().__init__()
        self.handle = handle
        # Class name -> handlers naming it, not yet registered with `handle`.
        self.pending: dict[str, list[Callable[..., Any]]] = {}

    def register(self, handler: H) -> H:
        """Register `handler` with `handle`, for the event classes its first
        parameter's annotation names, before any of them is looked up (a decorator,
        as `handle.register` is)."""
        for name in handler_names(handler):
            self.pending.setdefault(name, []).append(handler)
        return handler

    def register_pending(self, names: Iterable[str] | None = None) -> None:
        """Register the handlers still pending for the classes of `names` (all of
        them without `names`), each once."""
        due = list(self.pending) if names is None else [n for n in names if n in self.pending]
        registered: set[int] = set()
        for name in due:
            for handler in self.pending.pop(name, []):
                if id(handler) not in registered:
                    registered.add(id(handler))
                    self.handle.register(handler)
        # A handler naming several classes is registered for all of them at once.
        for name, handlers in list(self.pending.items()):
            self.pending[name] = [h for h in handlers if id(h) not in registered]
            if not self.pending[name]:
                del self.pending[name]

    def __missing__(self, event_class: type) -> Callable[..., Any]:
        if self.pending:
            self.register_pending(cls.__name__ for cls in event_class.__mro__)
        handler = self[event_class] = self.handle.dispatch(event_class)
        return handler


def handler_names(handler: Callable[..., Any]) -> list[str]:
    """The names of the classes a handler's first parameter is annotated with, as
    written (`ev.A | ev.B` gives A and B), without evaluating the annotation."""
    code = handler.__code__
    annotation = handler.__annotations__.get(code.co_varnames[0])
    if isinstance(annotation, str):
        return [part.strip().rpartition(".")[2] for part in annotation.split("|")]
    classes = getattr(annotation, "__args__", None) or (annotation,)
    return [getattr(cls, "__name__", "") for cls in classes]


class Projection(ABC):
    name: ClassVar[str]
    version: ClassVar[str] = "1"
    # Table name -> CREATE TABLE statement (portable SQL); indexes after.
    tables: ClassVar[dict[str, str]]
    indexes: ClassVar[tuple[str, ...]] = ()
    # The events this view is given: customers' by default; staff events and the
    # read log only to views that ask for them.
    accepts: ClassVar[tuple[type, ...]] = (CustomerEvent,)
    # True when every row belongs to one customer and only that customer's events
    # change it: a rebuild may then split the log by customer and replay the parts
    # in separate processes (projections/parallel.py). Views that join streams
    # (staff with their customers, say) leave it False.
    keyed_by_customer: ClassVar[bool] = False
    # True when its replay may be flushed at any time without a row written being
    # changed later (each event only adds rows): a split rebuild's workers then
    # hand its rows over while they replay, to be written meanwhile.
    rows_final: ClassVar[bool] = False
    # True when its rows take the database long to write and index: a split
    # rebuild's workers hand them over before the other views' (after the final
    # ones), so that they are written while the rest is worked out.
    bulky: ClassVar[bool] = False

    def process(self, tx: Transaction, events: Sequence[CustomerEvent]) -> None:
        """Apply a batch of events (in log order) to this view's tables."""
        self.apply(tx, Decoded.of(events))

    def apply(self, tx: Transaction, batch: Decoded) -> None:
        """`process`, given the batch decoded: a catch-up decodes each batch once
        for every view that takes the same events."""
        replay = self.replay(tx)
        replay.feed(batch)
        replay.flush(tx)

    @abstractmethod
    def replay(self, tx: Transaction | None) -> Replay:
        """A replay that reads the rows it needs from `tx`; with None, the view's
        tables are empty (a rebuild) and nothing needs reading."""

    def create(self, tx: Transaction, *, indexed: bool = True) -> None:
        """The view's tables, and unless `indexed` is False, their indexes (a
        rebuild adds them once its rows are in: `create_indexes`)."""
        for statement in self.tables.values():
            tx.execute(statement)
        if indexed:
            self.create_indexes(tx)

    def check(self, tx: Transaction) -> None:  # noqa: B027 (most views check nothing)
        """What the view checks in each process before it is caught up or read, its
        tables being there (nothing, for most views)."""

    def create_indexes(self, tx: Transaction) -> None:
        for statement in self.indexes:
            tx.execute(statement)

    def forget(self, tx: Transaction, customers: Sequence[str]) -> None:
        """Delete the rows of these customers (a view keyed by customer), so that
        their corrected streams can be replayed into it afresh."""
        for table, statement in self.tables.items():
            if "customer_id" not in statement:
                continue
            for chunk in chunks(list(customers)):
                tx.execute(
                    f"DELETE FROM {table} WHERE customer_id IN ({tx.in_list(len(chunk))})", chunk
                )

    def drop(self, tx: Transaction) -> None:
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")


class Replay(ABC):
    """Rows of one view held in memory while events are applied to them."""

    @abstractmethod
    def feed(self, batch: Decoded) -> None:
        """Apply events (in log order) to the rows held."""

    @abstractmethod
    def flush(self, tx: Transaction) -> None:
        """Write every row changed since the last flush."""


# Documents a replay writes at a time.
DOCUMENTS_AT_ONCE = 500


class DocumentReplay(Replay):
    """A view of one JSON document per customer (a row of `table`: the customer's
    id, a few columns taken from the document, the document): documents held
    while events are applied, each written once per flush. Documents not held yet
    are read from `tx` as their customers' events arrive (with None, a rebuild's
    empty table, nothing is read)."""

    table: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]  # customer_id first, doc last

    def __init__(
        self, tx: Transaction | None, fold: Callable[[Any, CustomerEvent, str], None]
    ) -> None:
        self.tx = tx
        # Folds one event (which happened at `at`) into a document: a plain function,
        # called once per event with no method around it.
        self.fold = fold
        self.docs: dict[str, Any] = {}
        self.stored: set[str] = set()  # those with a row in the table
        self.changed: set[str] = set()

    @abstractmethod
    def new(self, key: str) -> Any:
        """The document of a customer without a row."""

    def loaded(self, key: str, doc: dict[str, Any]) -> Any:
        """The document as read from its row."""
        return doc

    def row(self, key: str, doc: Any) -> tuple[Any, ...]:
        """The row of a document about to be written."""
        return (key, *(doc[c] for c in self.columns[1:-1]), dumps(doc))

    def feed(self, batch: Decoded) -> None:
        docs = self.docs
        if self.tx is not None:
            self._load(sorted({k for k in batch.keys if k not in docs}))
        fold = self.fold
        for event, key, at in zip(batch.events, batch.keys, batch.times, strict=True):
            doc = docs.get(key)
            if doc is None:
                doc = docs[key] = self.new(key)
            fold(doc, event, at)
        self.changed.update(batch.keys)

    def _load(self, keys: list[str]) -> None:
        assert self.tx is not None
        for chunk in chunks(keys):
            for customer_id, doc in self.tx.fetchall(
                f"SELECT customer_id, doc FROM {self.table} "
                f"WHERE customer_id IN ({self.tx.in_list(len(chunk))})",
                chunk,
            ):
                key = str(customer_id)
                # orjson: the same values as `json.loads` for what `dumps` writes, a
                # few times faster; a catch-up reads back each document it changes.
                self.docs[key] = self.loaded(key, orjson.loads(doc))
                self.stored.add(key)

    def prepare(self, keys: list[str]) -> None:
        """Work out what a chunk of documents needs before their rows are made."""

    def written(self, keys: list[str], tx: Transaction) -> None:
        """Write what goes with a chunk of documents, once their rows are written."""

    def flush(self, tx: Transaction) -> None:
        # A few hundred documents at a time: a rebuild's worker hands each chunk
        # over as it is made, and it is written while the next is worked out.
        updated = ", ".join(f"{c} = excluded.{c}" for c in self.columns[1:])
        upsert = (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
            f"VALUES ({', '.join('?' * len(self.columns))}) "
            f"ON CONFLICT (customer_id) DO UPDATE SET {updated}"
        )
        for keys in chunks(sorted(self.changed), DOCUMENTS_AT_ONCE):
            self.prepare(keys)
            fresh: list[tuple[Any, ...]] = []
            known: list[tuple[Any, ...]] = []
            for key in keys:
                row = self.row(key, self.docs[key])
                (known if key in self.stored else fresh).append(row)
            tx.insert_new(self.table, self.columns, fresh)
            tx.executemany(upsert, known)
            self.written(keys, tx)
        self.stored.update(self.changed)
        self.changed.clear()


class StatementProjection(Projection):
    """A small view that writes each batch straight to its tables with a few
    statements (`process`): a rebuild holds the events it accepts until it
    writes. For views fed few events (staff changes, registrations, reads)."""

    @abstractmethod
    def process(self, tx: Transaction, events: Sequence[Any]) -> None:
        """Apply a batch of events (in log order) to this view's tables."""

    def apply(self, tx: Transaction, batch: Decoded) -> None:
        self.process(tx, batch.events)

    def replay(self, tx: Transaction | None) -> Replay:
        return _HeldEvents(self)


class _HeldEvents(Replay):
    def __init__(self, projection: StatementProjection) -> None:
        self.projection = projection
        self.events: list[Any] = []

    def feed(self, batch: Decoded) -> None:
        self.events.extend(batch.events)

    def flush(self, tx: Transaction) -> None:
        if self.events:
            self.projection.process(tx, self.events)
            self.events = []


@dataclass(frozen=True, slots=True)
class Decoded:
    """A batch of events with what nearly every view works out for each of them,
    worked out once: the customer's id as text and the ISO time it happened."""

    events: Sequence[CustomerEvent]
    keys: Sequence[str]
    times: Sequence[str]

    @classmethod
    def of(cls, events: Sequence[CustomerEvent], texts: dict[UUID, str] | None = None) -> Decoded:
        # The same customer recurs throughout a batch: its id is turned into text once
        # (once for all batches, given where to keep the texts).
        if texts is None:
            texts = {}
        keys = []
        for event in events:
            originator = event.originator_id
            key = texts.get(originator)
            if key is None:
                key = texts[originator] = str(originator)
            keys.append(key)
        return cls(events, keys, [iso(event.occurred_at) for event in events])


def iso(moment: datetime) -> str:
    """Times in views are UTC ISO strings of fixed shape, so they sort as text:
    exactly `isoformat(timespec="microseconds")` of the time in UTC, formatted here
    because that method costs about 60% more, and a rebuild formats two or three
    times per event (two-digit fields are looked up, not formatted: a quarter
    less again)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{_TWO_DIGITS[moment.month]}-{_TWO_DIGITS[moment.day]}"
        f"T{_TWO_DIGITS[moment.hour]}:{_TWO_DIGITS[moment.minute]}:"
        f"{_TWO_DIGITS[moment.second]}.{moment.microsecond:06d}+00:00"
    )


_TWO_DIGITS = tuple(f"{number:02d}" for number in range(100))


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def dumps(doc: Any) -> str:
    """A view's document as compact JSON text: what `json.dumps(doc,
    ensure_ascii=False, separators=(",", ":"), default=_plain)` writes for what
    views hold (text, integers, finite floats, lists, dicts; times and ids through
    `_plain`), written by orjson, about five times faster: a rebuild of a million
    events writes some 400,000 documents and rows."""
    try:
        return orjson.dumps(doc, default=_plain, option=_TEXT_KEYS).decode()
    except orjson.JSONEncodeError as error:
        # A key that is not text (or a value no view holds, which fails again).
        reraise_interrupt(error)
        return orjson.dumps(doc, default=_plain, option=_OPTIONS).decode()


# Times go through `_plain` (orjson's own format drops zero microseconds and keeps
# the zone); dict keys that are not text become text, as the json module does. A
# document is first written as if every key were text, as nearly always: orjson's
# option for other keys costs about a third more on a 360 document.
_TEXT_KEYS = orjson.OPT_PASSTHROUGH_DATETIME
_OPTIONS = _TEXT_KEYS | orjson.OPT_NON_STR_KEYS


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a view")


def track(tx: Transaction, projections: Sequence[Projection], position: int) -> None:
    """Record that `projections`, built by their current logic, have applied the log
    up to `position` (one statement for all)."""
    if not projections:
        return
    tx.executemany(
        "INSERT INTO view_tracking (name, position, version) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
        "version = excluded.version",
        [(projection.name, position, projection.version) for projection in projections],
    )
