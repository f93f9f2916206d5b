"""Read models rebuilt from the event log: one module per projection, each with
its tables, its event handlers and its queries (see projections/base.py)."""
