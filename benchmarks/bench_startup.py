"""Process start: everyday commands as new processes, against the libraries they
stand on, in the same run.

Baselines: `python -c pass`, and a process that only imports the ledger's main
libraries (`import eventsourcing, pydantic, click, rich`). Each everyday command
(`customer show`, `history`, `brief`, `todo`, `contact log`, `complaint file`) is
run as a new process on a small demo data set, acting as the showcase customer's
owner, on each backend; the command lines take turns so a busy moment of the
machine falls on all of them. Reported: median wall time and median CPU time of
the process (user + system), each as a ratio to the imports baseline. On
PostgreSQL, a process that only imports the driver (`import psycopg,
psycopg_pool`) is timed too, for information: no command there can start faster.

Precompiled bytecode is part of a normal install (pip compiles it), so the
project's modules are compiled first (`compileall`) and the processes may write
bytecode: the warm-up run of each command line writes what is missing, as a
user's first run would (this also keeps the compiled dataclass methods,
ledger/dataclass_code.py).

Targets: `ledger --help` within 0.3 s; every everyday command within 1.5x the
imports baseline on SQLite and 2x on PostgreSQL. `--compare-with DIR` also runs the
same command lines from another checkout (say a worktree of an older commit), with
the same interpreter, side by side.

`--server` also starts `ledger server` (in a socket folder of the run's own) and
runs each everyday command a second way, through the `ledger` program's client,
which hands it to the server (commands/client.py): those lines take their turns
with the others. Their wall time is what the user waits; their CPU column is the
client process's only, so the server's children's CPU is reported apart, as a mean
per command (what the kernel counted for the server's children, read from /proc
once they have all ended).

    .venv/bin/python -m benchmarks.bench_startup [--backend sqlite|postgres|both]
        [--count RUNS] [--customers N] [--compare-with DIR] [--importtime] [--server]
"""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import (
    argument_parser,
    fresh_storage,
    ms,
    open_ledger,
    print_machine,
    print_table,
    usable_backends,
    verdict,
)
from ledger.storage import Storage

ROOT = Path(__file__).resolve().parents[1]
HELP_TARGET = 0.3
TARGETS = {"sqlite": 1.5, "postgres": 2.0}
BACKEND_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
PASS = "python -c pass"
BASELINE = "import eventsourcing, pydantic, click, rich"
HELP = "ledger --help"
# What any command on PostgreSQL imports before it can connect: its floor.
DRIVER = "import psycopg, psycopg_pool"
DEFAULT_RUNS = 10
DEFAULT_CUSTOMERS = 20
SHOWN_IMPORTS = 12
PACKAGES = ("ledger", "projections", "commands", "demo", "cli.py")


@dataclass
class Line:
    """One command line, run as a new process from `cwd`, and what it took."""

    argv: list[str]
    cwd: Path
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)

    def run(self, environ: dict[str, str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        finished = subprocess.run(
            self.argv, cwd=self.cwd, env=environ, capture_output=True, check=False
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if finished.returncode != 0:
            error = finished.stderr.decode(errors="replace").strip()
            raise SystemExit(f"{' '.join(self.argv)} failed: {error}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def ledger_command() -> list[str]:
    """The installed `ledger` script next to this interpreter, as a user runs it."""
    script = Path(sys.executable).parent / "ledger"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli import main; main()"]


def starter(argv: list[str], environ: dict[str, str]) -> Callable[[], object]:
    """Start a new process and wait for it; a failure stops the benchmark (for
    benchmarks that time one command line, such as bench_show)."""

    def start() -> object:
        finished = subprocess.run(argv, env=environ, capture_output=True, check=False)
        if finished.returncode != 0:
            error = finished.stderr.decode(errors="replace").strip()
            raise SystemExit(f"{' '.join(argv)} failed: {error}")
        return finished

    return start


def through_client(*args: str) -> list[str]:
    """`ledger ARGS` as the installed `ledger` program starts it: its client first,
    which hands the command to a running server (commands/client.py)."""
    return [sys.executable, "-c", "from commands.client import main; main()", *args]


def start_server(environ: dict[str, str]) -> int:
    """Start `ledger server` for `environ`; its process id."""
    for step in ("start", "status"):
        finished = subprocess.run(
            from_checkout("server", step), cwd=ROOT, env=environ, capture_output=True, text=True
        )
        if finished.returncode != 0 or "(pid " not in finished.stdout:
            raise SystemExit(f"ledger server {step} failed: {finished.stdout}{finished.stderr}")
    return int(finished.stdout.split("(pid ", 1)[1].split(")", 1)[0])


def children_cpu(pid: int) -> float:
    """CPU seconds of the ended children of process `pid` (cutime + cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the name: state is field 3, cutime and cstime fields 16 and 17.
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def from_checkout(*args: str) -> list[str]:
    """`ledger ARGS` as the checkout it is started in has it (its `cli.py` first on
    the path): the same launcher for this checkout and one compared with it."""
    return [sys.executable, "-c", "from cli import main; main()", *args]


def process_environment(home: str) -> dict[str, str]:
    """The caller's environment without anything that points the ledger elsewhere,
    and allowed to write bytecode, as a normal install is."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LEDGER_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    environ["LEDGER_HOME"] = home
    return environ


def compile_checkout(root: Path) -> None:
    """Compile a checkout's modules, as installing it would."""
    for name in PACKAGES:
        path = root / name
        if path.is_dir():
            compileall.compile_dir(path, quiet=1)
        elif path.exists():
            compileall.compile_file(path, quiet=1)


def load_demo(storage: Storage, customers: int, environ: dict[str, str]) -> tuple[str, str]:
    """The demo data set on `storage`; (showcase customer's code, its owner)."""
    loading = subprocess.run(
        [*ledger_command(), "--db", storage.location, "demo", "--customers", str(customers)],
        env=environ,
        capture_output=True,
        check=False,
    )
    if loading.returncode != 0:
        raise SystemExit(f"loading the demo failed: {loading.stderr.decode()[-2000:]}")
    from demo.tour import demo_tour

    app = open_ledger(storage)
    try:
        showcase = demo_tour(app).showcase
    finally:
        app.close()
    if showcase is None or showcase.owner is None:
        raise SystemExit("the demo's showcase customer was not loaded")
    return showcase.code, showcase.owner


def everyday_commands(code: str) -> dict[str, list[str]]:
    """The six everyday commands, on customer `code`."""
    return {
        "customer show": ["customer", "show", code],
        "history": ["history", code],
        "brief": ["brief", code],
        "todo": ["todo"],
        "contact log": [
            *("contact", "log", code, "--channel", "phone", "--direction", "outbound"),
            *("--summary", "Called to confirm the delivery date."),
        ],
        "complaint file": [
            *("complaint", "file", code, "--category", "service", "--channel", "phone"),
            *("--description", "The delivery arrived a day late."),
        ],
    }


def take_turns(lines: Sequence[Line], runs: int, environ: dict[str, str]) -> None:
    """One warm-up run of every line, then `runs` rounds, the lines in turn."""
    for line in lines:
        line.run(environ)
    for _ in range(runs):
        for line in lines:
            wall, cpu = line.run(environ)
            line.walls.append(wall)
            line.cpus.append(cpu)


def slowest_imports(environ: dict[str, str]) -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, module) of every import of `ledger --help`, slowest
    first; a module's cumulative time includes the modules it imports."""
    finished = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from cli import main; main()", "--help"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        check=True,
        text=True,
    )
    rows = []
    for line in finished.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        # The indentation says who imported whom; it is kept so the list still shows it.
        rows.append((int(cumulative), int(own), name.removeprefix(" ").rstrip()))
    return sorted(rows, reverse=True)


def report_imports(environ: dict[str, str]) -> None:
    rows = [
        [name, ms(cumulative / 1e6), ms(own / 1e6)]
        for cumulative, own, name in slowest_imports(environ)[:SHOWN_IMPORTS]
    ]
    print_table(
        "slowest imports of `ledger --help` (python -X importtime, one run; "
        "indented = imported by a module above)",
        ["module", "with its imports", "itself"],
        rows,
    )


def ratio(line: Line, baseline: Line) -> str:
    return f"{line.wall / baseline.wall:.2f}x"


def cpu_ratio(line: Line, baseline: Line) -> str:
    return f"{line.cpu / baseline.cpu:.2f}x"


def report_base(lines: dict[str, Line], runs: int) -> None:
    base = lines[BASELINE]
    rows = []
    for label in (PASS, BASELINE, HELP, DRIVER):
        if label not in lines:
            continue
        line = lines[label]
        if label == HELP:
            target = f"<= {ms(HELP_TARGET)} {verdict(line.wall <= HELP_TARGET)}"
        else:
            target = {BASELINE: "baseline", DRIVER: "(PostgreSQL driver alone)"}.get(label, "")
        rows.append(
            [label, ms(line.wall), ratio(line, base), ms(line.cpu), cpu_ratio(line, base), target]
        )
    print_table(
        f"process start, median of {runs} runs each, all command lines taking turns",
        ["", "wall", "vs imports", "CPU", "CPU vs imports", "target"],
        rows,
    )


def report_backend(
    backend: str,
    mine: dict[str, Line],
    theirs: dict[str, Line],
    base: Line,
    compared: Path | None,
) -> None:
    limit = TARGETS[backend]
    headers = ["command", "wall", "vs imports", "CPU", "CPU vs imports"]
    if compared is not None:
        headers += ["compared: wall", "vs imports", "CPU", "CPU vs imports"]
    headers.append(f"target <= {limit}x")
    rows = []
    for name, line in mine.items():
        row = [name, ms(line.wall), ratio(line, base), ms(line.cpu), cpu_ratio(line, base)]
        if compared is not None:
            other = theirs[name]
            row += [ms(other.wall), ratio(other, base), ms(other.cpu), cpu_ratio(other, base)]
        row.append(verdict(line.wall <= limit * base.wall))
        rows.append(row)
    notes = [f"compared: the same command lines run from {compared}"] if compared else []
    print_table(
        f"{BACKEND_NAMES[backend]}: everyday commands as new processes "
        f"(baseline: `{BASELINE}`, {ms(base.wall)})",
        headers,
        rows,
        notes,
    )


def report_served(backend: str, served: dict[str, Line], base: Line, child_cpu: float) -> None:
    limit = TARGETS[backend]
    rows = [
        [
            name,
            ms(line.wall),
            ratio(line, base),
            ms(line.cpu),
            verdict(line.wall <= limit * base.wall),
        ]
        for name, line in served.items()
    ]
    print_table(
        f"{BACKEND_NAMES[backend]}: the same commands through `ledger server` "
        f"(baseline: `{BASELINE}`, {ms(base.wall)})",
        ["command", "wall", "vs imports", "client CPU", f"target <= {limit}x (wall)"],
        rows,
        [
            f"the server's children: {ms(child_cpu)} CPU per command, mean over every "
            "served command of the run (both backends, warm-up runs included)"
        ],
    )


def main() -> None:
    parser = argument_parser(
        __doc__.split("\n\n")[0] if __doc__ else "",
        f"process starts per command line (default {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=DEFAULT_CUSTOMERS,
        help=f"demo customers loaded on each backend (default {DEFAULT_CUSTOMERS})",
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="another checkout whose command lines run side by side (e.g. an older commit)",
    )
    parser.add_argument(
        "--importtime",
        action="store_true",
        help="list the slowest imports of `ledger --help` even when its target is met",
    )
    parser.add_argument(
        "--server",
        action="store_true",
        help="also run each everyday command through a running `ledger server`",
    )
    options = parser.parse_args()
    runs = options.count or DEFAULT_RUNS
    compared: Path | None = options.compare_with
    print_machine()
    for checkout in (ROOT, *([compared] if compared else [])):
        compile_checkout(checkout)
    print(
        "Bytecode: the checkouts' modules were compiled first and every process may "
        "write what is missing (a normal install); each command line ran once to warm up.\n"
    )
    with tempfile.TemporaryDirectory(prefix="ledger-bench-home-") as home, ExitStack() as stack:
        environ = process_environment(home)
        server_pid: int | None = None
        if options.server:
            environ["XDG_RUNTIME_DIR"] = str(Path(home) / "run")
            Path(environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700)
            server_pid = start_server(environ)
            stack.callback(
                subprocess.run, from_checkout("server", "stop"), env=environ, capture_output=True
            )
        lines = {
            PASS: Line([sys.executable, "-c", "pass"], ROOT),
            BASELINE: Line([sys.executable, "-c", BASELINE], ROOT),
            HELP: Line([*ledger_command(), "--help"], ROOT),
        }
        per_backend: dict[str, tuple[dict[str, Line], dict[str, Line]]] = {}
        served: dict[str, dict[str, Line]] = {}
        backends = usable_backends(options.backend)
        if "postgres" in backends:
            lines[DRIVER] = Line([sys.executable, "-c", DRIVER], ROOT)
        for backend in backends:
            storage = stack.enter_context(fresh_storage(backend, "startup"))
            code, owner = load_demo(storage, options.customers, environ)
            common = ["--db", storage.location, "--as", owner]
            commands = everyday_commands(code)
            mine = {
                name: Line(from_checkout(*common, *args), ROOT) for name, args in commands.items()
            }
            theirs = (
                {
                    name: Line(from_checkout(*common, *args), compared)
                    for name, args in commands.items()
                }
                if compared
                else {}
            )
            per_backend[backend] = (mine, theirs)
            if server_pid is not None:
                served[backend] = {
                    name: Line(through_client(*common, *args), ROOT)
                    for name, args in commands.items()
                }
        everything = [
            *lines.values(),
            *(
                line
                for mine, theirs in per_backend.values()
                for line in (*mine.values(), *theirs.values())
            ),
            *(line for lines_of in served.values() for line in lines_of.values()),
        ]
        before = children_cpu(server_pid) if server_pid is not None else 0.0
        take_turns(everything, runs, environ)
        report_base(lines, runs)
        for backend, (mine, theirs) in per_backend.items():
            report_backend(backend, mine, theirs, lines[BASELINE], compared)
        if server_pid is not None:
            # Every child has ended once its client has its status; the server reaps
            # them within its second's poll.
            time.sleep(2.5)
            spent = children_cpu(server_pid) - before
            count = sum(len(line.walls) + 1 for s in served.values() for line in s.values())
            for backend, lines_of in served.items():
                report_served(backend, lines_of, lines[BASELINE], spent / count)
        if options.importtime or lines[HELP].wall > HELP_TARGET:
            report_imports(environ)


if __name__ == "__main__":
    main()
