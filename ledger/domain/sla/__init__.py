"""Service rules (SLA): the business calendar, the policy stamped on each case,
and the clocks that turn a case's steps into deadlines, risks and breaches
(docs/domain.md, "Service rules (SLA)")."""
