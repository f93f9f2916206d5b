"""`ledger server`: a process that has imported the ledger once and runs each
command a client hands it in a fork of itself (commands/client.py; docs/decisions.md,
"Start-up: a warm server").

The server holds no connection, no ledger and no state of any customer: every
command runs in a new child process, which opens the database as a command
started from the shell would, and ends when the command ends. So commands run side
by side as separate processes do, a crash ends one command only, and nothing one
command read is there for the next. The server only saves the imports.

It stops when asked (`ledger server stop`), after `--idle` minutes without a
command, or, at its next command, when the code it imported has changed on disk
(an upgrade, an edit): that command then runs in its own process, as it would
with no server.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import importlib
import os
import pkgutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from commands.client import (
    CODE,
    FAILED_STAMP,
    LONGEST_PATH,
    MOST_DESCRIPTORS,
    PROTOCOL,
    code_root,
    connect,
    installation,
    peer_credentials,
    private_folder,
    receive_message,
    run_directory,
    send_message,
    server_holds_lock,
    socket_path,
)
from commands.server_child import (
    adopt_descriptors,
    limits_within_reach,
    memory_limited,
    run_command,
)

DEFAULT_IDLE_MINUTES = 8 * 60
# How long `ledger server start` waits for the new server to answer.
START_TIMEOUT = 30.0
# How long a new server waits for the one before it to let go of the socket.
LOCK_WAIT = 5.0
# The most bytes of a request read with its file descriptors in the first piece.
_FIRST_PIECE = 65536
# How long the server waits for a request once connected: it serves one connection
# at a time, so a client that stopped before sending (suspended, say) holds up
# every other command until then (dropped, it runs its command itself when it goes on).
REQUEST_WAIT = 5.0


# Library modules that commands import when they need them, not at module level.
LIBRARIES = (
    "cryptography.hazmat.primitives.ciphers.aead",
    "eventsourcing.sqlite",
    "eventsourcing.postgres",
    "psycopg",
    "psycopg_pool",
    "rich.console",
    "rich.progress",
    "rich.table",
)


# ------------------------------------------------------------------- the code
def watched_paths() -> list[str]:
    """The ledger's source files and folders, and the folders of the module path:
    a change to any (an edit, an upgrade; a file added or removed changes its
    folder) means the code a server imported is no longer what is on disk."""
    root = Path(code_root())
    paths: list[str] = []
    for name in CODE:
        top = root / name
        if top.is_file():
            paths.append(str(top))
            continue
        for folder, folders, files in os.walk(top):
            folders[:] = [f for f in folders if f != "__pycache__"]
            paths.append(folder)
            paths.extend(os.path.join(folder, f) for f in files if f.endswith(".py"))  # noqa: PTH118
    paths.extend(folder for folder in sys.path if folder)
    return paths


def code_fingerprint(paths: list[str]) -> tuple[tuple[int, int], ...]:
    """Size and change time of each path (a missing one as -1): some 250 stats,
    well under a millisecond, checked before every command."""
    found = []
    for path in paths:
        try:
            status = os.stat(path)  # noqa: PTH116 - a Path per file would cost more than the stat
        except OSError:
            found.append((-1, -1))
        else:
            found.append((status.st_size, status.st_mtime_ns))
    return tuple(found)


def warm_up() -> None:
    """Import every module of the ledger and what commands use of the libraries,
    so that no command has to: a command imports lazily what it needs
    (docs/decisions.md, "Start-up: a process imports what it uses"), which in a
    child of the server would be paid again by every command."""
    from ledger.pydantic_plugins import disable_plugins

    # As `cli.main` does before any command model is built.
    disable_plugins()
    root = Path(code_root())
    for package in CODE:
        if package.endswith(".py"):
            importlib.import_module(package.removesuffix(".py"))
            continue
        importlib.import_module(package)
        for module in pkgutil.walk_packages([str(root / package)], prefix=f"{package}."):
            importlib.import_module(module.name)
    # What our modules import only inside the functions that use them.
    for name in LIBRARIES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


# ----------------------------------------------------------------- the server
class Server:
    """Listens on this installation's socket and forks a child per command."""

    def __init__(
        self,
        path: str,
        idle_minutes: float,
        watched: list[str],
        lock: int | None = None,
        *,
        auto: bool = False,
    ) -> None:
        self.path = Path(path)
        # Started by a command (`LEDGER_SERVER=auto`), with that command's limits and
        # priority: when another's are out of its reach, it makes way for a server
        # the next command starts with its own.
        self.auto = auto
        # The descriptor of the socket's lock (`server_lock`), which no child keeps.
        self.lock = lock
        self.idle = idle_minutes * 60
        self.started = time.time()
        self.served = 0
        self.children: set[int] = set()
        # Each running child's connection to its client, kept here too: a client
        # that is gone while its child is stopped (Ctrl-Z, then kill -9) is seen
        # here, as the stopped child cannot see it (`_reap`).
        self.clients: dict[int, socket.socket] = {}
        # Taken before the code is imported: an edit made while the server imports
        # shows as a change at the first command.
        self.watched = watched
        self.fingerprint = code_fingerprint(watched)
        self.listener: socket.socket | None = None
        self.inode: int | None = None

    def imported(self) -> None:
        """Take the code's fingerprint again once it is imported, if no source file
        changed meanwhile: importing writes bytecode caches, and a new `__pycache__`
        changes its folder (the first start after an install would otherwise see
        changed code at once, and stop at its first command). A source file edited
        while the server imported still shows as a change."""
        now = code_fingerprint(self.watched)
        files = [n for n, path in enumerate(self.watched) if not os.path.isdir(path)]  # noqa: PTH112
        if all(now[n] == self.fingerprint[n] for n in files):
            self.fingerprint = now

    # -- lifetime
    def serve(self, started: Callable[[], None] = lambda: None) -> None:
        listener = self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # A dead server's socket: its lock was free.
        self.path.unlink(missing_ok=True)
        listener.bind(str(self.path))
        self.path.chmod(0o600)
        self.inode = self.path.stat().st_ino
        listener.listen(64)
        started()
        listener.settimeout(1.0)
        last = time.monotonic()
        try:
            while True:
                self._reap()
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    if not self.children and time.monotonic() - last > self.idle:
                        return
                    continue
                last = time.monotonic()
                if not self._handle(connection):
                    return
        finally:
            self._remove_socket()
            listener.close()

    def _remove_socket(self) -> None:
        """Remove the socket file if it is still this server's."""
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == self.inode:
                self.path.unlink()

    def _reap(self) -> None:
        """Collect the children that ended, and end those whose client has gone.
        A child ends itself when its client goes (`_end_with_client`), unless it is
        stopped: then it would wait for ever, holding its locks and transactions.
        Killed, it ends as a command in the client's own process would have ended
        with it."""
        for pid in list(self.children):
            with contextlib.suppress(ChildProcessError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done == 0:
                    if _gone(self.clients.get(pid)):
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                    continue
            self.children.discard(pid)
            client = self.clients.pop(pid, None)
            if client is not None:
                client.close()

    # -- one connection
    def _handle(self, connection: socket.socket) -> bool:
        """Serve one connection; False when the server is to stop."""
        with connection:
            connection.settimeout(REQUEST_WAIT)
            try:
                # The client's process: its CPUs, I/O priority and control group are
                # the command's too (`run_command`).
                client, uid, _gid = peer_credentials(connection)
                if uid != os.getuid():
                    return True  # another user's process: not served, not answered
                pieces, descriptors = _receive_with_descriptors(connection)
            except OSError:
                return True
            try:
                request = receive_message(connection, pieces)
            except (OSError, ValueError, EOFError, TypeError):
                request = None
            connection.settimeout(None)
            try:
                if request is None:
                    return True
                if request.get("ask") == "status":
                    send_message(connection, self._status())
                    return True
                if request.get("ask") == "stop":
                    send_message(connection, {"stopping": os.getpid()})
                    return False
                if request.get("protocol") != PROTOCOL or request.get("installation") != (
                    installation()
                ):
                    send_message(connection, {"refused": "another installation"})
                    return True
                wanted = request.get("descriptors")
                if (
                    not isinstance(wanted, list)
                    or wanted[:3] != [0, 1, 2]
                    or len(descriptors) != len(wanted)
                ):
                    send_message(connection, {"refused": "descriptors missing"})
                    return True
                if not limits_within_reach(request["limits"], request["priority"]):
                    send_message(connection, {"refused": "limits or priority out of reach"})
                    return not self.auto
                if memory_limited(request["limits"]):
                    send_message(connection, {"refused": "memory limited"})
                    return True
                request["peer"] = client
                if code_fingerprint(self.watched) != self.fingerprint:
                    # The client runs this command itself; the next start of a
                    # server imports the code as it is now.
                    send_message(connection, {"refused": "the code has changed"})
                    return False
                self._fork(connection, request, descriptors)
                return True
            except OSError:
                return True
            finally:
                for descriptor in descriptors:
                    with contextlib.suppress(OSError):
                        os.close(descriptor)

    def _status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "started": self.started,
            "served": self.served,
            "running": len(self.children),
            "idle_minutes": self.idle / 60,
            "code_current": code_fingerprint(self.watched) == self.fingerprint,
            "root": code_root(),
        }

    def _fork(self, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        pid = os.fork()
        if pid:
            self.children.add(pid)
            self.clients[pid] = connection.dup()
            self.served += 1
            return
        # The child: it never returns into the server's loop (whose clean-up would
        # remove the socket); it ends in `os._exit`.
        status = 1
        try:
            assert self.listener is not None
            self.listener.close()
            for other in self.clients.values():  # the other commands' clients
                other.close()
            if self.lock is not None:
                # A command still running must not keep the next server from starting.
                os.close(self.lock)
            # Before anything else: until then the command's descriptors may sit on
            # the numbers it will use.
            connection = adopt_descriptors(connection, request["descriptors"], fds)
            status = run_command(connection, request)
        except BaseException:  # reported on the client's stderr; the child ends anyway
            with contextlib.suppress(Exception):
                traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                send_message(connection, {"exit": status})
            os._exit(0)


def _gone(client: socket.socket | None) -> bool:
    """Whether the client at the other end has gone: it sends nothing after its
    request, so anything to read is its end of the connection."""
    if client is None:
        return False
    try:
        return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _receive_with_descriptors(connection: socket.socket) -> tuple[bytes, list[int]]:
    """The first piece of a request and the file descriptors sent with it."""
    data, fds, _flags, _address = socket.recv_fds(connection, _FIRST_PIECE, MOST_DESCRIPTORS)
    return data, list(fds)


# ------------------------------------------------------------------ starting
@contextlib.contextmanager
def server_lock(path: str, wait: float = LOCK_WAIT) -> Iterator[int | None]:
    """The lock's descriptor while this process holds the socket's lock, None if
    another does: one server per socket. A server that is stopping (its code
    changed) still holds it for a moment, so the lock is tried for `wait` seconds."""
    descriptor = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    yield None
                    return
                time.sleep(0.05)
        yield descriptor
    finally:
        os.close(descriptor)


def prepare_run_directory() -> Path:
    """This user's socket folder, made private if new; a folder that is not
    private is refused rather than used (ledger.errors.InvalidInputError)."""
    from ledger.errors import InvalidInputError

    folder = Path(run_directory())
    if len(socket_path()) > LONGEST_PATH:
        raise InvalidInputError(
            f"the server's socket in {folder} would have too long a name for the "
            "system: set XDG_RUNTIME_DIR to a shorter folder"
        )
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        # A session's runtime folder removed at log-out, say, while a terminal
        # multiplexer kept the shell that names it.
        raise InvalidInputError(
            f"the server's socket folder {folder} cannot be made ({error.strerror}): "
            "set XDG_RUNTIME_DIR to a folder of yours that exists"
        ) from None
    if not private_folder(str(folder)):
        raise InvalidInputError(
            f"{folder} is not a folder of yours closed to other users: remove it, or "
            "set XDG_RUNTIME_DIR to a private folder"
        )
    return folder


def ask(request: dict[str, Any]) -> dict[str, Any] | None:
    """Ask the running server something (status, stop); None when none answers."""
    connection = connect(socket_path())
    if connection is None:
        return None
    with connection:
        try:
            send_message(connection, request)
            return receive_message(connection)
        except OSError:
            return None


def run_server(idle_minutes: float, *, auto: bool = False) -> None:
    """The server process itself (`python -m commands.server`). A start that fails
    leaves a stamp (`FAILED_STAMP`) that keeps commands on `LEDGER_SERVER=auto` from
    starting another for a while (each would fail the same way, at a cost)."""
    path = socket_path()
    stamp = Path(run_directory()) / FAILED_STAMP
    try:
        prepare_run_directory()
        with server_lock(path) as lock:
            if lock is None:
                return  # another server started first: it serves
            server = Server(path, idle_minutes, watched_paths(), lock, auto=auto)
            warm_up()
            server.imported()
            # Objects made by the imports are never freed: keep the collector off
            # them, so that children neither scan nor copy them (copy on write).
            gc.freeze()
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            server.serve(started=lambda: stamp.unlink(missing_ok=True))
    except Exception:
        with contextlib.suppress(OSError):
            stamp.touch(mode=0o600)
        raise


@click.group("server")
def server() -> None:
    """A server that keeps the ledger imported, so commands start fast.

    While it runs, `ledger` hands each command to it and the command runs in a
    fresh process forked from it: the same output, exit status and files, in a
    fraction of the start-up time. It holds no data and no connection. It is
    this user's only, for this installation; set LEDGER_SERVER=off to run a
    command without it, or LEDGER_SERVER=auto to have a command that finds none
    start one (it stops after an idle hour).
    """


@server.command("start")
@click.option(
    "--idle",
    "idle_minutes",
    type=click.FloatRange(min=1),
    default=DEFAULT_IDLE_MINUTES,
    show_default=True,
    help="Stop after this many minutes without a command.",
)
def start(idle_minutes: float) -> None:
    """Start this user's server in the background (nothing happens if it runs)."""
    folder = prepare_run_directory()
    running = ask({"ask": "status"})
    if running is not None and running.get("code_current"):
        click.echo(f"A ledger server is running already (pid {running['pid']}).")
        return
    if running is not None:
        # Of code changed since: it would keep its lock, and the socket, until a
        # command came; the new server imports the code as it is now.
        ask({"ask": "stop"})
    log = folder / "server.log"
    with log.open("ab") as output:
        log.chmod(0o600)
        subprocess.Popen(
            [sys.executable, "-m", "commands.server", "--idle", str(idle_minutes)],
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        answer = ask({"ask": "status"})
        if answer is not None and answer.get("code_current"):
            click.echo(
                f"Ledger server started (pid {answer['pid']}): commands from this "
                f"installation run in it until `ledger server stop` or "
                f"{idle_minutes:g} minutes without one."
            )
            return
        time.sleep(0.05)
    raise click.ClickException(f"the ledger server did not start: see {log}")


def starting(environ: dict[str, str] | None = None) -> bool:
    """Whether a server holds the socket's lock (of the user `environ` describes).
    One that holds it and does not answer is importing the ledger (or stopping for
    changed code)."""
    return server_holds_lock(socket_path(environ))


def ask_once_up(request: dict[str, Any]) -> dict[str, Any] | None:
    """`ask`, waiting for a server that is starting (one `LEDGER_SERVER=auto` has
    just started, say) rather than answering that none runs."""
    answer = ask(request)
    deadline = time.monotonic() + START_TIMEOUT
    while answer is None and starting() and time.monotonic() < deadline:
        time.sleep(0.05)
        answer = ask(request)
    return answer


@server.command("stop")
def stop() -> None:
    """Stop this user's server (commands already running finish)."""
    answer = ask_once_up({"ask": "stop"})
    if answer is None:
        click.echo("No ledger server is running.")
        return
    click.echo(f"Ledger server stopped (pid {answer['stopping']}).")


@server.command("status")
def status() -> None:
    """Whether this user's server runs, since when, and how many commands it ran."""
    answer = ask_once_up({"ask": "status"})
    if answer is None:
        click.echo("No ledger server is running: commands start their own process.")
        return
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(answer["started"]))
    code = "current" if answer["code_current"] else "changed on disk (stops at the next command)"
    click.echo(
        f"Ledger server running (pid {answer['pid']}) since {since}: "
        f"{answer['served']} commands run, {answer['running']} running now; code {code}; "
        f"stops after {answer['idle_minutes']:g} idle minutes."
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="The ledger server (`ledger server start`).")
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE_MINUTES)
    parser.add_argument("--auto", action="store_true", help="started by LEDGER_SERVER=auto")
    options = parser.parse_args()
    # `-m` put the working folder ("/") first on the module path: it holds no code
    # of ours, and watched as code, any file made there would stop the server.
    if sys.path and sys.path[0] == str(Path.cwd()):
        del sys.path[0]
    run_server(options.idle, auto=options.auto)
