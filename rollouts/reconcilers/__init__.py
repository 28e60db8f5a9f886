"""Orchestration: observe → plan → execute → record, through the ports only."""
