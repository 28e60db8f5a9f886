"""I/O only: each module implements one Protocol from rollouts.ports."""
