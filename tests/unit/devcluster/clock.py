"""A clock the test moves by hand, for the store and the simulated controllers."""

from __future__ import annotations

import datetime

T0 = datetime.datetime(2024, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)


class FakeClock:
    """A callable clock that only moves when told; `Simulation.settle()` moves it to each timer."""

    def __init__(self, start: datetime.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> datetime.datetime:
        self.now += datetime.timedelta(seconds=seconds)
        return self.now

    def advance_to(self, when: datetime.datetime) -> datetime.datetime:
        """Move to `when`, never backwards (a timer already past does not rewind time)."""
        self.now = max(self.now, when)
        return self.now
