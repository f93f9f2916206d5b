"""The demo data set: a year in the life of a few hundred customers, told through
the ledger's own rules (see `demo.stories`), loaded by `demo.load`, and toured by
`ledger demo` (`demo.tour`)."""
