"""CronJob schedules, and the times they fall on (pure).

A schedule is the standard five fields (minute, hour, day of month, month, day of week), each
`*` or `?`, a number, a range `a-b`, a step `*/n`, `a/n` or `a-b/n`, or a list of those; months
and weekdays may be named (JAN, MON). Or a macro: @yearly, @annually, @monthly, @weekly,
@daily, @midnight, @hourly. As in cron, when both day fields are restricted a day matching
either one is scheduled. Times are wall-clock minutes in the CronJob's time zone.
"""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_MINUTE = datetime.timedelta(minutes=1)
# a schedule that matches nothing (February 30th) is searched this far, then given up
_HORIZON_YEARS = 8


class CronError(ValueError):
    """A schedule that does not parse."""


@dataclasses.dataclass(frozen=True)
class _Bounds:
    low: int
    high: int
    names: tuple[str, ...] = ()
    name_base: int = 0


_FIELDS = (
    _Bounds(0, 59),
    _Bounds(0, 23),
    _Bounds(1, 31),
    _Bounds(1, 12, _MONTHS, 1),
    _Bounds(0, 6, _WEEKDAYS, 0),
)


@dataclasses.dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 is Sunday
    any_day: bool  # the day-of-month field was `*`
    any_weekday: bool

    def day_matches(self, day: datetime.date) -> bool:
        in_month = day.day in self.days
        in_week = (day.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week


def parse(text: str) -> Schedule:
    """The schedule `text` describes, or CronError."""
    fields = _MACROS.get(text.strip(), text).split()
    if len(fields) != len(_FIELDS):
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [_field(field, bounds) for field, bounds in zip(fields, _FIELDS, strict=True)]
    (minutes, _), (hours, _), (days, any_day), (months, _), (weekdays, any_weekday) = parsed
    return Schedule(
        minutes=frozenset(minutes),
        hours=frozenset(hours),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(weekdays),
        any_day=any_day,
        any_weekday=any_weekday,
    )


def _field(text: str, bounds: _Bounds) -> tuple[set[int], bool]:
    """The values of one field, and whether it was a plain `*` (or `?`, or `*/1`)."""
    values: set[int] = set()
    star = False
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = _number(step_text, bounds, allow_names=False) if step_text else 1
        if step < 1:
            raise CronError(f"step of range should be a positive number: {part}")
        if span in ("*", "?"):
            low, high = bounds.low, bounds.high
            star = star or step == 1
        else:
            first, _, last = span.partition("-")
            low = _number(first, bounds)
            high = _number(last, bounds) if last else (bounds.high if step_text else low)
        if not bounds.low <= low <= high <= bounds.high:
            raise CronError(f"{part}: out of range [{bounds.low}, {bounds.high}]")
        values.update(range(low, high + 1, step))
    return values, star


def _number(text: str, bounds: _Bounds, *, allow_names: bool = True) -> int:
    upper = text.upper()
    if allow_names and upper in bounds.names:
        return bounds.names.index(upper) + bounds.name_base
    if not text.isdigit():
        raise CronError(f"failed to parse int from {text}")
    return int(text)


def zone(name: str | None) -> datetime.tzinfo:
    """The time zone a CronJob names (UTC when it names none), or CronError."""
    if not name:
        return datetime.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise CronError(f"unknown time zone {name}") from exc


def next_after(schedule: Schedule, moment: datetime.datetime) -> datetime.datetime | None:
    """The first scheduled minute strictly after `moment` (in `moment`'s time zone)."""
    start = moment.replace(second=0, microsecond=0) + _MINUTE
    return _search(schedule, start, forward=True)


def latest_at_or_before(schedule: Schedule, moment: datetime.datetime) -> datetime.datetime | None:
    """The last scheduled minute at or before `moment` (in `moment`'s time zone)."""
    return _search(schedule, moment.replace(second=0, microsecond=0), forward=False)


def _search(
    schedule: Schedule, start: datetime.datetime, *, forward: bool
) -> datetime.datetime | None:
    """Walk from `start` to the nearest matching minute, skipping whole months, days and hours
    that cannot match, so that a rare schedule costs a few hundred steps, not a year of
    minutes."""
    tz = start.tzinfo
    at = start.replace(tzinfo=None)  # wall-clock time: schedules are written in it
    limit = datetime.timedelta(days=366 * _HORIZON_YEARS)
    jump = _forward if forward else _backward
    while abs(at - start.replace(tzinfo=None)) <= limit:
        if at.month not in schedule.months:
            at = jump(at, "month")
        elif not schedule.day_matches(at.date()):
            at = jump(at, "day")
        elif at.hour not in schedule.hours:
            at = jump(at, "hour")
        elif at.minute not in schedule.minutes:
            at = jump(at, "minute")
        else:
            return at.replace(tzinfo=tz)
    return None


def _forward(at: datetime.datetime, unit: str) -> datetime.datetime:
    """The first minute of the next month, day, hour or minute."""
    if unit == "month":
        first = at.replace(day=1, hour=0, minute=0)
        return (first + datetime.timedelta(days=32)).replace(day=1)
    if unit == "day":
        return at.replace(hour=0, minute=0) + datetime.timedelta(days=1)
    if unit == "hour":
        return at.replace(minute=0) + datetime.timedelta(hours=1)
    return at + _MINUTE


def _backward(at: datetime.datetime, unit: str) -> datetime.datetime:
    """The last minute of the previous month, day, hour or minute."""
    if unit == "month":
        return at.replace(day=1, hour=0, minute=0) - _MINUTE
    if unit == "day":
        return at.replace(hour=0, minute=0) - _MINUTE
    if unit == "hour":
        return at.replace(minute=0) - _MINUTE
    return at - _MINUTE
