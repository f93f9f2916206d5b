"""Command-line groups, one module per group. Each command parses, calls one
service method and renders; heavy imports happen inside the command so that
`ledger --help` starts fast."""
