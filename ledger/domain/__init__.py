"""The pure domain: aggregates, their events and their rules. No I/O here."""
