"""Benchmarks run by `launch.py bench ...`; each writes JSON and a Markdown table."""
