"""Event-sourced customer-interaction ledger: domain and service."""
