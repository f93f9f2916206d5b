"""Customers (docs/import.md, "customers"): one row per customer, registered at
its original time with its external id; every other kind of row names its
customer by that id. A re-run with a changed row brings the customer to what the
row says with the profile, tier, stage, segment and owner commands (a
registration is never corrected: docs/domain.md, "Corrections")."""

from __future__ import annotations

from typing import Any

from ledger import commands as c
from ledger.domain.provenance import import_command_id
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.updates import changed, in_column, reason, run_update
from ledger.receipts import Receipt
from ledger.vocabulary import CustomerKind, Stage, Tier

COLUMNS = Columns(
    required={
        "customer_id": "the customer's external id in the source system, unique among customers",
        "name": "the customer's name, unique in the ledger",
        "registered_at": "when the customer was first recorded in the source system "
        "(YYYY-MM-DD or YYYY-MM-DD HH:MM, the ledger's time zone unless an offset is given)",
    },
    optional={
        "kind": "organisation (default) or individual",
        "industry": "free text",
        "segment": "the segment id (airport, technology...); default: --segment",
        "headquarters": "free text",
        "tier": "strategic or general (default)",
        "vip": "yes / no (default no)",
        "stage": "prospect (default), development, growth or maturity",
        "owner": "the owner's staff id: an active account that may own customers of the "
        "segment; default: --owner",
        "registered_by": "who registered the customer: a staff id (active or not); "
        "default: the owner",
    },
)
YES = frozenset({"yes", "y", "true", "1", "是", "x"})
NO = frozenset({"", "no", "n", "false", "0", "否"})


class Customers:
    name = "customers"
    columns = COLUMNS
    rank = 0  # a customer is registered before anything is recorded on it

    def customer_of(self, row: SourceRow) -> str:
        return v.external_id(row, "customer_id")

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        external_id = self.customer_of(row)
        when = v.when(row, "registered_at", timezone)
        name = v.required(row, "name")
        kind = v.choice(row, "kind", CustomerKind, default=CustomerKind.ORGANISATION)
        tier = v.choice(row, "tier", Tier, default=Tier.GENERAL)
        stage = v.choice(row, "stage", Stage, default=Stage.PROSPECT)
        vip = _yes_no(row, "vip")
        command_id = import_command_id(system, self.name, external_id)
        profile = {
            "name": name,
            "kind": kind.value,
            "industry": row.get("industry"),
            "headquarters": row.get("headquarters"),
        }

        def segment_and_owner(session: ImportSession) -> tuple[str, str]:
            segment = row.get("segment") or session.default("segment")
            if not segment:
                raise RowRejected("segment is empty: give one in the file or --segment")
            if not (row.get("owner") or session.default("owner")):
                raise RowRejected("owner is empty: give one in the file or --owner")
            owner = session.staff(_defaulted(row, session, "owner"), "owner")
            return segment, owner

        def register(session: ImportSession) -> Receipt:
            segment, owner = segment_and_owner(session)
            actor = session.staff(row, "registered_by") if row.get("registered_by") else owner
            command = session.build(
                c.RegisterCustomer,
                {
                    **session.command_fields(row, self.name, external_id, actor=actor),
                    "occurred_at": when,
                    **profile,
                    "segment": segment,
                    "tier": tier,
                    "vip": vip,
                    "stage": stage,
                    "owner": owner,
                    "external_refs": {system: external_id},
                },
            )
            with in_column("registered_at"):
                return session.app.register_customer(command)

        def update(session: ImportSession) -> bool:
            """What the row gives that differs from what the import recorded before
            (an empty cell, or a command-line default, is not compared), and that
            the customer does not already have."""
            customer = session.customer_ref(row, external_id)
            before = session.as_imported(customer, command_id)
            current: Any = session.app.get_customer(customer)
            now = vars(current)
            wanted: dict[str, Any] = {k: val for k, val in profile.items() if row.get(k)}
            if row.get("tier") or row.get("vip"):
                wanted["tier"], wanted["vip"] = tier.value, vip
            if row.get("stage"):
                wanted["stage"] = stage.value
            for column in ("segment", "owner"):
                if row.get(column):
                    wanted[column] = row.get(column)
            differ = changed(now, changed(before, wanted))
            wrote = False
            profile_changes = {k: val for k, val in differ.items() if k in profile}
            if profile_changes:
                wrote |= run_update(
                    session, row, customer, command_id, "profile",
                    lambda p: session.app.update_profile(session.build(
                        c.UpdateProfile, {**p, "customer": customer, **profile_changes})),
                )  # fmt: skip
            if "tier" in differ or "vip" in differ:
                wrote |= run_update(
                    session, row, customer, command_id, "tier",
                    lambda p: session.app.change_tier(session.build(c.ChangeTier, {
                        **p, "customer": customer, "tier": tier, "vip": vip,
                        "reason": reason(row)})),
                )  # fmt: skip
            if "stage" in differ:
                wrote |= run_update(
                    session, row, customer, command_id, "stage",
                    lambda p: session.app.change_stage(session.build(c.ChangeStage, {
                        **p, "customer": customer, "stage": stage, "reason": reason(row)})),
                )  # fmt: skip
            if "segment" in differ:
                wrote |= run_update(
                    session, row, customer, command_id, "segment",
                    lambda p: session.app.change_segment(session.build(c.ChangeSegment, {
                        **p, "customer": customer, "segment": differ["segment"],
                        "reason": reason(row)})),
                )  # fmt: skip
            if "owner" in differ:
                owner = session.staff(row, "owner")
                wrote |= run_update(
                    session, row, customer, command_id, "owner",
                    lambda p: session.app.assign_owner(session.build(c.AssignOwner, {
                        **p, "customer": customer, "owner": owner, "reason": reason(row)})),
                )  # fmt: skip
            return wrote

        return [Step(when=when, order=0, command_id=command_id, run=register, update=update)]


def _defaulted(row: SourceRow, session: ImportSession, column: str) -> SourceRow:
    if row.get(column):
        return row
    values = {**row.values, column: session.default(column)}
    return SourceRow(file=row.file, line=row.line, raw=row.raw, values=values)


def _yes_no(row: SourceRow, column: str) -> bool:
    text = row.get(column).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowRejected(f"{column} is yes or no, not {row.get(column)!r}")


CUSTOMERS = Customers()
