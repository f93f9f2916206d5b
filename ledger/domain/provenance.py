"""Where an imported event came from (docs/import.md, "Provenance").

An imported event is recorded like a typed one, with three of its metadata fields
set by the import so that nothing about the event's shape changes:

- `command_id` is `import:<system>:<kind>:<external id>[:<step>]` (system and
  external id percent-quoted). It is the same
  on every run for the same record, so a re-run finds the command recorded already
  and writes nothing (the aggregate remembers its command ids), and it carries the
  record's external id. A change a re-run records of the record (an update or a
  correction, its row having changed) has that id followed by
  `:<what>-v<version>` (`import_change_id`).
- `correlation_id` is `import:<importer>:<run>`: who ran the import and which run
  (the run's start, UTC, to the second).
- `causation_id` is `<file>:<line>`: the line of the source file it came from.

The event's `actor` is the member of staff the record names (who did the work, so
activity and holdings stay theirs); `occurred_at` is the record's original time.
This module is the one place that writes and reads these strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

PREFIX = "import:"


@dataclass(frozen=True)
class Origin:
    """An imported event's provenance, read back from its metadata."""

    system: str
    kind: str
    external_id: str
    step: str
    importer: str
    run: str
    source: str  # `<file>:<line>`


@lru_cache(maxsize=2048)
def import_command_id(system: str, kind: str, external_id: str, step: str = "") -> str:
    """The command id of one step of one imported record (stable across runs).
    Remembered: an import names each step twice, planning a customer's steps and
    then running each (most customers have far fewer steps than are kept)."""
    # Quoted, so an external id holding ':' reads back whole (`origin_of`).
    base = f"{PREFIX}{_quoted(system)}:{kind}:{_quoted(external_id)}"
    return f"{base}:{step}" if step else base


# What `quote(text, safe='')` leaves as it is: most external ids are made of these,
# and a match costs a fraction of quoting (an import builds millions of ids).
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(text: str) -> str:
    return text if _UNQUOTED.fullmatch(text) else quote(text, safe="")


def import_change_id(command_id: str, what: str, version: int) -> str:
    """The command id of a change a re-run records of an imported record, whose
    step has `command_id`: an update (`what`: "profile", "person", "personal"...)
    or a correction ("fix"), named by the customer's version it is recorded at
    (docs/import.md, "Re-runs"), never by the new values. A row changed back to
    what it said before must be recorded again, and an id made of the values
    would be the earlier change's, answered "already recorded" and lost; values
    in an id would also outlive an erasure (command ids are not sealed). A
    re-run of the same file records nothing all the same: it compares the row
    with what is recorded, and finds them equal."""
    return f"{command_id}:{what}-v{version}"


def import_correlation_id(importer: str, run: str) -> str:
    return f"{PREFIX}{importer}:{run}"


def import_causation_id(file: str, line: int) -> str:
    return f"{file}:{line}"


def is_imported(event: Any) -> bool:
    """Whether `event` was recorded by an import (its command id says so)."""
    return str(getattr(event, "command_id", "")).startswith(PREFIX)


def origin_of(event: Any) -> Origin | None:
    """The provenance of an imported event, or None for a typed one."""
    if not is_imported(event):
        return None
    parts = str(event.command_id)[len(PREFIX) :].split(":", 3)
    system, kind, external_id = [*parts, "", "", ""][:3]
    step = parts[3] if len(parts) > 3 else ""
    importer, _, run = str(getattr(event, "correlation_id", "") or "")[len(PREFIX) :].partition(":")
    return Origin(
        system=unquote(system),
        kind=kind,
        external_id=unquote(external_id),
        step=step,
        importer=importer,
        run=run,
        source=str(getattr(event, "causation_id", "") or ""),
    )
