"""Cron schedules: what parses, and the minutes they fall on."""

from __future__ import annotations

import datetime

import pytest

from rollouts.devcluster import cron

UTC = datetime.UTC


def _at(text: str, tz: datetime.tzinfo = UTC) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.mark.parametrize(
    ("text", "field", "values"),
    [
        pytest.param("*/15 * * * *", "minutes", {0, 15, 30, 45}, id="step"),
        pytest.param("5-20/5 * * * *", "minutes", {5, 10, 15, 20}, id="range-step"),
        pytest.param("50/5 * * * *", "minutes", {50, 55}, id="start-step"),
        pytest.param("1,2,30-31 * * * *", "minutes", {1, 2, 30, 31}, id="list"),
        pytest.param("0 9-17 * * *", "hours", {9, 10, 11, 12, 13, 14, 15, 16, 17}, id="hours"),
        pytest.param("0 0 * JAN,jul *", "months", {1, 7}, id="month-names"),
        pytest.param("0 0 * * MON-FRI", "weekdays", {1, 2, 3, 4, 5}, id="weekday-names"),
        pytest.param("0 0 ? * SUN", "weekdays", {0}, id="question-mark"),
        pytest.param("@hourly", "minutes", {0}, id="macro"),
    ],
)
def test_schedules_parse_into_the_minutes_they_name(text: str, field: str, values: set[int]):
    assert getattr(cron.parse(text), field) == values


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "expected exactly 5 fields, found 0", id="empty"),
        pytest.param("* * * *", "expected exactly 5 fields, found 4", id="four-fields"),
        pytest.param("60 * * * *", "out of range [0, 59]", id="minute-too-big"),
        pytest.param("* * 0 * *", "out of range [1, 31]", id="day-zero"),
        pytest.param("* * * * 7", "out of range [0, 6]", id="weekday-seven"),
        pytest.param("5-1 * * * *", "out of range", id="backwards-range"),
        pytest.param("*/0 * * * *", "step of range should be a positive number", id="zero-step"),
        pytest.param("x * * * *", "failed to parse int from x", id="word"),
        pytest.param("@every 5m", "expected exactly 5 fields", id="every-is-not-standard"),
    ],
)
def test_schedules_that_do_not_parse_say_why(text: str, message: str):
    with pytest.raises(cron.CronError) as failure:
        cron.parse(text)

    assert message in str(failure.value)


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        pytest.param("*/5 * * * *", "2024-01-01T12:02:30", "2024-01-01T12:05:00", id="step"),
        pytest.param("*/5 * * * *", "2024-01-01T12:05:00", "2024-01-01T12:10:00", id="strict"),
        pytest.param("0 3 * * *", "2024-01-01T12:00:00", "2024-01-02T03:00:00", id="next-day"),
        pytest.param("0 0 1 * *", "2024-12-15T00:00:00", "2025-01-01T00:00:00", id="new-year"),
        pytest.param("0 0 29 2 *", "2024-03-01T00:00:00", "2028-02-29T00:00:00", id="leap-day"),
        pytest.param("0 0 * * MON", "2024-01-03T00:00:00", "2024-01-08T00:00:00", id="weekday"),
        pytest.param(
            "0 0 13 * FRI", "2024-01-01T00:00:00", "2024-01-05T00:00:00", id="either-day-field"
        ),
        pytest.param(
            "0 0 */2 * MON", "2024-01-01T00:00:00", "2024-01-03T00:00:00", id="both-restricted"
        ),
    ],
)
def test_the_next_run_is_the_first_matching_minute_after(text: str, after: str, expected: str):
    assert cron.next_after(cron.parse(text), _at(after)) == _at(expected)


def test_a_schedule_that_never_matches_has_no_next_run():
    assert cron.next_after(cron.parse("0 0 30 2 *"), _at("2024-01-01T00:00:00")) is None


def test_the_latest_run_at_or_before_a_moment():
    schedule = cron.parse("0 */6 * * *")

    assert cron.latest_at_or_before(schedule, _at("2024-01-01T17:59:59")) == _at(
        "2024-01-01T12:00:00"
    )
    assert cron.latest_at_or_before(schedule, _at("2024-01-01T18:00:00")) == _at(
        "2024-01-01T18:00:00"
    )
    assert cron.latest_at_or_before(schedule, _at("2024-03-01T01:00:00")) == _at(
        "2024-03-01T00:00:00"
    )


def test_schedules_are_read_in_their_time_zone():
    paris = cron.zone("Europe/Paris")

    run = cron.next_after(cron.parse("0 9 * * *"), _at("2024-07-01T10:00:00").astimezone(paris))

    assert run is not None
    assert run.astimezone(UTC) == _at("2024-07-02T07:00:00")


def test_no_time_zone_is_utc_and_an_unknown_one_is_an_error():
    assert cron.zone(None) is UTC
    with pytest.raises(cron.CronError):
        cron.zone("Mars/Olympus")
