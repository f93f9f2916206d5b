"""The closed vocabularies of the domain (docs/domain.md, "Event catalogue"): each
is a `StrEnum`, so events store plain strings and a stock eventsourcing reader
sees plain JSON."""

from enum import StrEnum


class CustomerKind(StrEnum):
    ORGANISATION = "organisation"
    INDIVIDUAL = "individual"


class Tier(StrEnum):
    STRATEGIC = "strategic"
    GENERAL = "general"


class Stage(StrEnum):
    PROSPECT = "prospect"
    DEVELOPMENT = "development"
    GROWTH = "growth"
    MATURITY = "maturity"
    TERMINATED = "terminated"


class DecisionRole(StrEnum):
    DECISION_MAKER = "decision_maker"
    ADVISOR = "advisor"
    USER = "user"
    GATEKEEPER = "gatekeeper"
    COACH = "coach"


class RelationshipStatus(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    NOT_ESTABLISHED = "not_established"


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    FAX = "fax"
    MEETING = "meeting"
    WEB = "web"
    MESSAGE = "message"
    OTHER = "other"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class VisitPurpose(StrEnum):
    MARKET_RESEARCH = "market_research"
    COMPETITOR_INTEL = "competitor_intel"
    MAINTENANCE = "maintenance"
    NEW_CUSTOMER = "new_customer"
    NEW_PROJECT = "new_project"
    INFLUENCE = "influence"
    COLLECTION = "collection"


class VisitKind(StrEnum):
    FIRST_VISIT = "first_visit"
    PROBLEM_HANDLING = "problem_handling"
    RELATIONSHIP_BUILDING = "relationship_building"


class VisitOutcome(StrEnum):
    """A: deal succeeded, B: promising, C: visit again, D: no hope, E: keep observing."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


VISIT_OUTCOME_MEANING = {
    "A": "deal succeeded",
    "B": "promising",
    "C": "visit again",
    "D": "no hope",
    "E": "keep observing",
}


class ComplaintCategory(StrEnum):
    SERVICE = "service"
    QUALITY = "quality"
    BILLING = "billing"
    DELIVERY = "delivery"
    STAFF = "staff"
    SAFETY = "safety"
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class OpportunityStage(StrEnum):
    QUALIFICATION = "qualification"
    NEEDS_ANALYSIS = "needs_analysis"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    CONTRACTING = "contracting"


class SatisfactionSource(StrEnum):
    SURVEY = "survey"
    SPOT_CHECK = "spot_check"


ESCALATION_LEVELS = {1: "supervisor", 2: "department head", 3: "head office"}
# Whole numbers with the range a command (and a correction) allows: the lowest and
# highest of each, named once here.
SATISFACTION_SCORES = (1, 5)
# The longest free text a command takes (a corrected text too).
TEXT_LIMIT = 4000
# What no text may hold: PostgreSQL's text and jsonb cannot store a NUL character,
# so an event carrying one could never reach the views (ledger/commands/base.py refuses
# it in every command, commands/edge.py in every typed value, reads' filters too).
NUL = "\x00"
NUL_REFUSAL = "must not contain a NUL character (\\x00)"
LEVELS = (min(ESCALATION_LEVELS), max(ESCALATION_LEVELS))
