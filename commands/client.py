"""The `ledger` program's entry point: a command goes to this installation's ledger
server when one is running (`ledger server start`), and runs here otherwise.

A new Python process pays for its imports before it does anything: about two
thirds of an everyday command's time (benchmarks/README.md, "Start-up"). The
server has paid them once; for each command it forks a process of its own, which
takes over this process's standard input, output and error (passed over the
socket, with any other descriptor its caller gave it), its working directory,
environment, umask, resource limits and priority, runs the command as `cli`
would here, and sends back the exit status.
Output, terminal detection, prompts and pipes behave as if the command ran here
(docs/decisions.md, "Start-up: a warm server").

This module imports only the standard library's socket support: a command that
finds no server loses well under a millisecond before it runs here as before.
Anything that goes wrong before the server has started the command (no server,
a server of other code, a socket that is not ours) falls back to running here;
once started, the command's status is the server's answer.
"""

# Paths are strings here, not pathlib's: importing pathlib would cost a command
# that finds no server more than all of this module.
# ruff: noqa: PTH103, PTH109, PTH116, PTH117, PTH118, PTH120, PTH208

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import socket
import stat
import struct
import sys
import zlib
from typing import Any

# Bumped when a message changes shape: a client and a server that disagree never talk.
PROTOCOL = 4
# Descriptors a command may be handed: the standard three and those its caller
# opened for it (`inherited_descriptors`). A process given more runs its command
# itself.
MOST_DESCRIPTORS = 64
# Set to "off" to run every command in its own process, server or not; to "auto"
# to have a command that finds no server start one for the commands after it.
SWITCH = "LEDGER_SERVER"
SWITCH_OFF = ("off", "0", "no", "false")
SWITCH_ON = ("", "on", "1", "yes", "true")
SWITCH_AUTO = "auto"
# A server started by `auto`, not by the user, stops sooner when left unused.
AUTO_IDLE_MINUTES = 60
# Left in the socket folder by a server that failed to start: for this long, `auto`
# starts none (each would fail alike, at a whole start's cost to the machine).
FAILED_STAMP = "server.failed"
AUTO_RETRY_AFTER = 600.0
# A log of failed starts is cut short rather than left to grow.
LOG_LIMIT = 1 << 20
# Each message: its length as 4 bytes, then the message in `marshal`'s format (the
# peer is always a process of the same user, checked; nothing else is trusted).
_LENGTH = struct.Struct("!I")
# The socket's path must fit `sockaddr_un` (108 bytes with its terminating zero).
LONGEST_PATH = 100
# Signals sent to the client that go on to the command's process (`_wait`).
PASSED_ON = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# The code a server runs: a change to any of it means a new server.
CODE = ("cli.py", "commands", "demo", "ledger", "projections")


def code_root() -> str:
    """The folder holding `cli.py` and the packages of this installation."""
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def installation() -> list[str]:
    """What a server must share with a client to run its commands as the client
    would: the interpreter (its environment and version, so that `python` and
    `python3` of one virtual environment share a server), its flags, the code's
    place and the module path. The server compares it whole; the socket's name
    only hashes it."""
    return [
        sys.prefix,
        sys.base_prefix,
        sys.version,
        repr(sys.flags),
        code_root(),
        os.environ.get("PYTHONPATH", ""),
    ]


def run_directory(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """Where this user's servers keep their sockets: `$XDG_RUNTIME_DIR/ledger` (the
    session's own folder), else `/tmp/ledger-UID`; either must be a folder of this
    user's that no one else may enter (`private_folder`)."""
    environ = os.environ if environ is None else environ
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        return os.path.join(runtime, "ledger")
    return f"/tmp/ledger-{os.getuid()}"


def socket_path(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """This installation's server socket for the user."""
    key = zlib.crc32("\0".join(installation()).encode())
    return os.path.join(run_directory(environ), f"server-{key:08x}.sock")


def private_folder(folder: str) -> bool:
    """Whether `folder` is a real folder (not a link) owned by this user, closed to
    everyone else: only then is a socket in it surely a server of this user's."""
    try:
        found = os.lstat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and found.st_mode & 0o077 == 0
    )


def peer_uid(connection: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (Linux)."""
    return peer_credentials(connection)[1]


def peer_credentials(connection: socket.socket) -> tuple[int, int, int]:
    """The process id, user id and group id of the process at the other end."""
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    pid, uid, gid = struct.unpack("3i", credentials)
    return int(pid), int(uid), int(gid)


def send_message(connection: socket.socket, message: dict[str, Any]) -> None:
    body = marshal.dumps(message)
    connection.sendall(_LENGTH.pack(len(body)) + body)


def receive_message(connection: socket.socket, start: bytes = b"") -> dict[str, Any] | None:
    """The next message, None if the other end closed first; `start` holds bytes
    already read. Reads no byte past the message: the next one (a command's exit
    status right after its start) may already be waiting behind it."""
    buffer = bytearray(start)
    if not _read_to(connection, buffer, _LENGTH.size):
        return None
    (length,) = _LENGTH.unpack_from(buffer)
    if not _read_to(connection, buffer, _LENGTH.size + length):
        return None
    message = marshal.loads(bytes(buffer[_LENGTH.size : _LENGTH.size + length]))
    if not isinstance(message, dict):
        raise ValueError("not a message")
    return message


def _read_to(connection: socket.socket, buffer: bytearray, size: int) -> bool:
    """Read into `buffer` until it holds `size` bytes; False if the other end closed."""
    while len(buffer) < size:
        chunk = connection.recv(min(size - len(buffer), 1 << 20))
        if not chunk:
            return False
        buffer += chunk
    return True


def inherited_descriptors() -> list[int]:
    """The descriptors above the standard three that this process's caller opened
    for it (a shell's `3>heads.txt`, a `<(...)` read as /dev/fd/63): those without
    close-on-exec, as every descriptor a new program inherits is. The command may
    name them (`/dev/fd/3`), so its process must hold them under the same
    numbers (commands/server_child.py, `adopt_descriptors`)."""
    import fcntl

    found = []
    for name in os.listdir("/proc/self/fd"):
        descriptor = int(name)
        if descriptor <= 2:
            continue
        try:
            flags = fcntl.fcntl(descriptor, fcntl.F_GETFD)
        except OSError:
            continue  # the listing's own, closed by now
        if not flags & fcntl.FD_CLOEXEC:
            found.append(descriptor)
    return sorted(found)


def _request(arguments: list[str], descriptors: list[int]) -> dict[str, Any] | None:
    """What the server needs to run the command as this process would (None when
    this process cannot hand it over: a standard stream closed)."""
    streams = []
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if stream is None:
            return None
        # As Python made it at start-up (commands/server.py `_stream`).
        streams.append(
            [
                stream.encoding,
                stream.errors,
                bool(stream.line_buffering),
                bool(getattr(stream, "write_through", False)),
            ]
        )
    umask = os.umask(0)
    os.umask(umask)
    # Imported only here, when a server answered.
    import resource

    limits = {
        name: resource.getrlimit(getattr(resource, name))
        for name in dir(resource)
        if name.startswith("RLIMIT_")
    }
    return {
        "protocol": PROTOCOL,
        "installation": installation(),
        "run": arguments,
        "cwd": os.getcwd(),
        "environ": dict(os.environ),
        "umask": umask,
        "limits": limits,
        "priority": os.getpriority(os.PRIO_PROCESS, 0),
        "streams": streams,
        "descriptors": descriptors,
        # A `nohup`, a `trap '' HUP` or a shell's background job ignores these: so
        # must the command (`_wait` leaves them ignored here too).
        "ignored": [int(s) for s in PASSED_ON if signal.getsignal(s) == signal.SIG_IGN],
    }


def connect(path: str) -> socket.socket | None:
    """A connection to the server at `path`, if one of this user's answers there
    (the folder private, the peer this user); None otherwise."""
    if len(path) > LONGEST_PATH or not private_folder(os.path.dirname(path)):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
        if peer_uid(connection) != os.getuid():
            raise OSError("the socket's server is another user's")
    except OSError:
        connection.close()
        return None
    return connection


def switch_setting() -> str:
    """`LEDGER_SERVER` as set, in one spelling."""
    return os.environ.get(SWITCH, "").strip().lower()


def server_holds_lock(path: str) -> bool:
    """Whether a server holds the lock of the socket at `path`: one that does not
    answer yet is importing the ledger (or stopping for changed code)."""
    import fcntl

    try:
        descriptor = os.open(f"{path}.lock", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(descriptor)
    return False


def run_on_server(arguments: list[str]) -> int | None:
    """Run the command on this installation's server; its exit status, or None if
    it was not started there (the caller then runs it here)."""
    switch = switch_setting()
    if switch in SWITCH_OFF:
        return None
    path = socket_path()
    connection = connect(path)
    if connection is None:
        # Not for `ledger server ...`: `server stop` would start one again.
        if switch == SWITCH_AUTO and "server" not in arguments:
            start_in_background(path)
        return None
    with connection:
        try:
            descriptors = [0, 1, 2, *inherited_descriptors()]
            if len(descriptors) > MOST_DESCRIPTORS:
                return None
            request = _request(arguments, descriptors)
            if request is None:
                return None
            body = marshal.dumps(request)
            framed = _LENGTH.pack(len(body)) + body
            sent = socket.send_fds(connection, [framed], descriptors)
            connection.sendall(framed[sent:])
            answer = receive_message(connection)
        except (OSError, ValueError):
            return None
        if answer is None or "started" not in answer:
            return None  # refused (a server of older code) or gone: nothing ran
        return _wait(connection, int(answer["started"]))


def start_in_background(path: str) -> None:
    """Start a server for the commands after this one (`LEDGER_SERVER=auto`), as
    `ledger server start --idle AUTO_IDLE_MINUTES` would, without waiting for it:
    this command runs here meanwhile.

    Nothing is started when it could not serve: a socket folder not private or not
    writable, a socket path too long, a start that failed lately (`FAILED_STAMP`),
    or a command run with a lower priority than the usual (`nice`), whose server
    could serve no command of normal priority. Nor when a server is starting
    already (it holds the socket's lock while it imports); two clients racing both
    start one, and the second to take the lock leaves."""
    import time

    folder = os.path.dirname(path)
    if len(path) > LONGEST_PATH or os.getpriority(os.PRIO_PROCESS, 0) > 0:
        return
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not private_folder(folder) or not os.access(folder, os.W_OK | os.X_OK):
            return
        with contextlib.suppress(FileNotFoundError):
            if time.time() - os.stat(os.path.join(folder, FAILED_STAMP)).st_mtime < (
                AUTO_RETRY_AFTER
            ):
                return
        if server_holds_lock(path):
            return  # starting, or stopping for new code
        log = os.open(
            os.path.join(folder, "server.log"),
            os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC,
            0o600,
        )
        if os.fstat(log).st_size > LOG_LIMIT:
            os.truncate(log, 0)
    except OSError:
        return
    command = [sys.executable, "-m", "commands.server", "--idle", str(AUTO_IDLE_MINUTES), "--auto"]
    try:
        pid = os.fork()
    except OSError:
        os.close(log)
        return
    if pid == 0:  # the child: its only work is to start the server
        try:
            # Its own session, away from this terminal's Ctrl-C and hang-up; the root
            # folder, so that neither a folder it would pin nor a `commands` package
            # in this one is used. Forked twice, so that no process of this command
            # is left to collect its exit status.
            os.setsid()
            if os.fork() == 0:
                os.chdir("/")
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(log, 1)
                os.dup2(log, 2)
                # Nothing else of this command's: a pipe end inherited from its
                # caller, held for an hour, would keep the reader from ever ending.
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                os.execv(sys.executable, command)
        finally:
            os._exit(0)
    os.close(log)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


def _wait(connection: socket.socket, pid: int) -> int:
    """Wait for the command's exit status; an interrupt from the terminal, or a
    request to stop or to suspend, goes on to the process that runs it."""
    forwarded: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        forwarded.append(signum)
        with contextlib.suppress(OSError):  # it has ended already
            os.kill(pid, signum)

    def suspend(_signum: int, _frame: object) -> None:
        # Ctrl-Z stops the command with this process. The process that runs it is
        # not in the terminal's session, where a SIGTSTP would be ignored: it is
        # stopped outright, and continued when this process is.
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGSTOP)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)
        signal.signal(signal.SIGTSTP, suspend)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGCONT)

    for signum in PASSED_ON:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, forward)
    signal.signal(signal.SIGTSTP, suspend)
    while True:
        try:
            answer = receive_message(connection)
        except InterruptedError:
            continue
        except OSError:
            answer = None
        if answer is None and forwarded:
            # It ended of the signal passed on: so does this process, with the
            # status the shell would have seen had the command run here.
            signal.signal(forwarded[-1], signal.SIG_DFL)
            os.kill(os.getpid(), forwarded[-1])
        if answer is None:
            # The process was killed before it could answer: what it did is on
            # record or not, as with any command killed half-way.
            print(
                "Error: the ledger server's process for this command ended without an "
                "exit status (it was killed?): check what was recorded before running "
                "the command again",
                file=sys.stderr,
            )
            return 1
        if "exit" in answer:
            return int(answer["exit"])


def main() -> None:
    if switch_setting() not in (*SWITCH_OFF, *SWITCH_ON, SWITCH_AUTO):
        print(
            f"Error: {SWITCH}={os.environ[SWITCH]!r} is not a setting: use on (the "
            "server when one runs), off or auto (start one when none runs)",
            file=sys.stderr,
        )
        sys.exit(2)
    status = run_on_server(sys.argv[1:])
    if status is None:
        from cli import main as run_here

        run_here()
        return
    sys.exit(status)


if __name__ == "__main__":
    main()
