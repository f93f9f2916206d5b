"""Every projection the ledger keeps, in the order they are listed to users."""

from __future__ import annotations

from projections.activity import Activity
from projections.base import Projection
from projections.churn import ChurnSignals
from projections.contact_plan import ContactPlans
from projections.customer360 import Customer360
from projections.handover import Handovers
from projections.monthly import MonthlyFigures
from projections.pipeline import Pipeline
from projections.reads import ReadLog
from projections.recorded import RecordedVersions
from projections.sla.view import SlaCases
from projections.staff import StaffDirectoryView, WorkedOn
from projections.summaries import SummarySubmissions
from projections.visit_plans import VisitPlans
from projections.work_view import WorkItems


def all_projections() -> list[Projection]:
    return [
        Customer360(),
        RecordedVersions(),
        ChurnSignals(),
        SlaCases(),
        MonthlyFigures(),
        StaffDirectoryView(),
        WorkedOn(),
        Handovers(),
        ReadLog(),
        VisitPlans(),
        SummarySubmissions(),
        ContactPlans(),
        WorkItems(),
        Pipeline(),
        Activity(),
    ]
