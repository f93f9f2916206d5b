"""Import batches run side by side in worker processes (docs/decisions.md, "Two
import workers: numbers reserved per batch"; docs/import.md, "How an import
runs").

An import is Python work on every row, which one process does on one core. Its
batches are independent but for the customer numbering, which the importing
process reserves for each batch before handing it out
(`Importer.reserve_numbers`): so a worker process runs a batch and commits it
(`Importer.work_batch`) while another runs the next, the commits in the order
the batches were handed out (`CommitOrder`). The importing process reads the
files, reserves, hands batches out, and counts what comes back in that order,
so summaries, notes, rejects files and codes are a single process's.

Workers are fresh interpreters (a fork would share this process's open
connections). Each commits its batches itself, in one transaction each, as the
single process did: a worker stopped at any moment leaves whole customers or
none. A worker dies with the importing process (`PR_SET_PDEATHSIG` on Linux; it
notices the closed pipe elsewhere), and ignores Ctrl-C: the importing process
stops it. On SQLite the processes take turns to write (`CommitTurn`); one killed
holding the turn has it given back by the importing process (`Watchdog`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, Protocol, Self
from uuid import UUID

from ledger.errors import LedgerError
from ledger.imports.collector import bulk_collection

if TYPE_CHECKING:
    from ledger.config import Settings
    from ledger.imports.contract import Kind, SourceRow
    from ledger.imports.run import CustomerWork

# Batches handed to one worker and not yet back: one it runs, one waiting, so it
# never idles while the importing process reserves the next.
DEPTH = 2
# How often a wait for a worker or for the commit turn looks whether to give up.
POLL_SECONDS = 0.5
# How often a batch ready to commit looks whether the one before it has (it
# usually has: a commit is a tenth of a batch's work).
ORDER_POLL_SECONDS = 0.002

Groups = list[tuple[str, list[tuple[int, "SourceRow"]]]]


class ImportWorkerFailedError(LedgerError):
    """A worker process of an import failed or was stopped; what was committed stays."""


class Flag:
    """A yes/no shared by the processes of one import, set once. Not a
    multiprocessing `Event`: its waits and reads take a lock inside it, which a
    process killed while setting it holds for ever, and every later look at it
    then hangs (a views follower was left waiting so, its import killed with -9).
    A byte in shared memory has no lock to leave held."""

    def __init__(self, context: Any) -> None:
        self._value = context.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    def is_set(self) -> bool:
        return bool(self._value.value)


class CommitTurn:
    """The turn to write a commit, shared by the processes of one import on SQLite
    (its one write lock: the views' follower catches up in its turns, the import's
    processes commit and reserve in theirs). Passed to each worker when it starts.

    A process killed while it holds the turn never gives it back: the importing
    process, which sees its helpers die, gives it back for it (`rescue`), knowing
    who holds it (`holder`). Should a helper die before saying it holds the turn,
    the turn is given up (`given_up`): everyone writes without it, SQLite's own
    lock still keeping the writes apart."""

    def __init__(self, context: Any) -> None:
        self.lock = context.Lock()
        self.given_up = Flag(context)
        self.holder = context.RawValue("i", 0)
        self._held = False

    def __getstate__(self) -> dict[str, Any]:
        return {"lock": self.lock, "given_up": self.given_up, "holder": self.holder}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.lock, self.given_up, self.holder = state["lock"], state["given_up"], state["holder"]
        self._held = False

    def __enter__(self) -> None:
        self.take()

    def take(self, watch: Callable[[], object] | None = None) -> None:
        """Wait for the turn, calling `watch` now and then, until it is given up."""
        self._held = False
        while not self.lock.acquire(timeout=POLL_SECONDS):
            if watch is not None:
                watch()
            if self.given_up.is_set():
                return
        self.holder.value = os.getpid()
        self._held = True

    def __exit__(self, *exc: object) -> None:
        if self._held:
            self.holder.value = 0
            self.lock.release()
            self._held = False

    def watched(self, watch: Callable[[], object]) -> WatchedTurn:
        """The turn as a context to hold it in, as often as needed, `watch` called
        while waiting (it may raise to stop waiting)."""
        return WatchedTurn(self, watch)

    def rescue(self, dead: Collection[int]) -> None:
        """Give back the turn a process of `dead` (pids) holds (in the importing
        process only, which knows who died)."""
        if not dead:
            return
        with _RESCUING:
            holder = self.holder.value
            if holder in dead:
                self.holder.value = 0
                self.lock.release()
            elif holder == 0 and not self._free():
                self.given_up.set()

    def _free(self) -> bool:
        if self.lock.acquire(False):
            self.lock.release()
            return True
        return False


class WatchedTurn:
    """`CommitTurn.watched`: reusable, as a catch-up holds it once per transaction."""

    def __init__(self, turn: CommitTurn, watch: Callable[[], object]) -> None:
        self.turn, self.watch = turn, watch

    def __enter__(self) -> None:
        self.turn.take(self.watch)

    def __exit__(self, *exc: object) -> None:
        self.turn.__exit__()


# The importing process looks at its helpers from two threads (`Importer.run`'s and
# its watchdog's): one gives a turn back, once.
_RESCUING = threading.Lock()


class CommitOrder:
    """Batches run side by side commit in the order they were handed out, as one
    process commits them: so a name two batches claim goes to the earlier one, as
    it would have, and the later one runs again and is told the name is taken."""

    def __init__(self, context: Any) -> None:
        self._next = context.RawValue("q", 0)

    @contextmanager
    def at(self, index: int) -> Iterator[None]:
        """Wait until batch `index` is next; it is done once the block ends without
        an error (a commit that conflicts runs again, still next)."""
        while self._next.value != index:
            time.sleep(ORDER_POLL_SECONDS)
        yield
        self._next.value = index + 1


class Follower(Protocol):
    """What an import asks of its views' follower (`commands/importing.py`,
    `ViewsFollower`): its commit turn, held around each commit (`__enter__`), shared
    with the workers (`turn`, None on PostgreSQL); a look at whether it died
    holding the turn (`watch`); and a wait while the views lag (`keep_up`)."""

    turn: CommitTurn | None

    def __enter__(self) -> object: ...

    def __exit__(self, *exc: object) -> None: ...

    def watch(self) -> None: ...

    def keep_up(self, head: int) -> None: ...


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to run batches as the importing process would."""

    env: dict[str, str]
    settings: Settings
    actor: str
    kinds: Mapping[str, Kind]
    source_kinds: list[str]
    system: str
    defaults: dict[str, str]
    started: datetime
    turn: CommitTurn | None
    order: CommitOrder


class BatchWorkers:
    """`count` worker processes taking batches (`submit`) and giving back, in any
    order, what each came to (`receive`). A thread per worker reads what it sends
    as it comes: a worker blocked sending a large result while this process is
    blocked sending it the next batch would otherwise wait for each other for ever."""

    def __init__(self, count: int, setup: WorkerSetup) -> None:
        context = get_context("spawn")
        self._channels: list[Connection] = []
        self._processes: list[BaseProcess] = []
        self._out: list[int] = []
        self._heard: queue.Queue[tuple[int, Any]] = queue.Queue()
        try:
            for number in range(count):
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=_work,
                    args=(setup, theirs, os.getpid()),
                    name=f"ledger-import-{number + 1}",
                    daemon=True,
                )
                process.start()
                theirs.close()
                self._channels.append(ours)
                self._processes.append(process)
                self._out.append(0)
                threading.Thread(target=self._listen, args=(number,), daemon=True).start()
        except BaseException:
            self.close(now=True)
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(now=kind is not None)

    def _listen(self, worker: int) -> None:
        channel = self._channels[worker]
        while True:
            try:
                message = channel.recv()
            except (EOFError, OSError):
                self._heard.put((worker, None))
                return
            self._heard.put((worker, message))

    def free(self) -> bool:
        """Whether a worker can take another batch now."""
        return min(self._out) < DEPTH

    def busy(self) -> bool:
        return any(self._out)

    def dead(self) -> set[int]:
        """The process ids of workers that have ended."""
        return {p.pid for p in self._processes if p.pid is not None and not p.is_alive()}

    def submit(self, index: int, groups: Groups, numbers: dict[UUID, int]) -> None:
        worker = self._out.index(min(self._out))
        try:
            self._channels[worker].send((index, groups, numbers))
        except OSError:
            raise _stopped(worker) from None
        self._out[worker] += 1

    def receive(self) -> list[tuple[int, int, list[CustomerWork]]]:
        """The batches workers are done with, waiting for one at least: (its index,
        events written, each customer's work)."""
        done: list[tuple[int, int, list[CustomerWork]]] = []
        while not done:
            heard = [self._heard.get()]
            while not self._heard.empty():
                heard.append(self._heard.get_nowait())
            for worker, message in heard:
                if message is None:
                    raise _stopped(worker)
                if message[0] == "failed":
                    raise ImportWorkerFailedError(
                        f"{message[1]} (in import worker {worker + 1}; what was committed "
                        "stays: run the same import again to finish it)"
                    )
                self._out[worker] -= 1
                _, index, written, work = message
                done.append((int(index), int(written), work))
        return done

    def close(self, *, now: bool = False) -> None:
        """Ask each worker to leave once its batches are done (every one has been
        received), or stop them `now` (the import failed or was interrupted: a
        worker cut short in a commit has its transaction rolled back by the
        database, its customers whole or absent)."""
        if not now:
            for channel in self._channels:
                with contextlib.suppress(OSError):
                    channel.send(None)
        for process in self._processes:
            process.join(timeout=0 if now else 60)
            if process.is_alive():
                process.terminate()
                process.join()
        for channel in self._channels:
            channel.close()
        self._channels.clear()


class Watchdog:
    """While the block runs, a thread of the importing process looks every
    `POLL_SECONDS` at its helpers: the views follower (`Follower.watch`, which gives
    its turn back if it died) and the workers (the turn a dead one held is given
    back). A thread, because the importing process may be blocked meanwhile,
    handing a worker a batch it takes only once it has committed the last one,
    which may wait for that very turn."""

    def __init__(self, workers: BatchWorkers, follower: Follower | None) -> None:
        self._workers, self._follower = workers, follower
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._look, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _look(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            if self._follower is not None:
                self._follower.watch()
                if self._follower.turn is not None:
                    self._follower.turn.rescue(self._workers.dead())


def _stopped(worker: int) -> ImportWorkerFailedError:
    return ImportWorkerFailedError(
        f"import worker {worker + 1} stopped; what was committed stays: "
        "run the same import again to finish it"
    )


def _work(setup: WorkerSetup, channel: Connection, parent: int) -> None:  # pragma: no cover
    """A worker's whole life (runs in the worker process): batches in, their work out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the importing process stops us
    _die_with_parent()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        if os.getppid() != parent:
            return
        from contextlib import nullcontext

        from ledger.application import Ledger
        from ledger.imports.run import Importer

        app = Ledger(env=setup.env, settings=setup.settings)
        try:
            importer = Importer(
                app,
                app.caller(setup.actor),
                setup.kinds,
                system=setup.system,
                defaults=setup.defaults,
                started=setup.started,
                commit_lock=setup.turn if setup.turn is not None else nullcontext(),
                commit_order=setup.order,
            )
            importer.use_sources(setup.source_kinds)
            with bulk_collection():
                while True:
                    try:
                        message = channel.recv()
                    except EOFError:
                        break
                    if message is None:
                        break
                    index, groups, numbers = message
                    written, work = importer.work_batch(groups, numbers, index)
                    channel.send(("done", index, written, work))
        finally:
            app.close()
    except BaseException as error:
        text = str(error) if isinstance(error, LedgerError) else f"{type(error).__name__}: {error}"
        with contextlib.suppress(OSError):
            channel.send(("failed", text))
    finally:
        channel.close()
    # What the batches held is not freed object by object: the process just ends.
    os._exit(0)


def _die_with_parent() -> None:  # pragma: no cover (runs in the worker process)
    """On Linux, have the kernel kill this process when the one that started it
    dies: a worker must not go on writing for an import killed with -9."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
