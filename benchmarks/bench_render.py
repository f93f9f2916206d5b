"""A long list rendered as a table for people, against the same rows as CSV.

30,000 synthetic rows shaped like `ledger sla breaches` rows (case, kind, owner,
opened, due, late by, status, policy, detail; a detail of a few words to a
sentence, some empty) go through the commands' own renderer (`emit_rows`, with
`--all`), once as a table and once as CSV, taking turns run by run, with stdout
sent to /dev/null. Both formats get the same rows and the same columns. The
output is no terminal, as when piped, so the table is not wrapped.

Baseline: the CSV. Target: the table takes at most 2 times as long. No database
is used (`--backend` is accepted and ignored, as every benchmark takes it).

    .venv/bin/python -m benchmarks.bench_render [--count ROWS] [--runs R]
"""

from __future__ import annotations

import contextlib
import os
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import (
    argument_parser,
    interleaved_medians,
    ms,
    print_machine,
    print_table,
    verdict,
)
from commands.runtime import RowLimit, emit_rows
from commands.sla import BREACH_COLUMNS

DEFAULT_ROWS = 30_000
TARGET = 2.0
KINDS = ("inquiry", "complaint", "follow_up", "commitment", "visit_coverage", "handover")
# Words the details are made of; detail texts are 0 to 20 of them.
WORDS = "strategic renewal of the ground handling contract waiting on customer signed quote"
WORDS += " lounge access baggage belt slot change at remote stands"


def synthetic_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Rows as `ledger sla breaches` builds them for a table."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 9, 0)
    rows = []
    for n in range(count):
        opened = start + timedelta(minutes=rng.randint(0, 300_000))
        due = opened + timedelta(hours=rng.randint(1, 900))
        late = rng.randint(1, 50_000)
        rows.append(
            {
                "case": f"C-{n // 3 + 1:05d}/{rng.choice(('IQ', 'CP', 'OP', 'CM'))}{n % 3 + 1}",
                "kind": rng.choice(KINDS),
                "owner": f"staff.{rng.randint(1, 40):02d}",
                "opened": opened.strftime("%Y-%m-%d %H:%M"),
                "due": due.strftime("%Y-%m-%d %H:%M"),
                "late": f"{late // 1440}d {late // 60 % 24}h",
                "status": rng.choice(("open", "closed")),
                "policy": "2026.1",
                "detail": " ".join(rng.choices(WORDS.split(), k=rng.choice((0, 3, 8, 20)))),
            }
        )
    return rows


def main() -> None:
    parser = argument_parser(
        (__doc__ or "").split("\n\n")[0], f"rows in the list (default {DEFAULT_ROWS:,})"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed renders per format (default 5)")
    options = parser.parse_args()
    count = options.count or DEFAULT_ROWS
    print_machine()
    rows = synthetic_rows(count)
    everything = RowLimit(everything=True)

    def render(fmt: str) -> None:
        with Path(os.devnull).open("w") as sink, contextlib.redirect_stdout(sink):
            emit_rows(rows, BREACH_COLUMNS, fmt, title="SLA breaches", shown=everything)

    timings = interleaved_medians(
        {"table": lambda: render("table"), "csv": lambda: render("csv")},
        runs=max(1, options.runs),
    )
    table, baseline = timings["table"], timings["csv"]
    ratio = table.wall / baseline.wall
    print_table(
        f"Rendering {count:,} rows of {len(BREACH_COLUMNS)} columns to a pipe",
        ["figure", "table (ledger)", "csv (baseline)", "ratio", "target"],
        [
            [
                "wall",
                ms(table.wall),
                ms(baseline.wall),
                f"{ratio:.2f}x",
                f"≤ {TARGET:.0f}x {verdict(ratio <= TARGET)}",
            ],
            [
                "CPU here",
                ms(table.cpu),
                ms(baseline.cpu),
                f"{table.cpu / baseline.cpu:.2f}x",
                "(information)",
            ],
        ],
    )


if __name__ == "__main__":
    main()
