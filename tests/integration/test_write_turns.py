"""A writer that keeps losing races takes a turn alone (ledger/write_turns.py).

The writers here are processes, as staff at their terminals are: on SQLite a
turn is a lock on a file, which a process's own threads would share."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.events import ContactLogged
from ledger.receipts import Receipt
from ledger.storage import Storage, resolve
from ledger.vocabulary import Channel, Direction
from ledger.write_turns import LOSSES_BEFORE_TURN
from tests.staffing import seed_staff

ROOT = Path(__file__).resolve().parents[2]

# Runs in a process of its own: `writes` calls logged on C-00001, each allowed
# only one attempt beyond the losses after which a writer takes its turn, so a
# writer that lost that turn too would fail. Prints [acknowledged, refused].
WRITER = textwrap.dedent(
    """
    import json, sys
    from ledger import commands as c
    from ledger.application import Ledger
    from ledger.errors import ConcurrencyError
    from ledger.storage import resolve
    from ledger.vocabulary import Channel, Direction
    from ledger.write_turns import LOSSES_BEFORE_TURN

    db, writes, worker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Ledger.MAX_ATTEMPTS = LOSSES_BEFORE_TURN + 1
    app = Ledger(env=resolve(db, environ={}).env)
    done = refused = 0
    for n in range(writes):
        try:
            app.log_contact(c.LogContact(
                actor="li.wei", customer="C-00001", summary=f"{worker}/{n}",
                channel=Channel.PHONE, direction=Direction.INBOUND,
            ))
            done += 1
        except ConcurrencyError:
            refused += 1
    app.close()
    print(json.dumps([done, refused]))
    """
)

# Runs in a process of its own: one call logged on C-00001, then "saved".
SAVER = textwrap.dedent(
    """
    import sys
    from ledger import commands as c
    from ledger import write_turns
    from ledger.application import Ledger
    from ledger.storage import resolve
    from ledger.vocabulary import Channel, Direction

    write_turns.SAVE_WAIT = float(sys.argv[2])
    app = Ledger(env=resolve(sys.argv[1], environ={}).env)
    print("loaded", flush=True)
    app.log_contact(c.LogContact(
        actor="li.wei", customer="C-00001", summary="while the turn was held",
        channel=Channel.PHONE, direction=Direction.INBOUND,
    ))
    app.close()
    print("saved", flush=True)
    """
)


# Runs in a process of its own: takes the turn alone and keeps it until killed,
# with every bound on waiting for a turn cut to a second.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from ledger import write_turns
    from ledger.application import Ledger
    from ledger.storage import resolve

    write_turns.SAVE_WAIT = 1.0
    app = Ledger(env=resolve(sys.argv[1], environ={}).env)
    with app.recorder.turns.alone():
        assert app.recorder.turns.held
        print("held", flush=True)
        time.sleep(600)
    """
)


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def one_customer(storage: Storage) -> Ledger:
    app = Ledger(env=storage.env)
    seed_staff(app)
    app.register_customer(
        c.RegisterCustomer(actor="li.wei", name="Capital Airport Group", segment="airport")
    )
    return app


def _log_call(app: Ledger, summary: str) -> Receipt:
    return app.log_contact(
        c.LogContact(
            actor="li.wei",
            customer="C-00001",
            summary=summary,
            channel=Channel.PHONE,
            direction=Direction.INBOUND,
        )
    )


def _summaries(app: Ledger) -> list[str]:
    _, events = app.customer_events("C-00001")
    return [e.summary for e in events if isinstance(e, ContactLogged)]


def test_writers_racing_on_one_customer_all_get_recorded_once_losers_take_turns(
    one_customer: Ledger, db_url: str
) -> None:
    writers, writes = 6, 30
    running = [_python(WRITER, db_url, str(writes), f"w{w}") for w in range(writers)]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in running]

    # Without turns, a bound of LOSSES_BEFORE_TURN + 1 attempts refused some
    # 8-40 % of these writes (measured when turns were added).
    assert [refused for _, refused in results] == [0] * writers
    recorded = _summaries(one_customer)
    assert sorted(recorded) == sorted(f"w{w}/{n}" for w in range(writers) for n in range(writes))
    one_customer.close()


def test_while_a_loser_holds_its_turn_no_one_else_saves(one_customer: Ledger, db_url: str) -> None:
    turns = one_customer.recorder.turns  # type: ignore[attr-defined]
    with turns.alone():
        saver = _python(SAVER, db_url, "10")
        assert saver.stdout is not None
        assert saver.stdout.readline().strip() == "loaded"
        time.sleep(1.0)
        # The other writer loaded and decided, and waits to save.
        assert saver.poll() is None
        assert _summaries(one_customer) == []
        # The holder's own save is not held up by its turn.
        _log_call(one_customer, "the holder's own")
    out, err = saver.communicate(timeout=60)
    assert saver.returncode == 0, err
    assert out.strip() == "saved"
    assert _summaries(one_customer) == ["the holder's own", "while the turn was held"]
    one_customer.close()


def test_a_writer_takes_its_turn_only_after_losing_the_first_races(
    one_customer: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = one_customer.recorder.turns  # type: ignore[attr-defined]
    save = one_customer.save
    held_at_each_attempt: list[bool] = []

    def loses_until_alone(*objs: Any, **kwargs: Any) -> Any:
        held_at_each_attempt.append(turns.held)
        if len(held_at_each_attempt) <= LOSSES_BEFORE_TURN:
            raise IntegrityError("someone else saved this customer")
        return save(*objs, **kwargs)

    monkeypatch.setattr(one_customer, "save", loses_until_alone)
    monkeypatch.setattr("ledger.service.time.sleep", lambda seconds: None)

    receipt = _log_call(one_customer, "at last")

    assert held_at_each_attempt == [False] * LOSSES_BEFORE_TURN + [True]
    assert not turns.held
    assert receipt.version == 2
    one_customer.close()


def test_a_writer_stopped_while_it_holds_the_turn_holds_the_others_up_only_briefly(
    one_customer: Ledger, db_url: str
) -> None:
    holder = _python(HOLDER, db_url)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        # Ctrl-Z in the milliseconds a loser holds the turn.
        os.kill(holder.pid, signal.SIGSTOP)
        started = time.monotonic()
        saver = _python(SAVER, db_url, "1")
        out, err = saver.communicate(timeout=60)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.communicate()

    assert saver.returncode == 0, err
    assert out.split() == ["loaded", "saved"]
    # A second for the turn (PostgreSQL: the stopped holder's session ended after
    # a second idle), plus starting a process, which is far less than a minute.
    assert waited < 30
    assert _summaries(one_customer) == ["while the turn was held"]
    one_customer.close()


def test_a_ledger_keeps_no_file_open_for_its_turns_between_saves(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    turns_file = str(tmp_path / "ledger.sqlite3-turns")

    def open_on_turns() -> int:
        handles = Path("/proc/self/fd").iterdir()
        return sum(1 for fd in handles if os.path.realpath(fd) == turns_file)

    for n in range(20):
        app = Ledger(env=resolve(str(db), environ={}).env)
        if n == 0:
            seed_staff(app)
        with app.recorder.turns.alone():  # type: ignore[attr-defined]
            assert open_on_turns() == 1
        app.add_staff(c.AddStaff(actor="ops", staff=f"s{n}", name=f"S {n}", role="executive"))
        assert open_on_turns() == 0
        app.close()

    assert Path(turns_file).exists()


def test_a_turn_is_the_whole_processs_for_every_ledger_it_has_on_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = Ledger(env=resolve(str(tmp_path / "ledger.sqlite3"), environ={}).env)
    second = Ledger(env=resolve("ledger.sqlite3", environ={}).env)
    seed_staff(first)
    try:
        with first.recorder.turns.alone():  # type: ignore[attr-defined]
            # The second ledger's saves take no shared turn meanwhile: theirs would
            # downgrade the process's lock, and closing the file would drop it.
            assert second.recorder.turns.held  # type: ignore[attr-defined]
            second.add_staff(c.AddStaff(actor="ops", staff="s1", name="S 1", role="executive"))
        assert not second.recorder.turns.held  # type: ignore[attr-defined]
    finally:
        first.close()
        second.close()
