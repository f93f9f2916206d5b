"""Satisfaction scores (docs/import_kinds.md, "satisfaction"): one row per score a
customer gave, in a survey or a spot check.

A row without a `score_id` is identified by its customer, time and source, as the
ledger knows them now (a score whose time was corrected is found at its corrected
time). A row that names no recorded score, while the same file once imported a
score just like it but for its time or source which no row names now, is
rejected: it is that score with its time changed, or another one just like it,
and only the user can tell which."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ledger import commands as c
from ledger.domain.provenance import import_command_id, origin_of
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.recording import command, make_step, rules_reject
from ledger.receipts import Receipt
from ledger.vocabulary import SATISFACTION_SCORES, SatisfactionSource

LOW, HIGH = SATISFACTION_SCORES
STAMP = "%Y%m%dT%H%M%S"

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "recorded_at": "when the score was given",
        "staff": "who recorded it: an existing staff account",
        "score": f"the score, a whole number from {LOW} to {HIGH}",
        "source": "survey or spot_check",
    },
    optional={
        "score_id": "the score's external id; without one, the customer, time and "
        "source identify it (so a re-run finds it)",
        "note": "what the customer said",
    },
)


def identity(customer: str, when: datetime, source: str) -> str:
    """The external id of a score whose row gives none: one customer's score, at
    one time, from one source."""
    return f"{customer}@{when.astimezone(UTC):{STAMP}}@{source}"


def without_id(external_id: str, customer: str) -> bool:
    """Whether a recorded score's external id is an `identity` (its row gave no
    score_id)."""
    if not external_id.startswith(customer + "@"):
        return False
    stamp, _, source = external_id[len(customer) + 1 :].partition("@")
    try:
        datetime.strptime(stamp, STAMP)
    except ValueError:
        return False
    return source in {s.value for s in SatisfactionSource}


class Satisfaction(v.NamesItsCustomer):
    name = "satisfaction"
    columns = COLUMNS
    # Last among the records of one moment: a score follows the visit or contact
    # it was asked at.
    rank = 8

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        when = v.when(row, "recorded_at", timezone)
        source = v.choice(row, "source", SatisfactionSource)
        text = v.required(row, "score")
        try:
            score = int(text)
        except ValueError:
            raise RowRejected(
                f"score {text!r} is not a whole number from {LOW} to {HIGH}"
            ) from None
        note = row.get("note")
        given = bool(row.get("score_id"))
        ext = v.external_id(row, "score_id") if given else identity(customer, when, source.value)

        def scores_without_id(session: ImportSession) -> list[tuple[str, Any]]:
            """The customer's scores imported without a score_id, stored before."""
            return [
                (command_id, event)
                for command_id, event in session.imported_records(row, customer, self.name)
                if (origin := origin_of(event)) is not None
                and without_id(origin.external_id, customer)
            ]

        def recorded_as(session: ImportSession) -> str | None:
            """The score recorded without a score_id whose time and source are the
            row's now (its time corrected since it was imported)."""
            for command_id, event in scores_without_id(session):
                if identity(customer, event.occurred_at, event.source) == ext:
                    return command_id
            return None

        def named_now(session: ImportSession, command_id: str, event: Any) -> bool:
            now = identity(customer, event.occurred_at, event.source)
            return session.named_in_run(command_id) or session.named_in_run(
                import_command_id(system, self.name, now)
            )

        def refuse_if_moved(session: ImportSession) -> None:
            """Refuse a row just like a score the same file imported before, but
            for its time or source, when no row names that score now."""
            for command_id, event in scores_without_id(session):
                origin = origin_of(event)
                assert origin is not None
                if origin.source.rpartition(":")[0] != row.file:
                    continue
                if (event.actor, event.score, event.note) != (row.get("staff"), score, note):
                    continue
                if named_now(session, command_id, event):
                    continue
                code = session.customer_ref(row, customer)
                version = event.originator_version
                raise RowRejected(
                    f"{row.file} imported a score just like this one but for its time or "
                    f"source, without a score_id ({code} version {version}: "
                    f"{event.occurred_at.isoformat(timespec='minutes')}, {event.source}), "
                    "and no row names it now: if this row is that score, correct its time "
                    f"or source in the ledger (`ledger correct {code} --version {version} "
                    "--set occurred_at=...`) and import again; if it is another score, "
                    "give this row a score_id"
                )

        def run(session: ImportSession) -> Receipt:
            if not given:
                refuse_if_moved(session)
            with rules_reject("recorded_at"):
                return session.app.record_satisfaction(
                    command(
                        session, row, c.RecordSatisfaction, of=self.name, external_id=ext,
                        step="", when=when, customer=customer, score=score, source=source,
                        note=note,
                    )
                )  # fmt: skip

        return [
            make_step(
                system=system, kind=self.name, external_id=ext, step="", when=when, order=0,
                run=run, fields={"score": score, "source": source.value, "note": note},
                actor=row.get("staff"), recorded_as=None if given else recorded_as,
            )
        ]  # fmt: skip
