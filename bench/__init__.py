"""Benchmarks: scripts that print figures with the machine they ran on (not tests)."""
