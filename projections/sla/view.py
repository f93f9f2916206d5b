"""The SLA view (docs/domain.md, "Service rules (SLA)"): one row per case that
runs against a service target, one per lapse of a recurring follow-up clock, and
what visit coverage needs, kept current from the customers' events.

A row keeps what makes the queries fast: the deadline as things stand
(`due_at`), when the case turns at risk (`risk_at`), and when its target was
breached, or will be if nothing happens first (`breach_at`). A breach can only
be put off by what happens before it, so `breach_at < T` answers "breached as
of T" for every T without replaying anything. A query into the past that falls
between a case's steps replays that row's steps up to T (`Clocks.evaluate`).

A follow-up clock restarts with each follow-up: the case's own row holds its
current period, and each earlier period that lapsed before the next follow-up
has a row of its own (`lapse = 1`), closed when that follow-up came, so every
lapse is a breach of its own.

Rows carry the customer's current code, segment and owner, so filters use
today's owner even for a moment in the past.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.clocks import Clocks
from projections.base import Projection, Replay, dumps
from projections.store import Transaction

if TYPE_CHECKING:
    from ledger.config import Settings


class SlaCases(Projection):
    name = "sla"
    keyed_by_customer = True
    bulky = True  # a row of 26 columns per case, and ten indexes
    # 3: each lapse of a follow-up clock has a row of its own; cases run on the
    # calendar stamped on them. 5: a withdrawn commitment stops its clock. 6: when an
    # import brought a case in, and whether its breach is historic (not swept).
    # 7: the breach indexes end with the customer's code (the first of many
    # breaches due at one moment, `queries._first_cases`).
    version = "7"
    tables = {
        "view_sla_cases": (
            "CREATE TABLE IF NOT EXISTS view_sla_cases ("
            "case_key TEXT NOT NULL, customer_id TEXT NOT NULL, case_id TEXT NOT NULL, "
            "code TEXT NOT NULL, segment TEXT NOT NULL, owner TEXT, kind TEXT NOT NULL, "
            "target TEXT NOT NULL, category TEXT NOT NULL, opened_at TEXT NOT NULL, "
            "closed_at TEXT, settled_at TEXT NOT NULL, paused INTEGER NOT NULL, due_at TEXT, "
            "risk_at TEXT, breach_at TEXT, escalation_level INTEGER NOT NULL, "
            "recorded INTEGER NOT NULL, policy_version TEXT NOT NULL, policy TEXT NOT NULL, "
            "due_date TEXT, pauses TEXT NOT NULL, steps TEXT NOT NULL, "
            "escalations TEXT NOT NULL, lapse INTEGER NOT NULL, recorded_lapses TEXT NOT NULL, "
            "imported_at TEXT, historic INTEGER NOT NULL)"
        ),
        "view_sla_customers": (
            "CREATE TABLE IF NOT EXISTS view_sla_customers ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, segment TEXT NOT NULL, "
            "owner TEXT, stage TEXT NOT NULL, history TEXT NOT NULL, escalations TEXT NOT NULL)"
        ),
        "view_sla_periods": (
            "CREATE TABLE IF NOT EXISTS view_sla_periods ("
            "customer_id TEXT NOT NULL, since TEXT NOT NULL, until TEXT, owner TEXT, "
            "segment TEXT NOT NULL, active INTEGER NOT NULL, PRIMARY KEY (customer_id, since))"
        ),
        "view_sla_visits": (
            "CREATE TABLE IF NOT EXISTS view_sla_visits ("
            "customer_id TEXT NOT NULL, version INTEGER NOT NULL, visited_at TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, version))"
        ),
        "view_sla_meta": (
            "CREATE TABLE IF NOT EXISTS view_sla_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        ),
    }
    indexes = (
        "CREATE UNIQUE INDEX IF NOT EXISTS view_sla_cases_key ON view_sla_cases (case_key)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_breach ON view_sla_cases (breach_at, code)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_open_breach "
        "ON view_sla_cases (closed_at, breach_at, code)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_open_risk "
        "ON view_sla_cases (closed_at, risk_at)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_settled ON view_sla_cases (settled_at)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_customer ON view_sla_cases (customer_id)",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_opened ON view_sla_cases (opened_at)",
        # One owner's open cases of one kind, breached or at risk (the work list asks
        # per kind). Partial, on open cases only: a query without `closed_at IS NULL`
        # cannot use them, so the planner keeps choosing the indexes above for it.
        "CREATE INDEX IF NOT EXISTS view_sla_cases_open_owner_breach "
        "ON view_sla_cases (owner, kind, breach_at) WHERE closed_at IS NULL",
        "CREATE INDEX IF NOT EXISTS view_sla_cases_open_owner_risk "
        "ON view_sla_cases (owner, kind, risk_at) WHERE closed_at IS NULL",
        # Coverage reads every customer's period once: in owner order, from the index alone.
        "CREATE INDEX IF NOT EXISTS view_sla_periods_owner "
        "ON view_sla_periods (owner, active, since, until, segment, customer_id)",
        "CREATE INDEX IF NOT EXISTS view_sla_visits_time "
        "ON view_sla_visits (visited_at, customer_id)",
    )

    def __init__(self, settings: Settings | None = None) -> None:
        if settings is None:
            from ledger.config import load_settings

            settings = load_settings()
        self.clocks = Clocks(BusinessCalendar.from_settings(settings), settings.sla)

    def create(self, tx: Transaction, *, indexed: bool = True) -> None:
        super().create(tx, indexed=indexed)
        self.check(tx)

    def check(self, tx: Transaction) -> None:
        """The stored deadlines were computed on the calendar the configuration
        gives now; if not, the view is emptied to be replayed."""
        stored = tx.fetchone("SELECT value FROM view_sla_meta WHERE key = 'calendar'")
        # What stored deadlines of cases stamped without a calendar depend on.
        fingerprint = dumps(self.clocks.calendar.as_record())
        if stored is not None and stored[0] == fingerprint:
            return
        if stored is not None:
            # The stored deadlines were computed on another calendar (holidays or hours
            # changed in the configuration): empty the view so it replays from the start.
            for table in self.tables:
                tx.execute(f"DELETE FROM {table}")
            tx.execute("DELETE FROM view_tracking WHERE name = ?", (self.name,))
        tx.execute(
            "INSERT INTO view_sla_meta (key, value) VALUES ('calendar', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (fingerprint,),
        )

    def replay(self, tx: Transaction | None) -> Replay:
        # The handlers (and the event classes they name) are imported by the first
        # replay: a read of current cases needs neither (docs/decisions.md,
        # "Start-up: a read imports no event class").
        from projections.sla.replay import Rows

        return Rows(tx, self.clocks)

    def create_indexes(self, tx: Transaction) -> None:
        for statement in self.indexes:
            if tx.postgres:
                # The breach indexes give the codes of one moment in the order Python
                # sorts them (`queries._first_cases`), whatever the database's collation.
                statement = statement.replace("breach_at, code)", 'breach_at, code COLLATE "C")')
            tx.execute(statement)
