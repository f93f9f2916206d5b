"""Importing a team's existing records from CSV files (docs/import.md)."""
