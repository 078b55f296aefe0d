"""Benchmarks: one entry point per figure (`python -m bench.NAME`), each printing a table
and writing JSON under var/bench/; the README's performance section is made from them."""
