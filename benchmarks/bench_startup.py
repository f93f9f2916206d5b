"""Process start: `ledger --help` against a bare `python -c pass`, in the same run.

Each is run as a new process, alternately, and the median wall-clock time is
reported. For information, one real command per backend (`ledger contact log`,
which opens the database and writes one event) is timed the same way. When
`ledger --help` misses its target, or with --importtime, the modules that take
longest to import are listed (`python -X importtime`).

Target: `ledger --help` within 0.3 s.

    .venv/bin/python -m benchmarks.bench_startup [--backend sqlite|postgres|both]
        [--count RUNS] [--importtime]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from benchmarks.common import (
    ACTOR,
    Timing,
    argument_parser,
    fresh_storage,
    interleaved_medians,
    ms,
    open_ledger,
    print_machine,
    print_table,
    register_customer,
    usable_backends,
    verdict,
)
from ledger.storage import Storage

TARGET = 0.3
BASELINE = "python -c pass"
HELP = "ledger --help"
DEFAULT_RUNS = 10
SHOWN_IMPORTS = 12


def ledger_command() -> list[str]:
    """The installed `ledger` script next to this interpreter, as a user runs it."""
    script = Path(sys.executable).parent / "ledger"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli import main; main()"]


def quiet_environment(home: str) -> dict[str, str]:
    """The caller's environment without anything that points the ledger elsewhere."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    environ["LEDGER_HOME"] = home
    return environ


def starter(argv: list[str], environ: dict[str, str]) -> Callable[[], object]:
    """Start a new process and wait for it; a failure stops the benchmark."""

    def start() -> object:
        finished = subprocess.run(argv, env=environ, capture_output=True, check=False)
        if finished.returncode != 0:
            error = finished.stderr.decode(errors="replace").strip()
            raise SystemExit(f"{' '.join(argv)} failed: {error}")
        return finished

    return start


def contact_log_argv(storage: Storage, code: str) -> list[str]:
    return [
        *ledger_command(),
        "--db",
        storage.location,
        "--as",
        ACTOR,
        "contact",
        "log",
        code,
        "--channel",
        "phone",
        "--direction",
        "outbound",
        "--summary",
        "Called to confirm the delivery date.",
    ]


def prepared_customer(storage: Storage) -> str:
    app = open_ledger(storage)
    try:
        return register_customer(app)
    finally:
        app.close()


def slowest_imports(environ: dict[str, str]) -> list[tuple[int, int, str]]:
    """(cumulative µs, self µs, module) of every import of `ledger --help`, slowest
    first; a module's cumulative time includes the modules it imports."""
    command = ledger_command()
    if Path(command[0]).name == "ledger":
        command = [sys.executable, *command]
    finished = subprocess.run(
        [command[0], "-X", "importtime", *command[1:], "--help"],
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


def report(timings: dict[str, Timing], runs: int) -> None:
    baseline = timings[BASELINE].wall
    rows = []
    for label, timing in timings.items():
        if label == BASELINE:
            target = "baseline"
        elif label == HELP:
            target = f"<= {ms(TARGET)} {verdict(timing.wall <= TARGET)}"
        else:
            target = "(for information)"
        over = "" if label == BASELINE else f"+{ms(timing.wall - baseline)}"
        rows.append([label, ms(timing.wall), f"{timing.wall / baseline:.2f}x", over, target])
    print_table(
        f"process start, median of {runs} runs each, taken in turn",
        ["", "time", "vs python", "over python", "target"],
        rows,
    )


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


def main() -> None:
    parser = argument_parser(
        __doc__.split("\n\n")[0] if __doc__ else "",
        f"process starts per command line (default {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--importtime",
        action="store_true",
        help="list the slowest imports even when the target is met",
    )
    options = parser.parse_args()
    runs = options.count or DEFAULT_RUNS
    print_machine()
    with tempfile.TemporaryDirectory(prefix="ledger-bench-home-") as home, ExitStack() as stack:
        environ = quiet_environment(home)
        processes = {
            BASELINE: starter([sys.executable, "-c", "pass"], environ),
            HELP: starter([*ledger_command(), "--help"], environ),
        }
        for backend in usable_backends(options.backend):
            storage = stack.enter_context(fresh_storage(backend, "startup"))
            argv = contact_log_argv(storage, prepared_customer(storage))
            processes[f"ledger contact log ({backend}, writes one event)"] = starter(argv, environ)
        timings = interleaved_medians(processes, runs)
        report(timings, runs)
        if options.importtime or timings[HELP].wall > TARGET:
            report_imports(environ)


if __name__ == "__main__":
    main()
