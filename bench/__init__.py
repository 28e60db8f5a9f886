"""Benchmarks; each script is run as a file (`.venv/bin/python bench/NAME.py`)."""
