"""Corrections apply once, the same way everywhere (docs/domain.md, "Corrections").

The property, on SQLite and PostgreSQL: whatever commands and corrections were
recorded, and whenever the views caught up along the way, every view and every
customer aggregate is exactly what it would be had each corrected event been
recorded with its corrected values in the first place. The second ledger is
written by copying the first one's log with `fold` applied to each customer's
stream, so the domain's fold is the reference every view is held to.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.base import CustomerEvent
from ledger.domain.corrections import correctable_fields, fold
from ledger.domain.customer import Customer
from ledger.errors import LedgerError
from ledger.vocabulary import ComplaintCategory, Severity, VisitOutcome, VisitPurpose
from projections.views import Views
from tests.conftest import postgres_or_skip
from tests.integration.test_views_property import (
    ACTOR,
    BASE,
    CATCH_UP,
    CHANNELS,
    COMMANDS,
    STAFF_CHANGES,
    Step,
    fresh_storage,
    play,
)
from tests.staffing import staffed_ledger
from tests.view_state import view_rows


def corrected_value(field: str, original: Any, step: Step) -> str | None:
    """A value a person might type to correct `field`, or None to leave it."""
    n = step.variant
    moved = (BASE + timedelta(hours=n, minutes=30)).isoformat()
    choices: dict[str, str] = {
        "occurred_at": moved,
        "planned_for": moved,
        "channel": CHANNELS[n % len(CHANNELS)],
        "direction": ("inbound", "outbound")[n % 2],
        "category": list(ComplaintCategory)[n % len(ComplaintCategory)].value,
        "severity": list(Severity)[n % len(Severity)].value,
        "outcome": list(VisitOutcome)[n % len(VisitOutcome)].value,
        "purpose": list(VisitPurpose)[n % len(VisitPurpose)].value,
        "score": str(1 + n % 5),
        "due": (date(2026, 1, 5) + timedelta(days=n)).isoformat(),
        "value": f"{1000 + n}.50",
    }
    if field in choices:
        return choices[field]
    if isinstance(original, list) and all(isinstance(item, str) for item in original):
        return "" if field in ("people", "people_met") else f"corrected {n}; again {n}"
    if isinstance(original, str) and field not in ("currency", "visitor", "to", "source"):
        return f"corrected {n}"
    return None


def correction(app: Ledger, code: str, customer: Customer, step: Step) -> object:
    """Correct a field of an earlier event that a correction may change."""
    version = customer.version - step.pick % customer.version
    target = app.event_at(customer.id, version)
    fields = [
        (field, value)
        for field in correctable_fields(target)
        if (value := corrected_value(field, getattr(target, field), step)) is not None
    ]
    if not fields:
        return None
    field, value = fields[step.variant % len(fields)]
    return app.record_correction(
        c.RecordCorrection(
            actor=ACTOR, customer=code, version=version, reason="typo", changes={field: value}
        )
    )


COMMANDS_WITH_CORRECTIONS = {**COMMANDS, "correct": correction}
steps = st.builds(
    Step,
    action=st.sampled_from(
        [*COMMANDS_WITH_CORRECTIONS, *STAFF_CHANGES, CATCH_UP, "correct", "correct", "correct"]
    ),
    customer=st.integers(0, 1),
    pick=st.integers(0, 7),
    variant=st.integers(0, 47),
)


def copy_log_as_corrected(source: Ledger, target: Ledger) -> None:
    """Write `source`'s whole log into `target`, in the same order, with every
    customer event replaced by what its corrections say it was."""
    notifications = source.recorder.select_notifications(start=1, limit=1_000_000)
    events = [source.mapper.to_domain_event(n) for n in notifications]
    streams: dict[UUID, list[CustomerEvent]] = {}
    for event in events:
        if isinstance(event, CustomerEvent):
            streams.setdefault(event.originator_id, []).append(event)
    folded = {
        (e.originator_id, e.originator_version): e
        for stream in streams.values()
        for e in fold(stream)
    }
    for event in events:
        event = folded.get((event.originator_id, event.originator_version), event)
        target.recorder.insert_events([target.mapper.to_stored_event(event)])


def aggregate_state(app: Ledger, customer_id: UUID) -> dict[str, Any]:
    return dict(vars(app.repository.get(customer_id)))


# Corrections change the words a history shows, and only there: the read-log and
# recorded views keep the recording, not the content.
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(customers=st.integers(1, 2), plan=st.lists(steps, min_size=15, max_size=50))
def corrections_apply_as_if_recorded_corrected(
    backend: str, customers: int, plan: list[Step]
) -> None:
    with (
        fresh_storage(backend) as storage,
        fresh_storage(backend) as corrected_storage,
        staffed_ledger(storage) as (app, views),
    ):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                "tests.integration.test_views_property.COMMANDS", COMMANDS_WITH_CORRECTIONS
            )
            codes = play(app, storage, views, customers, plan)
        views.catch_up()
        corrected_app = Ledger(env=corrected_storage.env)
        corrected_views = Views(corrected_app, corrected_storage)
        try:
            copy_log_as_corrected(app, corrected_app)
            corrected_views.catch_up()

            assert view_rows(views) == view_rows(corrected_views)
            for code in codes:
                customer_id = app.resolve_customer(code)
                assert aggregate_state(app, customer_id) == aggregate_state(
                    corrected_app, customer_id
                )
        finally:
            corrected_views.close()
            corrected_app.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_views_and_aggregate_show_corrections_as_if_the_events_were_recorded_corrected(
    backend: str,
) -> None:
    if backend == "postgres":
        postgres_or_skip()

    corrections_apply_as_if_recorded_corrected(backend)


def test_a_correction_changes_what_the_aggregate_decides_with() -> None:
    """The aggregate folds corrections too: a complaint whose filing time was
    corrected to later cannot be resolved before the corrected time."""
    with fresh_storage("sqlite") as storage, staffed_ledger(storage) as (app, _views):
        code = app.register_customer(
            c.RegisterCustomer(actor=ACTOR, name="Acme", segment="airport", occurred_at=BASE)
        ).customer_code
        filed = app.file_complaint(
            c.FileComplaint(
                actor=ACTOR, customer=code, category="service", description="late",
                channel="email", occurred_at=BASE + timedelta(hours=1),
            )
        )  # fmt: skip
        app.record_correction(
            c.RecordCorrection(
                actor=ACTOR, customer=code, version=filed.version, reason="filed later",
                changes={"occurred_at": (BASE + timedelta(hours=5)).isoformat()},
            )
        )  # fmt: skip

        with pytest.raises(LedgerError, match="a later step cannot have happened before"):
            app.resolve_complaint(
                c.ResolveComplaint(
                    actor=ACTOR, customer=code, case=filed.subject, resolution="done",
                    occurred_at=BASE + timedelta(hours=3),
                )
            )  # fmt: skip


def test_fold_lays_later_corrections_over_earlier_ones() -> None:
    with fresh_storage("sqlite") as storage, staffed_ledger(storage) as (app, _views):
        code = app.register_customer(
            c.RegisterCustomer(actor=ACTOR, name="Acme", segment="airport", occurred_at=BASE)
        ).customer_code
        logged = app.log_contact(
            c.LogContact(
                actor=ACTOR, customer=code, channel="phone", direction="inbound",
                summary="first words", occurred_at=BASE,
            )
        )  # fmt: skip
        for summary in ("second words", "third words"):
            with contextlib.suppress(LedgerError):
                app.record_correction(
                    c.RecordCorrection(
                        actor=ACTOR, customer=code, version=logged.version, reason="typo",
                        changes={"summary": summary},
                    )
                )  # fmt: skip
        customer_id = app.resolve_customer(code)

        events = fold(e for e in app.events.get(customer_id) if isinstance(e, CustomerEvent))

        contact = dataclasses.asdict(events[logged.version - 1])
        original = dataclasses.asdict(app.event_at(customer_id, logged.version))
        assert (contact["summary"], original["summary"]) == ("third words", "first words")
        assert {**contact, "summary": "first words"} == original
