"""Every benchmark script still runs end to end (on SQLite, at a tiny size): a
benchmark that broke when the ledger changed would otherwise go unnoticed until
someone needs its figures. The figures themselves are not checked here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import postgres_or_skip

ROOT = Path(__file__).resolve().parents[2]

TINY = {
    "bench_audit": ["--events", "600", "--customers", "4", "--runs", "1"],
    "bench_catchup": ["--events", "1000", "--customers", "5", "--runs", "1", "--tail", "200"],
    "bench_command": ["--count", "20", "--rounds", "1", "--warmup", "1"],
    "bench_import": ["--rows", "300", "--synthetic"],
    "bench_rebuild": ["--events", "2000", "--customers", "10", "--runs", "1", "--workers", "2"],
    "bench_personal": ["--count", "10", "--customers", "4", "--runs", "1"],
    "bench_render": ["--count", "300", "--runs", "1"],
    # Its ledgers are kept in --cache: here the test's own folder.
    "bench_scale": ["--sizes", "12,40", "--runs", "1", "--cache", "{tmp}"],
    "bench_replay": ["--count", "300", "--runs", "1"],
    "bench_show": ["--count", "400", "--runs", "1", "--cli-runs", "1"],
    "bench_sla": ["--count", "50", "--runs", "1"],
    "bench_startup": ["--count", "1", "--customers", "3"],
    "bench_todo": ["--count", "30", "--runs", "1"],
    # Its data set is kept in --keep: here the test's own folder.
    "rebuild_pairs": ["--events", "2000", "--runs", "1", "--keep", "{tmp}"],
}


@pytest.mark.parametrize("script", sorted(TINY))
def test_the_benchmark_runs_and_prints_its_figures(script: str, tmp_path: Path) -> None:
    command = [sys.executable, "-m", f"benchmarks.{script}", "--backend", "sqlite"]
    finished = subprocess.run(
        [*command, *(option.format(tmp=tmp_path) for option in TINY[script])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": str(Path(sys.executable).parent),
            "LEDGER_HOME": str(tmp_path),
            "HOME": str(tmp_path),
        },
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "baseline" in finished.stdout


@pytest.mark.postgres
def test_the_import_benchmark_prints_the_floor_of_any_import_on_postgresql(
    tmp_path: Path,
) -> None:
    """Beside the plain COPY, the import's own finished events copied into the
    library's table: the ceiling of any import that writes that table."""
    url = postgres_or_skip()
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_import", "--backend", "postgres",
         "--rows", "300"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={"PATH": str(Path(sys.executable).parent), "LEDGER_HOME": str(tmp_path),
             "HOME": str(tmp_path), "LEDGER_BENCH_DATABASE_URL": url},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-2000:]
    floor = re.search(
        r"COPY of the finished events, library's table +([\d,]+) +([\d,]+)", finished.stdout
    )
    assert floor is not None, finished.stdout
    assert floor.group(2) != "0"  # the import's events, every one copied
    assert re.search(r"the finished events alone, copied: [\d.]+x of COPY", finished.stdout)


def test_the_catch_up_floor_makes_the_recorded_writes_again(tmp_path: Path) -> None:
    """`catchup_pairs --floor`: the catch-ups' own writes, made again alone, bound
    the best rate any catch-up writing them could reach."""
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.catchup_pairs", "--backend", "sqlite",
         "--events", "2000", "--keep", str(tmp_path), "--no-alone", "--no-whole",
         "--tail", "300", "--steps", "50", "--floor"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={"PATH": str(Path(sys.executable).parent), "LEDGER_HOME": str(tmp_path),
             "HOME": str(tmp_path)},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-2000:]
    floor = re.search(
        r"its ([\d,]+) transactions' ([\d,]+) statements alone: [\d.]+ s \((.*)\), "
        r"so at best ([\d.]+)x of raw",
        finished.stdout,
    )
    assert floor is not None, finished.stdout
    assert int(floor.group(1).replace(",", "")) == 6  # one per catch-up of 50 of the 300
    # Each transaction wrote its views' rows and their positions, then committed.
    assert int(floor.group(2).replace(",", "")) >= 6 * 2
    assert "commit" in floor.group(3) and "view_" in floor.group(3)
    assert 0 < float(floor.group(4)) < 1
