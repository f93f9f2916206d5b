"""Import batches run side by side in worker processes (docs/import.md, "Two
import workers").

An import is Python work on every row, which one process does on one core. Its
batches are independent but for the customer numbering, which the importing
process now reserves for each batch before handing it out
(`Importer.reserve_numbers`): so a worker process runs a batch and commits it
(`Importer.work_batch`) while another runs the next. The importing process reads
the files, reserves, hands batches out, and counts what comes back in the order
it handed them out, so summaries, notes and rejects files read as a single
process's would.

Workers are fresh interpreters (a fork would share this process's open
connections). Each commits its batches itself, in one transaction each, as the
single process did: a worker stopped at any moment leaves whole customers or
none. A worker dies with the importing process (`PR_SET_PDEATHSIG` on Linux; it
notices the closed pipe elsewhere), and ignores Ctrl-C: the importing process
stops it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, Self
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
    processes commit in theirs). `given_up` is set when the follower is gone:
    whatever turn it held is over. Passed to each worker when it starts."""

    def __init__(self, context: Any) -> None:
        self.lock = context.Lock()
        self.given_up = Flag(context)
        self._held = False

    def __getstate__(self) -> dict[str, Any]:
        return {"lock": self.lock, "given_up": self.given_up}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.lock, self.given_up, self._held = state["lock"], state["given_up"], False

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
        self._held = True

    def __exit__(self, *exc: object) -> None:
        if self._held:
            self.lock.release()
            self._held = False


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


class BatchWorkers:
    """`count` worker processes taking batches (`submit`) and giving back, in any
    order, what each came to (`receive`)."""

    def __init__(self, count: int, setup: WorkerSetup) -> None:
        context = get_context("spawn")
        self._channels: list[Connection] = []
        self._processes: list[BaseProcess] = []
        self._out: list[int] = []
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
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(now=kind is not None)

    def free(self) -> bool:
        """Whether a worker can take another batch now."""
        return min(self._out) < DEPTH

    def busy(self) -> bool:
        return any(self._out)

    def submit(self, index: int, groups: Groups, numbers: dict[UUID, int]) -> None:
        worker = self._out.index(min(self._out))
        self._send(worker, (index, groups, numbers))
        self._out[worker] += 1

    def receive(
        self, watch: Callable[[], object] | None = None
    ) -> list[tuple[int, int, list[CustomerWork]]]:
        """The batches workers are done with, waiting for one at least: (its index,
        events written, each customer's work). Every worker that is done is heard,
        or one that is always done first would be the only one given work.
        `watch` is called while waiting."""
        while True:
            ready = wait(self._channels, timeout=POLL_SECONDS)
            if watch is not None:
                watch()
            done: list[tuple[int, int, list[CustomerWork]]] = []
            for worker, channel in enumerate(self._channels):
                if channel not in ready:
                    continue
                try:
                    message: Any = channel.recv()
                except (EOFError, OSError):
                    raise ImportWorkerFailedError(
                        f"import worker {worker + 1} stopped; what was committed stays: "
                        "run the same import again to finish it"
                    ) from None
                if message[0] == "failed":
                    raise ImportWorkerFailedError(
                        f"{message[1]} (in import worker {worker + 1}; what was committed "
                        "stays: run the same import again to finish it)"
                    )
                self._out[worker] -= 1
                _, index, written, work = message
                done.append((int(index), int(written), work))
            if done:
                return done

    def _send(self, worker: int, message: Any) -> None:
        try:
            self._channels[worker].send(message)
        except OSError:
            raise ImportWorkerFailedError(
                f"import worker {worker + 1} stopped; what was committed stays: "
                "run the same import again to finish it"
            ) from None

    def close(self, *, now: bool = False) -> None:
        """Ask each worker to leave after its batches (stop them `now`: the import
        failed or was interrupted); stop one that does not leave."""
        for channel in self._channels:
            with contextlib.suppress(OSError):
                channel.send(None)
        for process in self._processes:
            process.join(timeout=0 if now else 60)
            if process.is_alive():
                # Killed between two statements of a commit, a worker's transaction
                # is rolled back by the database: its customers are whole or absent.
                process.terminate()
                process.join()
        for channel in self._channels:
            channel.close()
        self._channels.clear()


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
                    written, work = importer.work_batch(groups, numbers)
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
