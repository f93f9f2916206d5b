from ledger import commands as c
from ledger.application import Ledger


def test_a_registered_customer_is_found_by_code_and_by_name(ledger_app: Ledger) -> None:
    receipt = ledger_app.register_customer(
        c.RegisterCustomer(actor="li.wei", name="Capital Airport Group", segment="airport")
    )

    assert receipt.customer_code == "C-00001"
    assert ledger_app.resolve_customer("C-00001") == ledger_app.resolve_customer(
        "capital airport group"
    )
