"""JSON Schemas of the events as `ledger export` writes them, generated with pydantic
from the event classes, so that downstream consumers can validate what they read.

Each event type's schema describes one exported record: the envelope
(`ledger.export.COLUMNS`) and, under `data`, the event's own fields with their
types; a field that holds a term of a closed vocabulary is an enum of its terms.
`event` and `event_version` are constants, so a consumer can tell which schema
(and which version of it) a record follows.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from ledger import vocabulary as v
from ledger.corrections import VOCABULARIES
from ledger.domain.base import CustomerEvent
from ledger.domain.events import ALL_EVENTS
from ledger.domain.personal import PERSONAL_EVENT_FIELDS
from ledger.errors import InvalidInputError
from ledger.export import NOT_PAYLOAD

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Field names that mean different vocabularies in different events (`kind` of a
# customer, `kind` of a visit), or a vocabulary in one event only.
EVENT_VOCABULARIES: dict[tuple[str, str], type[StrEnum]] = {
    ("CustomerRegistered", "kind"): v.CustomerKind,
    ("CustomerRegistered", "stage"): v.Stage,
    ("LifecycleStageChanged", "previous"): v.Stage,
    ("LifecycleStageChanged", "stage"): v.Stage,
    ("RelationshipReactivated", "stage"): v.Stage,
    ("VisitPlanned", "kind"): v.VisitKind,
    ("VisitReported", "kind"): v.VisitKind,
    ("OpportunityOpened", "stage"): v.OpportunityStage,
    ("OpportunityStageChanged", "previous"): v.OpportunityStage,
    ("OpportunityStageChanged", "stage"): v.OpportunityStage,
    ("SatisfactionRecorded", "source"): v.SatisfactionSource,
}

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class ExportedEvent(BaseModel):
    """The envelope every exported event shares."""

    model_config = ConfigDict(extra="forbid")

    position: int | None = Field(
        description="The event's place in the ledger-wide log (its notification id); "
        "null in an export of one customer."
    )
    customer_id: UUID = Field(description="The customer's stream id.")
    customer_code: str = Field(description="The customer's code, such as C-00042.")
    version: int = Field(ge=1, description="The event's place in the customer's stream.")
    event: str
    event_version: int
    occurred_at: datetime = Field(
        description="When it happened in the world, as the person recording it said."
    )
    recorded_at: datetime = Field(description="When the ledger recorded it.")
    actor: str = Field(description="The staff member who recorded it.")
    command_id: str = Field(description="The idempotency key of the command that recorded it.")
    correlation_id: str | None
    causation_id: str | None
    previous_hash: Sha256 | Literal[""] = Field(
        description="The hash of the event before it in the stream; empty for the first."
    )
    event_hash: Sha256 = Field(
        description="SHA-256 over the stream id, version, type and content (see "
        "`ledger audit verify`)."
    )


def event_names() -> list[str]:
    return [cls.__name__ for cls in ALL_EVENTS]


def event_class(name: str) -> type[CustomerEvent]:
    """An event type by name; case does not matter."""
    for cls in ALL_EVENTS:
        if cls.__name__.casefold() == name.strip().casefold():
            return cls
    raise InvalidInputError(
        f"no event type {name!r}: `ledger schema --list` names them all "
        "(for example ComplaintFiled)"
    )


@cache
def export_model(cls: type[CustomerEvent]) -> type[ExportedEvent]:
    """The pydantic model of an exported `cls` event; it validates records too."""
    name = cls.__name__
    # Constants, so that a record names the one schema (and version) it follows.
    this_event: Any = Literal.__getitem__(name)
    this_version: Any = Literal.__getitem__(getattr(cls, "class_version", 1))
    model: type[ExportedEvent] = create_model(
        name,
        __base__=ExportedEvent,
        __doc__=_description(cls),
        event=(this_event, Field(description="The event type.")),
        event_version=(
            this_version,
            Field(description="The version of the event type the record follows."),
        ),
        data=(_payload_model(cls), Field(description="What the event says.")),
    )
    return model


def _payload_model(cls: type[CustomerEvent]) -> type[BaseModel]:
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {
        f.name: (_vocabulary(cls.__name__, f.name) or hints[f.name], ...)
        for f in dataclasses.fields(cls)
        if f.name not in NOT_PAYLOAD and f.name not in PERSONAL_EVENT_FIELDS
    }
    if PERSONAL_EVENT_FIELDS & {f.name for f in dataclasses.fields(cls)}:
        fields["personal"] = (
            dict[str, str | list[str]] | Literal["erased", "withheld"],
            Field(
                default=None,
                description="The person's personal details (docs/domain.md, \"Personal "
                'data"): present only in an export with --include-personal; "erased" '
                "once erased on request.",
                json_schema_extra={"x-personal": True},
            ),
        )
    model: type[BaseModel] = create_model(
        f"{cls.__name__}Data", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def _vocabulary(event: str, field: str) -> type[StrEnum] | None:
    return EVENT_VOCABULARIES.get((event, field)) or VOCABULARIES.get(field)


def _description(cls: type[CustomerEvent]) -> str | None:
    doc = cls.__doc__ or ""
    # A class without a docstring gets the dataclass signature as one: not a description.
    if not doc or doc.startswith(f"{cls.__name__}("):
        return None
    return " ".join(doc.split())


def json_schema(cls: type[CustomerEvent]) -> dict[str, Any]:
    """The JSON Schema of an exported `cls` event."""
    return {"$schema": JSON_SCHEMA_DIALECT, **export_model(cls).model_json_schema()}


def all_json_schemas() -> dict[str, dict[str, Any]]:
    """Every event type's schema, by event name, in the catalogue's order."""
    return {cls.__name__: json_schema(cls) for cls in ALL_EVENTS}
