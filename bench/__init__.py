"""
The benchmark for issue 5: our reads, builds, start-up and concurrency against raw SQLite.

Run it with `make bench` or `python -m bench` from the repository root (`--help` for options).
It generates its own data, checks that both sides return the same rows in the same order, and
only then reports each figure as ours, raw and their ratio, against the target in the issue.
It is a report, not a test: a missed target prints MISS and the run still exits 0.

This package stays import-light: the cold-start child imports `bench.models`, and anything
imported here would be counted against us.

"""
