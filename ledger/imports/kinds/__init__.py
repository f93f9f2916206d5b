"""The kinds of source file (docs/import.md). Placeholder for the branch that
builds the record kinds: the import core's registry replaces this file at merge."""
