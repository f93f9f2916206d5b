"""`ledger server`: a command handed to the warm server behaves as the same
command in a process of its own (output, errors, exit status, what it records),
and anything amiss before it starts there makes the client run it itself."""

from __future__ import annotations

import marshal
import os
import pty
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commands import client, server_child
from commands.server import Server, code_fingerprint, server_lock, starting

CLIENT = [sys.executable, "-m", "commands.client"]
SHOWCASE = "C-00001"
OWNER = "liu.yang"
CALL = ("--channel", "phone", "--direction", "outbound")


def ledger(
    environ: dict[str, str],
    *args: str,
    server: bool = True,
    switch: str | None = None,
    before: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS` as a user starts it: through the client, which uses the
    server when one runs (`server=False`: never; `switch`: LEDGER_SERVER set so);
    `before` runs in its process first."""
    env = dict(environ, LEDGER_SERVER=switch or ("on" if server else "off"))
    return subprocess.run(
        [*CLIENT, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        preexec_fn=before,
    )


@pytest.fixture
def run_dir() -> Iterator[Path]:
    """A private folder for the sockets with a name short enough for one (the
    test's own temporary folder can be too long)."""
    folder = Path(tempfile.mkdtemp(prefix="lsrv", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def plain(run_dir: Path, isolated_home: Path) -> Iterator[dict[str, str]]:
    """The environment of a user with the sockets in `run_dir`, and no ledger named;
    any server started for it is stopped afterwards, whatever the test did."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(XDG_RUNTIME_DIR=str(run_dir), LEDGER_HOME=str(isolated_home))
    yield env
    ledger(env, "server", "stop", server=False)


@pytest.fixture
def environ(plain: dict[str, str], db_url: str) -> dict[str, str]:
    """`plain` with a small demo ledger on each backend."""
    env = dict(plain, LEDGER_DATABASE_URL=db_url)
    loaded = ledger(env, "demo", "--customers", "3", server=False)
    assert loaded.returncode == 0, loaded.stderr
    return env


def start_server(environ: dict[str, str]) -> Iterator[dict[str, str]]:
    started = ledger(environ, "server", "start", server=False)
    assert started.returncode == 0, started.stderr
    assert "Ledger server started" in started.stdout
    yield environ
    ledger(environ, "server", "stop", server=False)


@pytest.fixture
def served(environ: dict[str, str]) -> Iterator[dict[str, str]]:
    """A server running for `environ`'s user, stopped afterwards."""
    yield from start_server(environ)


@pytest.fixture
def served_plain(plain: dict[str, str]) -> Iterator[dict[str, str]]:
    yield from start_server(plain)


def server_pid(environ: dict[str, str]) -> int:
    answer = ledger(environ, "server", "status", server=False).stdout
    return int(answer.split("(pid ", 1)[1].split(")", 1)[0])


def served_count(environ: dict[str, str]) -> int:
    answer = ledger(environ, "server", "status", server=False).stdout
    assert "Ledger server running" in answer, answer
    return int(answer.split(": ", 1)[1].split(" commands run")[0])


COMMANDS = [
    ("--as", OWNER, "customer", "show", SHOWCASE),
    ("--as", OWNER, "history", SHOWCASE, "--format", "csv"),
    ("--as", OWNER, "todo"),
    ("--as", OWNER, "brief", SHOWCASE),
    ("--as", "li.wei", "sla", "breaches"),
    ("--as", OWNER, "customer", "show", "C-99999"),  # no such customer: exit 1
    ("--as", "nobody", "todo"),  # no such account: refused
    ("--as", OWNER, "contact", "log", SHOWCASE, "--channel", "pigeon", "--summary", "x"),
    ("customer",),  # a group without a command: its help, exit 2
    ("--help",),
]


def test_commands_on_the_server_answer_as_in_processes_of_their_own(
    served: dict[str, str],
) -> None:
    before = served_count(served)
    differences = []

    for args in COMMANDS:
        alone = ledger(served, *args, server=False)
        warm = ledger(served, *args)
        if (warm.returncode, warm.stdout, warm.stderr) != (
            alone.returncode,
            alone.stdout,
            alone.stderr,
        ):
            differences.append((args, alone, warm))

    assert differences == []
    assert served_count(served) == before + len(COMMANDS)  # the status is asked from here


def test_a_write_through_the_server_is_recorded_once(served: dict[str, str]) -> None:
    summary = "Called about the server's first write."

    logged = ledger(served, "--as", OWNER, "contact", "log", SHOWCASE, *CALL, "--summary", summary)

    assert logged.returncode == 0, logged.stderr
    assert logged.stdout.startswith("Contact logged: C-00001")
    history = ledger(served, "--as", OWNER, "history", SHOWCASE, "--format", "csv", server=False)
    assert history.stdout.count(summary) == 1


def given_descriptor(
    environ: dict[str, str], server: bool, number: int, *args: str, prefix: str = ""
) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS PREFIX/dev/fd/NUMBER`, its caller having opened descriptor NUMBER
    for it (as a shell's `NUMBER>file` does)."""
    return subprocess.run(
        [*CLIENT, *args, f"{prefix}/dev/fd/{number}"],
        env=dict(environ, LEDGER_SERVER="on" if server else "off"),
        capture_output=True,
        text=True,
        pass_fds=(number,),
        check=False,
        timeout=120,
    )


def test_a_descriptor_its_caller_opened_is_the_commands_under_its_number(
    served: dict[str, str], tmp_path: Path
) -> None:
    """`ledger audit digest --heads /dev/fd/N N>heads.txt`: the heads go to the
    caller's file, as they do without a server, and nothing else is touched (the
    command's process once opened its own descriptor N, the ledger's database)."""

    def digest(server: bool) -> tuple[int, str, bytes]:
        heads = tmp_path / f"heads-{server}.txt"
        with heads.open("wb") as output:
            number = output.fileno()
            done = given_descriptor(
                served, server, number, "--as", "he.ping", "audit", "digest", "--heads"
            )
        return done.returncode, done.stdout, heads.read_bytes()

    alone = digest(server=False)
    before = served_count(served)
    warm = digest(server=True)

    assert alone[0] == 0 and alone[2]
    assert warm == alone
    assert served_count(served) == before + 1  # it was served
    after = ledger(served, "--as", OWNER, "customer", "show", SHOWCASE)
    assert after.returncode == 0, after.stderr


def test_a_file_its_caller_opened_is_read_by_the_command(
    served: dict[str, str], tmp_path: Path
) -> None:
    """`ledger import contacts=/dev/fd/N N<calls.csv`: the command reads the
    caller's file, as it would without a server."""
    calls = tmp_path / "calls.csv"
    calls.write_text("customer,contact_id,occurred_at,staff,channel,direction,summary\n")

    def dry_run(server: bool) -> tuple[int, str, str]:
        with calls.open("rb") as given:
            done = given_descriptor(
                served, server, given.fileno(), "--as", "guo.ming", "import", "--dry-run",
                prefix="contacts=",
            )  # fmt: skip
        return done.returncode, done.stdout, done.stderr

    alone = dry_run(server=False)
    before = served_count(served)

    assert dry_run(server=True) == alone
    assert alone[0] == 0 and "0 imported" in alone[1]
    assert served_count(served) == before + 1


def test_commands_sent_at_once_all_run_and_are_all_recorded(served: dict[str, str]) -> None:
    env = dict(served, LEDGER_SERVER="on")
    running = [
        subprocess.Popen(
            [
                *CLIENT,
                "--as",
                OWNER,
                "contact",
                "log",
                SHOWCASE,
                *CALL,
                "--summary",
                f"Call {n} of 6",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(1, 7)
    ]
    answers = [process.communicate(timeout=120) for process in running]

    assert [process.returncode for process in running] == [0] * 6, answers
    versions = {out.rsplit("version ", 1)[1].strip(" .\n") for out, _ in answers}
    assert len(versions) == 6
    history = ledger(served, "--as", OWNER, "history", SHOWCASE, "--format", "csv", server=False)
    assert all(history.stdout.count(f"Call {n} of 6") == 1 for n in range(1, 7))


def test_a_command_on_a_terminal_sees_the_terminal(served: dict[str, str]) -> None:
    """Output to a terminal is a terminal's (the width, line by line) on the
    server as in a process of its own."""

    def on_terminal(server: bool) -> bytes:
        env = dict(served, LEDGER_SERVER="on" if server else "off", COLUMNS="100")
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [*CLIENT, "--as", OWNER, "todo"], env=env, stdout=follower, stderr=follower
        )
        os.close(follower)
        output = bytearray()
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            output += chunk
        os.close(leader)
        assert process.wait(timeout=60) == 0
        return bytes(output)

    alone = on_terminal(server=False)
    assert b"Work list of liu.yang" in alone
    assert on_terminal(server=True) == alone


def long_command_on_the_server(
    environ: dict[str, str],
    folder: Path,
    customers: int = 2000,
    before: Callable[[], object] | None = None,
) -> subprocess.Popen[str]:
    """A demo of `customers` loading through the server, some seconds in; `before`
    runs in the client's process first."""
    env = dict(environ, LEDGER_SERVER="on", LEDGER_DATABASE_URL=str(folder / "big.db"))
    process = subprocess.Popen(
        [*CLIENT, "demo", "--customers", str(customers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=before,
    )
    time.sleep(2)
    return process


def test_an_interrupt_from_the_terminal_reaches_the_command(
    served_plain: dict[str, str], tmp_path: Path
) -> None:
    process = long_command_on_the_server(served_plain, tmp_path)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)

    assert process.returncode == 1
    assert err.strip().endswith("Aborted!")


def test_a_command_killed_on_the_server_is_reported_in_one_line(
    served_plain: dict[str, str], tmp_path: Path
) -> None:
    process = long_command_on_the_server(served_plain, tmp_path)
    pid = server_pid(served_plain)
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children  # the demo's process
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    _out, err = process.communicate(timeout=60)

    assert process.returncode == 1
    assert err.strip().splitlines()[-1].startswith("Error: the ledger server's process")


def follow_the_log(
    environ: dict[str, str], before: Callable[[], object] | None = None
) -> subprocess.Popen[str]:
    """`ledger projections run` through the server: a command that runs until it
    is stopped, started once it says so; `before` runs in the client's process first."""
    following = subprocess.Popen(
        [*CLIENT, "--as", "guo.ming", "projections", "run"],
        env=dict(environ, LEDGER_SERVER="on"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=before,
    )
    assert following.stderr is not None
    assert following.stderr.readline().startswith("Following the log")
    return following


def test_a_server_starts_again_while_a_command_of_the_last_one_runs(
    served: dict[str, str],
) -> None:
    following = follow_the_log(served)
    try:
        stopped = ledger(served, "server", "stop", server=False)
        started = ledger(served, "server", "start", server=False)
    finally:
        following.send_signal(signal.SIGINT)
        following.communicate(timeout=60)

    assert stopped.returncode == 0
    assert (started.returncode, started.stderr) == (0, "")
    assert "Ledger server started" in started.stdout


def server_children(environ: dict[str, str]) -> list[str]:
    pid = server_pid(environ)
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def test_a_command_ends_when_its_client_is_killed(served: dict[str, str]) -> None:
    following = follow_the_log(served)
    assert len(server_children(served)) == 1

    following.kill()
    following.communicate(timeout=60)

    wait_until(lambda: not server_children(served))
    assert server_children(served) == []


def test_a_command_stopped_by_a_signal_ends_its_client_by_that_signal(
    served_plain: dict[str, str], tmp_path: Path
) -> None:
    process = long_command_on_the_server(served_plain, tmp_path)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)

    assert process.returncode == -signal.SIGTERM  # as the shell shows a command killed so
    assert "Error:" not in err


def test_a_client_that_never_sends_holds_up_others_for_seconds_only(
    served_plain: dict[str, str],
) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.connect(client.socket_path(served_plain))
        ran = subprocess.run(
            [*CLIENT, "--help"],
            env=dict(served_plain, LEDGER_SERVER="on"),
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )

    assert ran.returncode == 0 and "Event-sourced" in ran.stdout


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Until `condition` holds, or `seconds` have passed (the caller asserts)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def process_state(pid: str) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_command_is_suspended_and_continued_with_its_client(served: dict[str, str]) -> None:
    following = follow_the_log(served)
    (command,) = server_children(served)
    try:
        following.send_signal(signal.SIGTSTP)  # Ctrl-Z
        wait_until(lambda: process_state(command) == "T")
        suspended = process_state(command)
        following.send_signal(signal.SIGCONT)  # `fg`
        wait_until(lambda: process_state(command) != "T")
        continued = process_state(command)
    finally:
        following.send_signal(signal.SIGINT)
        following.communicate(timeout=60)

    assert suspended == "T"
    assert continued != "T"
    assert following.returncode == 0


def test_a_command_suspended_with_its_client_ends_when_the_client_is_killed(
    served: dict[str, str],
) -> None:
    """Ctrl-Z, then `kill -9` of the client: the stopped command cannot see its
    client go, and would hold its locks for ever; the server ends it."""
    following = follow_the_log(served)
    (command,) = server_children(served)
    following.send_signal(signal.SIGTSTP)  # Ctrl-Z
    wait_until(lambda: process_state(command) == "T")
    assert process_state(command) == "T"

    following.kill()
    following.communicate(timeout=60)

    wait_until(lambda: not server_children(served))
    assert server_children(served) == []


def test_a_hang_up_its_caller_ignores_the_command_ignores(served: dict[str, str]) -> None:
    """`nohup ledger projections run ...`, then the terminal goes: the command runs
    on, as it would in its own process."""

    def follow(server: bool) -> tuple[int, str]:
        following = subprocess.Popen(
            [*CLIENT, "--as", "guo.ming", "projections", "run", "--seconds", "2"],
            env=dict(served, LEDGER_SERVER="on" if server else "off"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
        )
        assert following.stderr is not None
        assert following.stderr.readline().startswith("Following the log")
        following.send_signal(signal.SIGHUP)
        _out, err = following.communicate(timeout=60)
        return following.returncode, err

    alone = follow(server=False)
    before = served_count(served)

    assert follow(server=True) == alone
    assert alone[0] == 0
    assert served_count(served) == before + 1


def test_an_interrupt_its_caller_ignores_the_command_ignores(
    served_plain: dict[str, str], tmp_path: Path
) -> None:
    """A script's background job ignores SIGINT (`ledger demo ... &`, then `kill
    -INT`): the command is not aborted, as it would not be in its own process."""
    loading = long_command_on_the_server(
        served_plain, tmp_path, 200, lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)
    )
    loading.send_signal(signal.SIGINT)
    _out, err = loading.communicate(timeout=120)

    assert loading.returncode == 0, err
    assert "Aborted" not in err
    assert served_count(served_plain) == 1


def test_a_command_runs_within_its_callers_resource_limits(
    served: dict[str, str], tmp_path: Path
) -> None:
    """`ulimit -f 16`: an export larger than 16 KiB to a file stops as it would."""

    def export(server: bool) -> tuple[int, bytes]:
        target = tmp_path / f"export-{server}.jsonl"
        _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        with target.open("wb") as output:
            done = subprocess.run(
                [*CLIENT, "--as", "he.ping", "export"],
                env=dict(served, LEDGER_SERVER="on" if server else "off"),
                stdout=output,
                stderr=subprocess.DEVNULL,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (16384, hard)),
                check=False,
                timeout=120,
            )
        return done.returncode, target.read_bytes()

    alone = export(server=False)

    assert alone[0] != 0
    assert len(alone[1]) <= 16384
    assert export(server=True) == alone


def test_a_command_whose_caller_limits_its_memory_runs_in_the_callers_process(
    served: dict[str, str],
) -> None:
    """`ulimit -v`: a fork of the warm server starts far larger than a new process,
    so the command runs in the client's own process, and works there."""
    before = served_count(served)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)

    shown = ledger(
        served,
        "--as",
        OWNER,
        "history",
        SHOWCASE,
        before=lambda: resource.setrlimit(resource.RLIMIT_AS, (2 << 30, hard)),
    )

    assert shown.returncode == 0, shown.stderr
    assert served_count(served) == before


def command_placement(served: dict[str, str], before: Callable[[], None]) -> tuple[str, int]:
    """The CPUs and I/O priority of a served command's process started so."""
    following = follow_the_log(served, before)
    try:
        (command,) = server_children(served)
        status = Path(f"/proc/{command}/status").read_text()
        cpus = status.split("Cpus_allowed_list:", 1)[1].split()[0]
        return cpus, server_child._io_priority(int(command))
    finally:
        following.send_signal(signal.SIGINT)
        following.communicate(timeout=60)


IDLE_IO = 3 << 13  # `ionice -c 3`: the idle class


def test_a_command_runs_on_its_callers_cpus_at_its_io_priority(served: dict[str, str]) -> None:
    """`taskset -c 0 ionice -c 3 ledger ...`: the command's process is placed so."""

    def pinned() -> None:
        os.sched_setaffinity(0, {0})
        server_child._set_io_priority(IDLE_IO)

    assert command_placement(served, pinned) == ("0", IDLE_IO)


def test_with_the_switch_off_no_command_goes_to_the_server(served: dict[str, str]) -> None:
    before = served_count(served)

    ran = ledger(served, "--as", OWNER, "todo", server=False)

    assert ran.returncode == 0
    assert served_count(served) == before


def test_a_socket_folder_others_may_enter_is_not_used(plain: dict[str, str]) -> None:
    folder = Path(plain["XDG_RUNTIME_DIR"]) / "ledger"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)

    refused = ledger(plain, "server", "start", server=False)
    ran = ledger(plain, "--help")

    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: ")
    assert "closed to other users" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert ran.returncode == 0 and "Event-sourced" in ran.stdout


def test_a_start_replaces_a_server_whose_code_changed(
    plain: dict[str, str], tmp_path: Path
) -> None:
    path = client.socket_path(plain)
    Path(path).parent.mkdir(mode=0o700)
    watched = tmp_path / "module.py"
    watched.write_text("A = 1\n")

    def old_server() -> None:
        with server_lock(path) as lock:
            Server(path, 1, [str(watched)], lock).serve()

    old = threading.Thread(target=old_server)
    old.start()
    wait_until(Path(path).exists)
    watched.write_text("A = 22\n")

    try:
        started = ledger(plain, "server", "start", server=False)
    finally:
        ledger(plain, "server", "stop", server=False)
        old.join(timeout=30)

    assert (started.returncode, started.stderr) == (0, "")
    assert "Ledger server started" in started.stdout
    assert not old.is_alive()


def test_an_idle_server_stops_and_removes_its_socket(plain: dict[str, str]) -> None:
    path = Path(client.socket_path(plain))
    server = subprocess.Popen(
        [sys.executable, "-m", "commands.server", "--idle", "0.02"], env=plain
    )
    wait_until(path.exists)
    assert path.exists()

    assert server.wait(timeout=30) == 0
    assert not path.exists()


# ----------------------------------------------- refusals, before anything runs
def _request_on(pair: tuple[socket.socket, socket.socket], **changes: object) -> None:
    """Send a client's request for `ledger --help` down one end of `pair`."""
    request = dict(client._request(["--help"], [0, 1, 2]) or {}, **changes)
    body = marshal.dumps(request)
    framed = client._LENGTH.pack(len(body)) + body
    sent = socket.send_fds(pair[0], [framed], [0, 1, 2])
    pair[0].sendall(framed[sent:])


def test_a_server_whose_code_changed_refuses_and_stops(tmp_path: Path) -> None:
    watched = tmp_path / "module.py"
    watched.write_text("A = 1\n")
    server = Server(str(tmp_path / "s.sock"), 1, [str(watched)])
    watched.write_text("A = 22\n")
    pair = socket.socketpair()
    _request_on(pair)

    keeps_serving = server._handle(pair[1])

    assert keeps_serving is False
    assert client.receive_message(pair[0]) == {"refused": "the code has changed"}
    assert server.children == set()


def test_a_request_whose_descriptors_did_not_all_come_is_refused(tmp_path: Path) -> None:
    watched = tmp_path / "module.py"
    watched.write_text("A = 1\n")
    server = Server(str(tmp_path / "s.sock"), 1, [str(watched)])
    pair = socket.socketpair()
    _request_on(pair, descriptors=[0, 1, 2, 9])  # only the standard three are sent

    assert server._handle(pair[1]) is True
    assert client.receive_message(pair[0]) == {"refused": "descriptors missing"}
    assert server.children == set()


def test_a_command_whose_client_has_gone_does_not_start(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    watched = tmp_path / "module.py"
    watched.write_text("A = 1\n")
    server = Server(str(tmp_path / "s.sock"), 1, [str(watched)])
    server.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    pair = socket.socketpair()
    _request_on(pair)
    pair[0].close()  # the client is killed once its request is sent

    assert server._handle(pair[1]) is True
    (child,) = server.children
    os.waitpid(child, 0)
    server.listener.close()

    assert capfd.readouterr() == ("", "")  # neither the command's help nor a traceback


def test_a_client_of_another_installation_is_refused(tmp_path: Path) -> None:
    watched = tmp_path / "module.py"
    watched.write_text("A = 1\n")
    server = Server(str(tmp_path / "s.sock"), 1, [str(watched)])
    pair = socket.socketpair()
    _request_on(pair, installation=["/another/python", "3.0"])

    keeps_serving = server._handle(pair[1])

    assert keeps_serving is True
    assert client.receive_message(pair[0]) == {"refused": "another installation"}
    assert server.children == set()


def test_the_code_fingerprint_sees_an_edit_a_new_file_and_a_removed_one(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("A = 1\n")
    watched = [str(tmp_path), str(module)]
    first = code_fingerprint(watched)

    module.write_text("A = 2\n")
    edited = code_fingerprint(watched)
    (tmp_path / "new.py").write_text("")
    added = code_fingerprint(watched)
    module.unlink()
    removed = code_fingerprint(watched)

    assert len({first, edited, added, removed}) == 4


def test_with_no_server_the_client_runs_the_command_itself(plain: dict[str, str]) -> None:
    ran = ledger(plain, "--help")

    assert ran.returncode == 0
    assert "Event-sourced customer-interaction ledger" in ran.stdout


def _status_when_up(environ: dict[str, str], seconds: float) -> str:
    """The server's status line once one answers, or the last answer after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        answer = ledger(environ, "server", "status", server=False).stdout
        if "Ledger server running" in answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_with_the_switch_on_auto_a_command_that_finds_no_server_starts_one(
    plain: dict[str, str],
) -> None:
    first = _auto(plain, "--help")
    try:
        status = _status_when_up(plain, 60)
        assert "Ledger server running" in status, status
        assert "stops after 60 idle minutes" in status
        before = served_count(plain)
        again = _auto(plain, "--help")
        after = served_count(plain)
    finally:
        ledger(plain, "server", "stop", server=False)

    # The first ran in its own process, the second on the server it started, and
    # both answered alike.
    assert first.returncode == 0 and "Event-sourced" in first.stdout
    assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, first.stderr)
    assert after == before + 1


def test_without_the_switch_on_auto_no_command_starts_a_server(plain: dict[str, str]) -> None:
    ran = ledger(plain, "--help")
    time.sleep(2)

    assert ran.returncode == 0
    assert "No ledger server is running" in ledger(plain, "server", "status", server=False).stdout
    assert not list(Path(plain["XDG_RUNTIME_DIR"], "ledger").glob("*.sock"))


def test_on_auto_a_socket_folder_others_may_enter_starts_nothing(plain: dict[str, str]) -> None:
    folder = Path(plain["XDG_RUNTIME_DIR"]) / "ledger"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)

    ran = _auto(plain, "--help")
    time.sleep(2)

    assert ran.returncode == 0 and "Event-sourced" in ran.stdout
    assert list(folder.iterdir()) == []


def test_a_server_started_on_auto_keeps_none_of_its_starters_pipes(plain: dict[str, str]) -> None:
    # A caller's pipe the command inherited (a build tool's, a shell's) must reach
    # its end when the command ends, though the server it started lives on.
    read_end, write_end = os.pipe()
    try:
        ran = subprocess.run(
            [*CLIENT, "--help"],
            env=dict(plain, LEDGER_SERVER="auto"),
            pass_fds=(write_end,),
            capture_output=True,
            check=False,
            timeout=60,
        )
        os.close(write_end)
        status = _status_when_up(plain, 60)
        ended = threading.Event()

        def read_to_the_end() -> None:
            os.read(read_end, 1)
            ended.set()

        threading.Thread(target=read_to_the_end, daemon=True).start()
        ended.wait(5)
    finally:
        ledger(plain, "server", "stop", server=False)
        os.close(read_end)

    assert ran.returncode == 0
    assert "Ledger server running" in status
    assert ended.is_set()


def _auto(
    plain: dict[str, str], *args: str, before: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """`ledger ARGS` with LEDGER_SERVER=auto; `before` runs in its process first."""
    return ledger(plain, *args, switch="auto", before=before)


def _no_server_after(plain: dict[str, str], seconds: float) -> bool:
    time.sleep(seconds)
    answer = ledger(plain, "server", "status", server=False).stdout
    return "No ledger server is running" in answer


def test_on_auto_the_server_commands_start_no_server(plain: dict[str, str]) -> None:
    stopped = _auto(plain, "server", "stop")
    status = _auto(plain, "server", "status")

    assert stopped.stdout.strip() == "No ledger server is running."
    assert status.stdout.startswith("No ledger server is running")
    assert _no_server_after(plain, 2)


def test_on_auto_a_niced_command_starts_no_server(plain: dict[str, str]) -> None:
    def lower_priority() -> None:
        os.nice(5)

    ran = _auto(plain, "--help", before=lower_priority)

    assert ran.returncode == 0 and "Event-sourced" in ran.stdout
    assert _no_server_after(plain, 2)


def test_after_a_failed_start_auto_waits_before_starting_another(plain: dict[str, str]) -> None:
    folder = Path(plain["XDG_RUNTIME_DIR"]) / "ledger"
    folder.mkdir(mode=0o700)
    # Something in the socket's place that no server can remove.
    Path(client.socket_path(plain)).mkdir()
    failed = subprocess.run(
        [sys.executable, "-m", "commands.server", "--auto", "--idle", "1"],
        env=plain,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert failed.returncode != 0
    assert (folder / client.FAILED_STAMP).exists()
    Path(client.socket_path(plain)).rmdir()

    ran = _auto(plain, "--help")

    assert ran.returncode == 0 and "Event-sourced" in ran.stdout
    assert _no_server_after(plain, 2)


def test_an_auto_server_makes_way_for_a_command_whose_limits_it_cannot_take(
    plain: dict[str, str],
) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]

    def lower_hard_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    first = _auto(plain, "--help", before=lower_hard_limit)
    assert "Ledger server running" in _status_when_up(plain, 60)
    try:
        # A command with the usual limits: the server cannot run it within them.
        second = _auto(plain, "--help")
        gone = _no_server_after(plain, 2)
        third = _auto(plain, "--help")
        restarted = _status_when_up(plain, 60)
    finally:
        ledger(plain, "server", "stop", server=False)

    assert hard > 256
    assert first.stdout == second.stdout == third.stdout
    assert gone
    assert "Ledger server running" in restarted


def test_a_stop_while_a_server_starts_waits_for_it_and_stops_it(plain: dict[str, str]) -> None:
    # As when LEDGER_SERVER=auto has just started one: it holds its lock while it
    # imports the ledger, and answers only then.
    server = subprocess.Popen(
        [sys.executable, "-m", "commands.server", "--idle", "1"],
        env=plain,
        cwd="/",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not starting(plain) and time.monotonic() < deadline:
        time.sleep(0.01)

    stopped = ledger(plain, "server", "stop", server=False)

    assert "Ledger server stopped" in stopped.stdout, stopped.stdout
    assert server.wait(timeout=30) == 0


def test_a_socket_folder_that_cannot_be_made_is_named_in_one_line(
    plain: dict[str, str], tmp_path: Path
) -> None:
    """The session's runtime folder gone (or never a folder) is no traceback."""
    not_a_folder = tmp_path / "runtime"
    not_a_folder.write_text("")

    started = ledger(dict(plain, XDG_RUNTIME_DIR=str(not_a_folder)), "server", "start")

    assert started.returncode == 2
    assert started.stderr.startswith("Error: the server's socket folder ")
    assert len(started.stderr.strip().splitlines()) == 1, started.stderr


def test_a_setting_of_the_switch_that_is_none_is_refused_in_one_line(
    plain: dict[str, str],
) -> None:
    ran = ledger(plain, "--help", switch="sometimes")

    assert ran.returncode == 2
    assert ran.stdout == ""
    assert ran.stderr.startswith("Error: LEDGER_SERVER='sometimes' is not a setting")
    assert len(ran.stderr.strip().splitlines()) == 1
