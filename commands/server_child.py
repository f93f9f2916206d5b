"""The child of `ledger server` that runs one command: it becomes the client's
process as far as the command can tell (its standard streams, folder,
environment, umask, limits and priority), runs `cli.main`, and sends back the exit
status (commands/server.py; docs/decisions.md, "Start-up: a warm server")."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import io
import os
import resource
import signal
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn, TextIO

from commands.client import send_message


def adopt_descriptors(
    connection: socket.socket, numbers: list[int], fds: list[int]
) -> socket.socket:
    """Put each descriptor the client sent (`fds`, as received) under the number it
    had there (`numbers`: the standard three, and any its caller opened for it),
    so that the command finds them where the client's process had them, `/dev/fd/N`
    included. Whatever of this process's own sits on those numbers gives way; the
    connection to the client, which may be one of them, is moved above them all
    and returned anew."""
    above = max([*numbers, *fds, connection.fileno()]) + 1
    moved = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, above) for fd in fds]
    kept = fcntl.fcntl(connection.fileno(), fcntl.F_DUPFD_CLOEXEC, above)
    for fd in fds:
        os.close(fd)
    connection.close()
    for number, fd in zip(numbers, moved, strict=True):
        os.dup2(fd, number)  # inheritable, as in the client's process
        os.close(fd)
    return socket.socket(fileno=kept)


def run_command(connection: socket.socket, request: dict[str, Any]) -> int:
    """In the child: become the client's process as far as the command can tell,
    tell the client it has started, and run it; its exit status."""
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # What the client's caller ignores, the command ignores, as a new interpreter
    # keeps an ignored SIGINT ignored.
    for signum in request.get("ignored", ()):
        signal.signal(signum, signal.SIG_IGN)
    try:
        os.chdir(request["cwd"])
    except OSError:
        _refuse(connection, "the working folder is gone")
    try:
        _take_limits(request["limits"], request["priority"])
        _take_placement(int(request["peer"]))
    except (OSError, ValueError):
        _refuse(connection, "the client's resource limits, priority or place cannot be taken")
    os.environ.clear()
    os.environ.update(request["environ"])
    time.tzset()
    os.umask(int(request["umask"]))
    sys.argv = ["ledger", *request["run"]]
    sys.stdin, sys.stdout, sys.stderr = _streams(request["streams"])
    try:
        # Started before the command is: a process that may not start a thread (a
        # limit on processes) leaves the command to the client.
        threading.Thread(target=_end_with_client, args=(connection,), daemon=True).start()
    except RuntimeError:
        _refuse(connection, "no thread may be started")
    try:
        send_message(connection, {"started": os.getpid()})
    except OSError:
        os._exit(0)  # the client has gone: the command did not start, and no one waits
    status = _exit_status(connection)
    # The command's other threads, then what it registered to run at exit, as an
    # interpreter does before it ends.
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            status = status or 120  # as Python ends when its output cannot be written
    return status


def _refuse(connection: socket.socket, reason: str) -> NoReturn:
    """End before the command starts: the client runs it itself."""
    with contextlib.suppress(OSError):  # the client may have gone too
        send_message(connection, {"refused": reason})
    os._exit(0)


def _take_limits(limits: dict[str, tuple[int, int]], priority: int) -> None:
    """The client's resource limits (`ulimit`) and priority (`nice`): a command
    runs within them as it would in the client's process. A limit above the
    server's own hard limit, or a higher priority, cannot be taken (OSError)."""
    for name, (soft, hard) in limits.items():
        limit = getattr(resource, name, None)
        if limit is not None and resource.getrlimit(limit) != (soft, hard):
            resource.setrlimit(limit, (soft, hard))
    if os.getpriority(os.PRIO_PROCESS, 0) != priority:
        os.setpriority(os.PRIO_PROCESS, 0, priority)


def memory_limited(limits: dict[str, tuple[int, int]]) -> bool:
    """Whether the client limits its memory (`ulimit -v`, `-d`): the command's
    process, a fork of the warm server, starts with the server's whole address
    space, far more than a new process, and would fail where the client's own
    process succeeds. Such a command runs in the client's process."""
    return any(
        limits.get(name, (resource.RLIM_INFINITY,))[0] != resource.RLIM_INFINITY
        for name in ("RLIMIT_AS", "RLIMIT_DATA")
    )


def _take_placement(client: int) -> None:
    """Run where the client's process runs: on its CPUs (`taskset`), at its I/O
    priority (`ionice`), in its control group. The first two are taken; a control
    group cannot be joined (nor, where the I/O priority cannot be read, can it be
    compared): OSError, and the client runs the command itself."""
    cpus = os.sched_getaffinity(client)
    if cpus != os.sched_getaffinity(0):
        os.sched_setaffinity(0, cpus)
    if Path(f"/proc/{client}/cgroup").read_text() != Path("/proc/self/cgroup").read_text():
        raise OSError("the client runs in another control group")
    wanted = _io_priority(client)
    if wanted != _io_priority(0):
        _set_io_priority(wanted)


# ioprio_set and ioprio_get (Linux has no other way to them; Python has none).
_IOPRIO_CALLS = {"x86_64": (251, 252), "aarch64": (30, 31)}
_IOPRIO_WHO_PROCESS = 1


@functools.cache
def _io_calls() -> tuple[Any, tuple[int, int]]:
    """The C library and the two calls' numbers, found once per process (a child
    reads its client's I/O priority, compares it with its own and may set it)."""
    import ctypes  # imported by the warm server already (ledger/imports/workers.py)

    calls = _IOPRIO_CALLS.get(os.uname().machine)
    if calls is None:
        raise OSError("the I/O priority cannot be read on this machine")
    return ctypes.CDLL(None, use_errno=True), calls


def _io_priority(pid: int) -> int:
    libc, (_set, get) = _io_calls()
    value = int(libc.syscall(get, _IOPRIO_WHO_PROCESS, pid))
    if value < 0:
        raise OSError("the I/O priority cannot be read")
    return value


def _set_io_priority(value: int) -> None:
    libc, (set_, _get) = _io_calls()
    if libc.syscall(set_, _IOPRIO_WHO_PROCESS, 0, value) < 0:
        raise OSError("the I/O priority cannot be taken")


def limits_within_reach(limits: dict[str, tuple[int, int]], priority: int) -> bool:
    """Whether a process of this one's can take the client's limits and priority
    (`_take_limits`): no hard limit above this process's own, no priority higher
    (a lower niceness) than its own."""

    def ceiling(value: int) -> float:
        return float("inf") if value == resource.RLIM_INFINITY else value

    for name, (_soft, hard) in limits.items():
        limit = getattr(resource, name, None)
        if limit is not None and ceiling(hard) > ceiling(resource.getrlimit(limit)[1]):
            return False
    return priority >= os.getpriority(os.PRIO_PROCESS, 0)


def _end_with_client(connection: socket.socket) -> None:
    """End the command when its client ends first (killed, say), as it would have
    ended had it run in the client's process, instead of running on unseen (a
    `projections run` for ever). The client sends nothing after its request, so
    a read returns only when it has gone."""
    # Signals are the main thread's to take. One the kernel handed to this thread
    # (blocked in `recv`) could go unnoticed by the command: an interrupt passed on
    # by the client was lost about one time in ten.
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    with contextlib.suppress(OSError):
        connection.recv(1)
    os.kill(os.getpid(), signal.SIGKILL)


def _exit_status(connection: socket.socket) -> int:
    from cli import main

    try:
        main()
    except SystemExit as exit:
        code = exit.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code & 0xFF
        print(code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 128 + signal.SIGINT
    except BaseException:  # as the interpreter would: a traceback, status 1
        traceback.print_exc()
        return 1
    return 0


def _streams(settings: list[list[Any]]) -> tuple[TextIO, TextIO, TextIO]:
    """Text streams over descriptors 0-2 with the client's encodings and buffering."""
    stdin, stdout, stderr = (_stream(fd, setting) for fd, setting in enumerate(settings))
    return stdin, stdout, stderr


NAMES = ("<stdin>", "<stdout>", "<stderr>")


def _stream(fd: int, setting: list[Any]) -> TextIO:
    """Standard stream `fd` as the client's interpreter made it at start-up: newlines
    left as they are, output line by line or in blocks as there (stderr always
    line by line; a terminal's output too), unbuffered with `python -u` or
    PYTHONUNBUFFERED (`write_through`; input is buffered even then)."""
    encoding, errors, line_buffering, write_through = setting
    writes = fd > 0
    binary = open(  # noqa: SIM115 - the command's stream until the process ends
        fd, "wb" if writes else "rb", buffering=0 if writes and write_through else -1, closefd=False
    )
    raw: Any = getattr(binary, "raw", binary)
    raw.name = NAMES[fd]
    return io.TextIOWrapper(
        binary,
        encoding=encoding,
        errors=errors,
        newline="\n",
        line_buffering=line_buffering,
        write_through=write_through,
    )
