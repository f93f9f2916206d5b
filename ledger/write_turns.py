"""Turns for writers that keep losing races (docs/decisions.md, "A writer that
keeps losing takes a turn").

Writes are optimistic: a command loads its customer, decides, and saves the next
version; if someone saved that version first, the save is refused and the command
tries again (`LedgerCore._retrying`). Under sustained contention on one customer
the loser tends to lose again, because the winner is already saving its next
command while the loser reloads; a bound on attempts then fails a command that did
nothing wrong.

So every save of events takes the ledger's turn in shared mode, which costs
nothing while nobody waits for it, and a writer that has lost `LOSSES_BEFORE_TURN`
races takes it exclusively for its next attempt: it waits for the saves in flight
to finish, new saves wait for it, and its load, decision and save run alone, so
the attempt cannot lose to anyone who takes turns. Saves that come after a loser
asked for the turn wait behind it (PostgreSQL's lock queue; on SQLite a gate
taken before the turn), so a loser is never overtaken for ever.

Correctness never rests on a turn: the store still refuses a version saved twice,
and every wait is bounded, after which the write goes ahead without its turn. A
writer stopped while it holds the turn (Ctrl-Z) holds the others up for at most
`SAVE_WAIT`: on SQLite each save waits that long for it and goes ahead; on
PostgreSQL the server ends the stopped writer's session after that long idle.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Three races lost in a row is rare unless the customer is busy; before that the
# optimistic attempt is cheaper than waiting for everyone else's saves to drain.
LOSSES_BEFORE_TURN = 3

# How long a saver waits for a turn held by someone else, and a loser for its own
# turn, before going ahead without it (module doc).
SAVE_WAIT = 10.0
TURN_WAIT = 30.0


class WriteTurns:
    """No turns at all: a ledger in memory has one process, and a store written
    by the library's stock recorders gives nobody a turn to take."""

    @property
    def held(self) -> bool:
        """Whether the caller holds the turn exclusively (its own saves then take
        no shared turn: they would wait for themselves)."""
        return False

    @contextlib.contextmanager
    def saving(self) -> Iterator[None]:
        """Around one save of events: the turn in shared mode."""
        yield

    @contextlib.contextmanager
    def alone(self) -> Iterator[None]:
        """Around a loser's attempt: the turn exclusively, so nobody saves meanwhile."""
        yield


NO_TURNS = WriteTurns()


# The turns files whose turn this process holds. Per file, not per ledger object:
# another ledger on the same database in this process must not take a shared turn
# meanwhile (its lock would downgrade the process's own, and its closing the file
# would drop it).
_HELD_BY_THIS_PROCESS: set[Path] = set()

# Byte offsets in the turns file: the gate queues writers; the turn is what savers
# share and a loser holds alone.
_GATE = 0
_TURN = 1


class FileTurns(WriteTurns):
    """Turns for an SQLite file, as POSIX record locks on a file beside it
    (`ledger.db-turns`, as SQLite keeps `ledger.db-wal`). The kernel releases them
    when a process ends, however it ends.

    Record locks give no priority to a writer waiting for an exclusive lock, so
    every writer passes a gate first: a saver holds it only while it takes its
    shared turn, a loser until its attempt is done, so no new saver slips in while
    a loser waits for the saves in flight to finish. Waiters poll (a blocking lock
    could not be given up on), so the order among losers is not strictly theirs
    of arrival; a loser waits for the saves in flight, not for later ones.

    The file is opened for each turn and closed after it: a ledger opened and
    closed many times in one process keeps nothing open. Record locks belong to
    the process, not to a thread or a file handle, so the turn is held for the
    whole process, and while it is, no thread or ledger of it takes a shared turn
    (which would turn the process's exclusive lock into a shared one)."""

    def __init__(self, database: Path) -> None:
        database = database.resolve()  # one file, however a ledger names it
        self._path = database.with_name(database.name + "-turns")

    @property
    def held(self) -> bool:
        return self._path in _HELD_BY_THIS_PROCESS

    @contextlib.contextmanager
    def _file(self) -> Iterator[int | None]:
        """The turns file, open for one turn; None when this process holds the turn
        already, or when the file cannot be opened (a folder this process cannot
        write in, which the database itself will report, or no file handle left):
        that write is then as optimistic as all were."""
        fd = None
        if not self.held:
            with contextlib.suppress(OSError):
                fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            yield fd
        finally:
            if fd is not None:
                os.close(fd)  # which drops whatever this process held of it

    @contextlib.contextmanager
    def saving(self) -> Iterator[None]:
        with self._file() as fd:
            if fd is not None:
                deadline = time.monotonic() + SAVE_WAIT
                if _lock(fd, _GATE, exclusive=True, deadline=deadline):
                    try:
                        _lock(fd, _TURN, exclusive=False, deadline=deadline)
                    finally:
                        _unlock(fd, _GATE)
            yield

    @contextlib.contextmanager
    def alone(self) -> Iterator[None]:
        with self._file() as fd:
            deadline = time.monotonic() + TURN_WAIT
            taken = (
                fd is not None
                and _lock(fd, _GATE, exclusive=True, deadline=deadline)
                and _lock(fd, _TURN, exclusive=True, deadline=deadline)
            )
            if taken:
                _HELD_BY_THIS_PROCESS.add(self._path)
            try:
                yield
            finally:
                if taken:
                    _HELD_BY_THIS_PROCESS.discard(self._path)


def _lock(fd: int, offset: int, *, exclusive: bool, deadline: float) -> bool:
    """Lock one byte of the turns file, polling until `deadline` (a blocking lock
    could not be given up on); whether it was taken."""
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    pause = 0.0005
    while True:
        try:
            fcntl.lockf(fd, mode, 1, offset)
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.02)


def _unlock(fd: int, offset: int) -> None:
    fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)


class AdvisoryTurns(WriteTurns):
    """Turns for a PostgreSQL event store, as an advisory lock named for its
    table. A save takes it shared inside its own transaction (the recorder's
    `_insert_events`, sent with the insert, so it costs no round trip); a loser
    takes it exclusively on a connection of its own for its attempt. PostgreSQL
    queues lock requests in order, and a shared request waits behind an exclusive
    one already waiting, so nobody overtakes the loser.

    The loser's connection sits idle while the attempt runs on others, so the
    server is told to end its session after `SAVE_WAIT` idle (PostgreSQL 14 on):
    a loser stopped while it holds the turn (Ctrl-Z) then loses it, and the saves
    waiting behind it go on. An attempt that outlasts that goes on without its
    turn, as a loser that waited too long does."""

    def __init__(self, datastore: Any, table: str) -> None:
        self._datastore = datastore
        self.key = advisory_key(f"{datastore.schema}.{table}")
        # Locks belong to connections: the turn is held by the thread that took it.
        self._local = threading.local()

    @property
    def held(self) -> bool:
        return bool(getattr(self._local, "held", False))

    @contextlib.contextmanager
    def alone(self) -> Iterator[None]:
        if self.held:
            yield
            return
        import psycopg

        with self._datastore.get_connection() as conn:
            try:
                conn.execute(f"SET lock_timeout = '{int(TURN_WAIT * 1000)}ms'")
                if conn.info.server_version >= IDLE_SESSION_TIMEOUT_FROM:
                    conn.execute(f"SET idle_session_timeout = '{int(SAVE_WAIT * 1000)}ms'")
                conn.execute("SELECT pg_advisory_lock(%s)", (self.key,))
                taken = True
            except (psycopg.OperationalError, psycopg.InterfaceError):
                # The turn was not had in time: the attempt goes ahead without it.
                taken = False
            self._local.held = taken
            try:
                yield
            finally:
                self._local.held = False
                # A session the server ended has let go of its lock already; the
                # pool drops a connection found broken.
                with contextlib.suppress(psycopg.Error):
                    if taken:
                        conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
                    conn.execute("RESET lock_timeout")
                    conn.execute("RESET idle_session_timeout")


# `idle_session_timeout` came with PostgreSQL 14.
IDLE_SESSION_TIMEOUT_FROM = 140000


def advisory_key(name: str) -> int:
    """A signed 64-bit advisory lock key for `name` (each schema's ledger its own)."""
    digest = hashlib.blake2b(f"ledger write turns: {name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
