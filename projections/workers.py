"""How many processes a rebuild may be split over. Kept apart from
`projections/parallel.py` so that the command line can state the limit in its
options without importing the rebuild's machinery (`ledger projections --help`
stays instant)."""

# Each worker is an interpreter holding its share of the views; past the cores
# more of them only compete for the same CPU and memory (and for SQLite's one
# writer).
MOST_WORKERS = 32
