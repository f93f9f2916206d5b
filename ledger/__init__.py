"""Event-sourced customer-interaction ledger: domain and service."""

from ledger.dataclass_code import keep_generated_code

# Before any event class is made: their generated methods are compiled once, not in
# every process (ledger/dataclass_code.py).
keep_generated_code()
