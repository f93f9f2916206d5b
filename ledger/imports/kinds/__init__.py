"""The kinds of source file, by name (docs/import.md): `ledger import KIND=FILE`
and a file named `KIND.csv` find their kind here. One entry per kind.

Ranks order the steps of one customer at one moment: customers 0 and people 1,
then opportunities 2, inquiries 3 and complaints 4 (a case before the escalation
raised with it), escalations 5, contacts 6 and visits 7 (which name key people),
satisfaction 8 (asked at a contact or visit)."""

from __future__ import annotations

from ledger.imports.contract import Kind
from ledger.imports.kinds.complaints import Complaints
from ledger.imports.kinds.contacts import Contacts
from ledger.imports.kinds.customers import CUSTOMERS
from ledger.imports.kinds.escalations import Escalations
from ledger.imports.kinds.inquiries import Inquiries
from ledger.imports.kinds.opportunities import Opportunities
from ledger.imports.kinds.people import PEOPLE
from ledger.imports.kinds.satisfaction import Satisfaction
from ledger.imports.kinds.visits import Visits

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        CUSTOMERS,
        PEOPLE,
        Opportunities(),
        Inquiries(),
        Complaints(),
        Escalations(),
        Contacts(),
        Visits(),
        Satisfaction(),
    )
}
