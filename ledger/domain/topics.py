"""Telling stored events apart by their topic, without decoding them."""

from __future__ import annotations

# Every event the ledger records and hash-chains: customers', staff accounts', reads.
RECORDED_TOPIC_PREFIX = "ledger.domain.events."
# Staff accounts' events and the read log: recorded, but no customer's history.
STAFF_TOPIC_PREFIX = "ledger.domain.events.staff:"
# Monthly visit plans' events: recorded, chained and audited, but no customer's.
VISIT_PLAN_TOPIC_PREFIX = "ledger.domain.events.visit_plans:"
# Monthly summaries submitted (docs/domain.md, "Reports"): a segment's, no customer's.
REPORT_TOPIC_PREFIX = "ledger.domain.events.reports:"
NOT_CUSTOMER_PREFIXES = (STAFF_TOPIC_PREFIX, VISIT_PLAN_TOPIC_PREFIX, REPORT_TOPIC_PREFIX)


def is_customer_topic(topic: str) -> bool:
    return topic.startswith(RECORDED_TOPIC_PREFIX) and not topic.startswith(NOT_CUSTOMER_PREFIXES)


# The same test in SQL, for a query to select customers' events by itself: the
# condition, and the values of its placeholders.
CUSTOMER_TOPIC_SQL = "topic LIKE ?" + " AND topic NOT LIKE ?" * len(NOT_CUSTOMER_PREFIXES)
CUSTOMER_TOPIC_PATTERNS = (
    f"{RECORDED_TOPIC_PREFIX}%",
    *(f"{prefix}%" for prefix in NOT_CUSTOMER_PREFIXES),
)
