"""The SLA view: its tables and handlers (`view`, `batch`, `rows`, `handlers`),
its queries (`queries`) and visit coverage (`coverage`). The rules themselves
(calendar, policy, clocks) are the domain's, in `ledger.domain.sla`."""
