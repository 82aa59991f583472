"""Benchmarks run by `make bench`; each module in BENCHMARKS prints its figures and writes
them to bench-results/<name>.json."""
