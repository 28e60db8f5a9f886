"""Pure rollout decisions: (model values, now) -> values. No I/O, no clock, no logging."""
