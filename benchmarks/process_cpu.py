"""Run a `ledger` checkout's cli.py in this process, and when it ends write this
process's own CPU time (user + system) and its children's (its worker processes and
the views' follower)
to a file, one line: `<own seconds> <children's seconds>`.

    python benchmarks/process_cpu.py OUT_FILE /path/to/checkout/cli.py ARGS...

`bench_import` runs `ledger import` this way to report the importing process's
CPU apart from its follower's: the importing process is what a large import
waits for. Standard library only: it runs under another checkout's interpreter
too.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys
from pathlib import Path


def main() -> None:
    out, cli, *arguments = sys.argv[1:]

    def report() -> None:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with Path(out).open("w", encoding="utf-8") as handle:
            handle.write(
                f"{own.ru_utime + own.ru_stime:.3f} {children.ru_utime + children.ru_stime:.3f}\n"
            )

    # Registered first, so it runs last: after the import has stopped its follower.
    atexit.register(report)
    sys.argv = [cli, *arguments]
    # As if the checkout's cli.py had been run itself: its folder first, not this one.
    sys.path[0] = str(Path(cli).resolve().parent)
    runpy.run_path(cli, run_name="__main__")


if __name__ == "__main__":
    main()
