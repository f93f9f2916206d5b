"""Every projection the ledger keeps, in the order they are listed to users.

Each view is listed by its name (its class's `name`) with the module and class that
keep it, so that a process can import only the views it reads: a command that shows
one customer catches up two views, and importing all fifteen cost it more than
reading them did (docs/decisions.md, "Start-up: a process imports what it uses").
A test checks that every entry's class carries the name it is listed under.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from projections.base import Projection

# name -> (module, class)
CATALOGUE: dict[str, tuple[str, str]] = {
    "customer360": ("projections.customer360", "Customer360"),
    "recorded": ("projections.recorded", "RecordedVersions"),
    "churn": ("projections.churn", "ChurnSignals"),
    "sla": ("projections.sla.view", "SlaCases"),
    "monthly": ("projections.monthly", "MonthlyFigures"),
    "staff": ("projections.staff", "StaffDirectoryView"),
    "worked_on": ("projections.staff", "WorkedOn"),
    "handover": ("projections.handover", "Handovers"),
    "reads": ("projections.reads", "ReadLog"),
    "visit_plans": ("projections.visit_plans", "VisitPlans"),
    "summaries": ("projections.summaries", "SummarySubmissions"),
    "contact_plan": ("projections.contact_plan", "ContactPlans"),
    "work": ("projections.work_view", "WorkItems"),
    "pipeline": ("projections.pipeline", "Pipeline"),
    "activity": ("projections.activity", "Activity"),
}


def projection_class(name: str) -> type[Projection]:
    """The class that keeps view `name`, imported now (KeyError for no such view)."""
    module, attribute = CATALOGUE[name]
    found: type[Projection] = getattr(importlib.import_module(module), attribute)
    return found


def all_projections() -> list[Projection]:
    return [projection_class(name)() for name in CATALOGUE]
