"""The independent anchor: the same work as jinli, written the way a columnar engineer would (DuckDB).

Not jinli's code and not its bare baseline: `customers.py` reads the customers CSV with DuckDB and
derives every stored column set-wise, then writes through plain ``sqlite3`` into a database of
jinli's schema; `compare.py` checks its rows equal jinli's; `analytics.py` runs the tier scoring and
the funnel counts in DuckDB over the same data. DuckDB is the ``bench`` extra, never a runtime
dependency of jinli.
"""
