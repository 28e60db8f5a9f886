"""The AnalysisRun state machine: when a metric is measured, how a measurement counts, the phase
of a metric and of the run with Argo's messages, condition evaluation, and whole reconciles
(argo-rollouts-spec.md §3.3-3.4)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts import model
from rollouts.core import analysis

Phase = model.AnalysisPhase
T0 = datetime.datetime(2024, 1, 1, 12, 0, 0, tzinfo=datetime.UTC)
PROMETHEUS = model.PrometheusProvider(address="http://prom", query="up")


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def metric(name: str = "rate", **fields: Any) -> model.Metric:
    return model.Metric(name=name, provider=PROMETHEUS, **fields)


def taken(phase: Phase, finished: float | None = 0, message: str = "") -> model.Measurement:
    return model.Measurement(
        phase=phase,
        message=message,
        started_at=at(finished or 0),
        finished_at=None if finished is None else at(finished),
    )


def result(name: str = "rate", *measured: model.Measurement, **fields: Any) -> model.MetricResult:
    fields.setdefault("phase", Phase.RUNNING)
    return model.MetricResult(name=name, measurements=measured, **fields)


def status(*results: model.MetricResult, **fields: Any) -> model.AnalysisRunStatus:
    fields.setdefault("phase", Phase.RUNNING)
    fields.setdefault("started_at", T0)
    return model.AnalysisRunStatus(metric_results=results, **fields)


def spec(*metrics: model.Metric, **fields: Any) -> model.AnalysisRunSpec:
    return model.AnalysisRunSpec(metrics=metrics or (metric(),), **fields)


ONE = result("rate", taken(Phase.SUCCESSFUL), count=1, successful=1)


@pytest.mark.parametrize(
    ("run_spec", "run_status", "now", "expected"),
    [
        pytest.param(spec(), status(), 0, ["rate"], id="first-measurement-at-once"),
        pytest.param(spec(metric(initial_delay=30)), status(), 29, [], id="initial-delay-not-over"),
        pytest.param(
            spec(metric(initial_delay=30)), status(), 30, ["rate"], id="initial-delay-over"
        ),
        pytest.param(
            spec(metric(initial_delay=30)),
            status(started_at=None),
            60,
            [],
            id="initial-delay-waits-for-the-start",
        ),
        pytest.param(spec(metric(interval=60)), status(ONE), 59, [], id="interval-not-over"),
        pytest.param(spec(metric(interval=60)), status(ONE), 60, ["rate"], id="interval-over"),
        pytest.param(
            spec(metric(interval=60)),
            status(result("rate", taken(Phase.ERROR), error=1, consecutive_error=1)),
            10,
            ["rate"],
            id="error-retried-after-ten-seconds",
        ),
        pytest.param(
            spec(metric(interval=60)),
            status(result("rate", taken(Phase.ERROR), error=1, consecutive_error=1)),
            9,
            [],
            id="error-retry-not-yet",
        ),
        pytest.param(
            spec(metric()),
            status(result("rate", taken(Phase.ERROR), error=1, consecutive_error=1)),
            10,
            ["rate"],
            id="single-measurement-retried-after-an-error",
        ),
        pytest.param(
            spec(metric(interval=10, count=2)),
            status(result("rate", taken(Phase.SUCCESSFUL), count=2, successful=2)),
            100,
            [],
            id="count-reached",
        ),
        pytest.param(spec(metric()), status(ONE), 100, [], id="single-measurement-taken"),
        pytest.param(
            spec(metric(interval=10)),
            status(dataclasses.replace(ONE, phase=Phase.SUCCESSFUL)),
            100,
            [],
            id="completed-metric",
        ),
        pytest.param(
            spec(metric(interval=10), terminate=True), status(ONE), 100, [], id="terminate"
        ),
        pytest.param(
            spec(metric(interval=10), metric("latency")),
            status(ONE, result("latency", taken(Phase.FAILED), phase=Phase.FAILED, failed=1)),
            100,
            [],
            id="fail-fast-after-a-failed-metric",
        ),
        pytest.param(
            spec(metric(interval=10), metric("latency"), dry_run=(model.DryRun("lat"),)),
            status(ONE, result("latency", taken(Phase.FAILED), phase=Phase.FAILED, failed=1)),
            100,
            ["rate"],
            id="a-failed-dry-run-metric-does-not-stop-the-run",
        ),
        pytest.param(
            spec(metric(interval=10), terminate=True),
            status(result("rate", taken(Phase.RUNNING, finished=None))),
            0,
            ["rate"],
            id="in-flight-measurement-resumed-even-when-terminating",
        ),
        pytest.param(
            spec(metric(interval=10)),
            status(
                result(
                    "rate",
                    dataclasses.replace(taken(Phase.RUNNING, finished=None), resume_at=at(30)),
                )
            ),
            20,
            [],
            id="in-flight-measurement-waits-for-resume-at",
        ),
        pytest.param(
            spec(metric(interval=10)),
            status(ONE, phase=Phase.SUCCESSFUL),
            100,
            [],
            id="completed-run",
        ),
    ],
)
def test_due_metrics_follow_delay_interval_count_and_termination(
    run_spec: model.AnalysisRunSpec,
    run_status: model.AnalysisRunStatus,
    now: float,
    expected: list[str],
) -> None:
    assert analysis.due_metrics(run_spec, run_status, at(now)) == expected


BEFORE = result(
    "rate",
    taken(Phase.SUCCESSFUL),
    count=3,
    successful=2,
    failed=1,
    inconclusive=0,
    error=2,
    consecutive_error=1,
    consecutive_success=1,
)
Counters = tuple[int, int, int, int, int, int, int]


def counters(found: model.MetricResult) -> Counters:
    return (
        found.count,
        found.successful,
        found.failed,
        found.inconclusive,
        found.error,
        found.consecutive_error,
        found.consecutive_success,
    )


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        pytest.param(Phase.SUCCESSFUL, (4, 3, 1, 0, 2, 0, 2), id="successful"),
        pytest.param(Phase.FAILED, (4, 2, 2, 0, 2, 0, 0), id="failed"),
        pytest.param(Phase.INCONCLUSIVE, (4, 2, 1, 1, 2, 0, 0), id="inconclusive"),
        pytest.param(Phase.ERROR, (3, 2, 1, 0, 3, 2, 0), id="error-does-not-count"),
        pytest.param(Phase.RUNNING, (3, 2, 1, 0, 2, 1, 1), id="in-flight-not-yet-counted"),
    ],
)
def test_a_measurement_moves_the_counters_as_argo_does(phase: Phase, expected: Counters) -> None:
    recorded = analysis.record_measurement(BEFORE, taken(phase, 5), metric(), 10)
    assert counters(recorded) == expected
    assert recorded.measurements[-1] == taken(phase, 5)


def test_the_first_measurement_starts_a_running_result() -> None:
    recorded = analysis.record_measurement(None, taken(Phase.SUCCESSFUL), metric("m"), 10)
    assert (recorded.name, recorded.phase, recorded.count) == ("m", Phase.RUNNING, 1)


def test_only_the_last_measurements_are_kept() -> None:
    found = None
    for second in range(5):
        found = analysis.record_measurement(found, taken(Phase.SUCCESSFUL, second), metric(), 3)
    assert found is not None
    assert [m.finished_at for m in found.measurements] == [at(2), at(3), at(4)]
    assert found.count == 5


def test_a_measurement_in_flight_is_replaced_when_it_completes() -> None:
    in_flight = analysis.record_measurement(ONE, taken(Phase.RUNNING, finished=None), metric(), 10)
    done = analysis.record_measurement(in_flight, taken(Phase.FAILED, 7), metric(), 10)
    assert [m.phase for m in done.measurements] == [Phase.SUCCESSFUL, Phase.FAILED]
    assert (done.count, done.failed) == (2, 1)


@pytest.mark.parametrize(
    ("rules", "name", "expected"),
    [
        pytest.param((), "rate", 10, id="default-ten"),
        pytest.param((model.MeasurementRetention("ra", 3),), "rate", 3, id="matching-rule"),
        pytest.param((model.MeasurementRetention("^lat", 3),), "rate", 10, id="other-metric"),
        pytest.param(
            (model.MeasurementRetention(".*", 3), model.MeasurementRetention("rate", 7)),
            "rate",
            7,
            id="last-match-wins",
        ),
        pytest.param((model.MeasurementRetention(".*", 0),), "rate", 10, id="zero-is-default"),
    ],
)
def test_retention_is_ten_or_the_matching_rule(
    rules: tuple[model.MeasurementRetention, ...], name: str, expected: int
) -> None:
    assert analysis.retention_limit(spec(measurement_retention=rules), name) == expected


def done(measured: Phase = Phase.SUCCESSFUL, **fields: Any) -> model.MetricResult:
    return result("rate", taken(measured), **fields)


@pytest.mark.parametrize(
    ("found", "fields", "terminating", "expected"),
    [
        pytest.param(None, {}, False, (Phase.PENDING, ""), id="no-result-is-pending"),
        pytest.param(result(), {}, False, (Phase.PENDING, ""), id="no-measurement-is-pending"),
        pytest.param(
            result(), {}, True, (Phase.SUCCESSFUL, ""), id="no-measurement-terminated-is-successful"
        ),
        pytest.param(
            result("rate", taken(Phase.RUNNING, None)),
            {},
            False,
            (Phase.RUNNING, ""),
            id="in-flight",
        ),
        pytest.param(
            done(Phase.FAILED, count=1, failed=1),
            {},
            False,
            (Phase.FAILED, "failed (1) > failureLimit (0)"),
            id="failed-beyond-the-limit",
        ),
        pytest.param(
            done(Phase.FAILED, count=2, failed=2),
            {"failure_limit": 2, "interval": 10},
            False,
            (Phase.RUNNING, ""),
            id="failed-within-the-limit",
        ),
        pytest.param(
            done(Phase.FAILED, count=9, failed=9),
            {"failure_limit": -1, "consecutive_success_limit": 2, "interval": 10},
            False,
            (Phase.RUNNING, ""),
            id="failure-limit-disabled",
        ),
        pytest.param(
            done(Phase.INCONCLUSIVE, count=1, inconclusive=1),
            {},
            False,
            (Phase.INCONCLUSIVE, "inconclusive (1) > inconclusiveLimit (0)"),
            id="inconclusive-beyond-the-limit",
        ),
        pytest.param(
            done(Phase.ERROR, error=5, consecutive_error=5),
            {},
            False,
            (Phase.ERROR, "consecutiveErrors (5) > consecutiveErrorLimit (4)"),
            id="errors-beyond-the-limit",
        ),
        pytest.param(
            done(Phase.ERROR, error=4, consecutive_error=4),
            {},
            False,
            (Phase.RUNNING, ""),
            id="errors-within-the-limit",
        ),
        pytest.param(
            done(Phase.ERROR, count=2, failed=2, inconclusive=1, consecutive_error=2),
            {"consecutive_error_limit": 1, "interval": 10},
            False,
            (Phase.ERROR, "consecutiveErrors (2) > consecutiveErrorLimit (1)"),
            id="a-later-limit-overrides-an-earlier-one",
        ),
        pytest.param(
            done(count=2, successful=2, consecutive_success=2),
            {"consecutive_success_limit": 2, "interval": 10, "count": 5},
            False,
            (Phase.SUCCESSFUL, ""),
            id="consecutive-successes-reached",
        ),
        pytest.param(
            done(count=3, successful=3),
            {"interval": 10, "count": 3},
            False,
            (Phase.SUCCESSFUL, ""),
            id="count-reached",
        ),
        pytest.param(
            done(count=3, successful=2, failed=1, consecutive_success=1),
            {"interval": 10, "count": 3, "failure_limit": 1, "consecutive_success_limit": 2},
            False,
            (
                Phase.INCONCLUSIVE,
                "consecutiveSuccess (1) < consecutiveSuccessLimit (2) when count (3) was reached",
            ),
            id="count-reached-short-of-consecutive-successes",
        ),
        pytest.param(
            done(count=3, successful=1, failed=2, consecutive_success=1),
            {"interval": 10, "count": 3, "failure_limit": -1, "consecutive_success_limit": 2},
            False,
            (
                Phase.FAILED,
                "consecutiveSuccess (1) < consecutiveSuccessLimit (2) when count (3) was reached",
            ),
            id="count-reached-short-without-failure-limit",
        ),
        pytest.param(
            done(count=8, successful=8),
            {"interval": 10},
            False,
            (Phase.RUNNING, ""),
            id="unbounded",
        ),
        pytest.param(
            done(count=8, successful=8),
            {"interval": 10},
            True,
            (Phase.SUCCESSFUL, ""),
            id="unbounded-terminated-is-successful",
        ),
        pytest.param(
            done(Phase.FAILED, phase=Phase.FAILED, count=1, failed=1),
            {"failure_limit": 5},
            False,
            (Phase.FAILED, ""),
            id="a-completed-metric-keeps-its-phase",
        ),
    ],
)
def test_a_metric_phase_follows_its_limits_with_argos_reasons(
    found: model.MetricResult | None,
    fields: dict[str, Any],
    terminating: bool,
    expected: tuple[Phase, str],
) -> None:
    assert analysis.compute_metric_phase(metric(**fields), found, terminating) == expected


TWO = spec(metric("rate"), metric("latency"))


def settled(name: str, phase: Phase, measured: str = "", **fields: Any) -> model.MetricResult:
    """A completed metric whose last measurement said `measured`."""
    return result(name, taken(phase, message=measured), phase=phase, **fields)


@pytest.mark.parametrize(
    ("run_spec", "results", "terminating", "expected"),
    [
        pytest.param(
            TWO, (settled("rate", Phase.SUCCESSFUL),), False, (Phase.RUNNING, ""), id="not-started"
        ),
        pytest.param(
            TWO,
            (settled("rate", Phase.FAILED, failed=1), result("latency", taken(Phase.SUCCESSFUL))),
            False,
            (Phase.RUNNING, ""),
            id="one-still-running",
        ),
        pytest.param(
            TWO,
            (settled("rate", Phase.SUCCESSFUL), settled("latency", Phase.SUCCESSFUL)),
            False,
            (Phase.SUCCESSFUL, ""),
            id="all-successful",
        ),
        pytest.param(
            TWO,
            (
                settled("rate", Phase.INCONCLUSIVE, inconclusive=1),
                settled("latency", Phase.FAILED, failed=1),
            ),
            False,
            (Phase.FAILED, 'Metric "latency" assessed Failed due to failed (1) > failureLimit (0)'),
            id="failed-is-worst",
        ),
        pytest.param(
            TWO,
            (
                settled("rate", Phase.ERROR, "query timed out", consecutive_error=5),
                settled("latency", Phase.INCONCLUSIVE, inconclusive=1),
            ),
            False,
            (
                Phase.ERROR,
                'Metric "rate" assessed Error due to consecutiveErrors (5) > '
                'consecutiveErrorLimit (4): "Error Message: query timed out"',
            ),
            id="error-beats-inconclusive-with-the-error-message",
        ),
        pytest.param(
            spec(metric("rate"), metric("latency"), dry_run=(model.DryRun("rate"),)),
            (
                settled("rate", Phase.FAILED, failed=1),
                settled("latency", Phase.SUCCESSFUL),
            ),
            False,
            (Phase.SUCCESSFUL, ""),
            id="dry-run-never-decides",
        ),
        pytest.param(
            spec(metric("rate"), dry_run=(model.DryRun(".*"),)),
            (settled("rate", Phase.FAILED, failed=1),),
            False,
            (Phase.SUCCESSFUL, ""),
            id="only-dry-runs-is-successful",
        ),
        pytest.param(
            spec(metric("rate"), metric("latency"), terminate=True),
            (settled("rate", Phase.SUCCESSFUL),),
            True,
            (Phase.SUCCESSFUL, "Run Terminated"),
            id="terminated-is-the-worst-so-far",
        ),
        pytest.param(
            spec(metric("rate"), terminate=True),
            (),
            True,
            (Phase.SUCCESSFUL, "Run Terminated"),
            id="terminated-before-measuring",
        ),
        pytest.param(
            spec(metric("rate"), metric("latency"), terminate=True),
            (settled("rate", Phase.FAILED, failed=1),),
            True,
            (Phase.FAILED, 'Metric "rate" assessed Failed due to failed (1) > failureLimit (0)'),
            id="terminated-after-a-failure",
        ),
    ],
)
def test_a_run_phase_is_the_worst_metric_phase_with_argos_message(
    run_spec: model.AnalysisRunSpec,
    results: tuple[model.MetricResult, ...],
    terminating: bool,
    expected: tuple[Phase, str],
) -> None:
    assert analysis.compute_run_phase(run_spec, results, terminating) == expected


Evaluator = Callable[[str, Any], bool]


def evaluator(verdicts: dict[str, bool | Exception]) -> Evaluator:
    def evaluate(source: str, value: Any) -> bool:
        verdict = verdicts[source]
        if isinstance(verdict, Exception):
            raise verdict
        return verdict

    return evaluate


@pytest.mark.parametrize(
    ("success", "failure", "expected"),
    [
        pytest.param(None, None, Phase.SUCCESSFUL, id="no-conditions"),
        pytest.param(True, None, Phase.SUCCESSFUL, id="success-holds"),
        pytest.param(False, None, Phase.FAILED, id="success-fails"),
        pytest.param(None, False, Phase.SUCCESSFUL, id="failure-does-not-hold"),
        pytest.param(None, True, Phase.FAILED, id="failure-holds"),
        pytest.param(True, False, Phase.SUCCESSFUL, id="both-success"),
        pytest.param(False, True, Phase.FAILED, id="both-failure"),
        pytest.param(True, True, Phase.FAILED, id="both-hold-failure-wins"),
        pytest.param(False, False, Phase.INCONCLUSIVE, id="neither-holds-is-inconclusive"),
    ],
)
def test_conditions_decide_a_measurement(
    success: bool | None, failure: bool | None, expected: Phase
) -> None:
    verdicts = {"s": success, "f": failure}
    judged = metric(
        success_condition="s" if success is not None else "",
        failure_condition="f" if failure is not None else "",
    )
    evaluate = evaluator({k: v for k, v in verdicts.items() if v is not None})
    assert analysis.evaluate_measurement(judged, [0.5], None, evaluate=evaluate) == (expected, "")


NO_DATA = "metric result is nil or empty: no data returned from the metric provider"


@pytest.mark.parametrize(
    ("value", "error", "verdicts", "expected"),
    [
        pytest.param(
            [1.0],
            "prometheus address is not configured",
            {},
            (Phase.ERROR, "prometheus address is not configured"),
            id="provider-error",
        ),
        pytest.param(
            [1.0],
            None,
            {"result[0] > 0.9": ValueError("unknown name x")},
            (Phase.ERROR, 'could not evaluate successCondition "result[0] > 0.9": unknown name x'),
            id="success-condition-error",
        ),
        pytest.param(
            [],
            None,
            {"result[0] > 0.9": ValueError("index out of range")},
            (Phase.ERROR, f'could not evaluate successCondition "result[0] > 0.9": {NO_DATA}'),
            id="empty-result",
        ),
        pytest.param(
            None,
            None,
            {"result[0] > 0.9": ValueError("nil")},
            (Phase.ERROR, f'could not evaluate successCondition "result[0] > 0.9": {NO_DATA}'),
            id="nil-result",
        ),
        pytest.param(
            [1.0],
            None,
            {"result[0] > 0.9": True, "result[0] < 0": ValueError("expected bool, but got int")},
            (
                Phase.ERROR,
                'could not evaluate failureCondition "result[0] < 0": expected bool, but got int',
            ),
            id="failure-condition-error",
        ),
        pytest.param(
            [],
            None,
            {"len(result) == 0": True},
            (Phase.SUCCESSFUL, ""),
            id="empty-result-a-condition-can-handle",
        ),
    ],
)
def test_a_measurement_that_cannot_be_judged_is_an_error(
    value: Any, error: str | None, verdicts: dict[str, Any], expected: tuple[Phase, str]
) -> None:
    conditions = [*verdicts, "", ""]
    judged = metric(success_condition=conditions[0], failure_condition=conditions[1])
    evaluate = evaluator(verdicts)
    assert analysis.evaluate_measurement(judged, value, error, evaluate=evaluate) == expected


@pytest.mark.parametrize(
    ("run_spec", "run_status", "now", "expected"),
    [
        pytest.param(spec(metric(interval=60)), status(ONE), 20, 40.0, id="until-the-interval"),
        pytest.param(spec(metric(interval=60)), status(ONE), 90, 0.0, id="overdue-is-now"),
        pytest.param(
            spec(metric(interval=60)),
            status(result("rate", taken(Phase.ERROR), consecutive_error=1)),
            4,
            6.0,
            id="error-retry",
        ),
        pytest.param(
            spec(metric(initial_delay=30)), status(), 10, 20.0, id="until-the-initial-delay"
        ),
        pytest.param(spec(metric()), status(ONE), 10, None, id="nothing-planned"),
        pytest.param(
            spec(metric(interval=60), metric("latency", interval=15)),
            status(ONE, result("latency", taken(Phase.SUCCESSFUL, 5))),
            10,
            10.0,
            id="earliest-metric",
        ),
        pytest.param(
            spec(metric(interval=60)),
            status(
                result("rate", dataclasses.replace(taken(Phase.RUNNING, None), resume_at=at(45)))
            ),
            15,
            30.0,
            id="until-resume-at",
        ),
        pytest.param(
            spec(metric(interval=60)), status(ONE, phase=Phase.FAILED), 10, None, id="completed"
        ),
    ],
)
def test_next_due_is_the_earliest_next_measurement(
    run_spec: model.AnalysisRunSpec,
    run_status: model.AnalysisRunStatus,
    now: float,
    expected: float | None,
) -> None:
    assert analysis.next_due(run_spec, run_status, at(now)) == expected


def reconcile(
    run_spec: model.AnalysisRunSpec,
    run_status: model.AnalysisRunStatus,
    now: float,
    phases: dict[str, Phase],
) -> tuple[analysis.RunPlan, model.AnalysisRunStatus, float | None]:
    """One reconcile as a reconciler does it: plan, measure what is due, apply, requeue."""
    plan = analysis.plan_run(run_spec, run_status, at(now))
    if not plan.measure:
        return plan, plan.status, plan.requeue_after
    measured = {name: model.Measurement(phase=phases[name], value="1") for name in plan.measure}
    after = analysis.apply_measurements(run_spec, plan.status, measured, at(now))
    return plan, after, analysis.next_due(run_spec, after, at(now))


def test_a_run_measures_on_its_interval_until_its_count() -> None:
    run_spec = spec(metric(interval=30, count=3))
    current = model.AnalysisRunStatus()
    seen = []
    now = 0.0
    while not current.phase.is_completed:
        plan, current, requeue = reconcile(run_spec, current, now, {"rate": Phase.SUCCESSFUL})
        seen.append((now, plan.measure, current.phase, requeue))
        now += requeue or 0
    assert seen == [
        (0.0, ("rate",), Phase.RUNNING, 30.0),
        (30.0, ("rate",), Phase.RUNNING, 30.0),
        (60.0, ("rate",), Phase.SUCCESSFUL, None),
    ]
    assert (current.started_at, current.completed_at) == (at(0), at(60))
    assert current.run_summary == model.RunSummary(count=1, successful=1)
    assert current.metric_results[0].count == 3


def test_a_run_waits_for_the_initial_delay() -> None:
    plan = analysis.plan_run(spec(metric(initial_delay=30)), model.AnalysisRunStatus(), at(0))
    assert (plan.measure, plan.requeue_after, plan.status.started_at) == ((), 30.0, at(0))
    assert plan.status.phase is Phase.RUNNING


def test_a_failed_metric_ends_the_run_in_the_same_reconcile() -> None:
    run_spec = spec(metric("rate", interval=30), metric("latency", interval=30))
    _, current, requeue = reconcile(
        run_spec, model.AnalysisRunStatus(), 0, {"rate": Phase.FAILED, "latency": Phase.SUCCESSFUL}
    )
    assert (current.phase, requeue) == (Phase.FAILED, None)
    assert current.message == 'Metric "rate" assessed Failed due to failed (1) > failureLimit (0)'
    assert [(r.name, r.phase) for r in current.metric_results] == [
        ("rate", Phase.FAILED),
        ("latency", Phase.SUCCESSFUL),
    ]
    assert [r.message for r in current.metric_results] == ["failed (1) > failureLimit (0)", ""]
    assert current.run_summary == model.RunSummary(count=2, successful=1, failed=1)


def test_a_metric_past_its_failure_limit_says_so_in_its_message() -> None:
    run_spec = spec(metric(interval=30, failure_limit=3))
    current = model.AnalysisRunStatus()
    for now in (0, 40, 80, 120):
        measured = {"rate": model.Measurement(Phase.FAILED, message="")}
        current = analysis.apply_measurements(run_spec, current, measured, at(now))
    rate = current.result("rate")
    assert rate is not None
    assert (rate.phase, rate.message) == (Phase.FAILED, "failed (4) > failureLimit (3)")


def test_an_inconclusive_metric_says_which_limit_it_passed() -> None:
    run_spec = spec(metric(interval=30, inconclusive_limit=1))
    current = model.AnalysisRunStatus()
    for now in (0, 40):
        measured = {"rate": model.Measurement(Phase.INCONCLUSIVE)}
        current = analysis.apply_measurements(run_spec, current, measured, at(now))
    rate = current.result("rate")
    assert rate is not None
    assert (rate.phase, rate.message) == (
        Phase.INCONCLUSIVE,
        "inconclusive (2) > inconclusiveLimit (1)",
    )


def test_terminating_a_run_settles_it_successful() -> None:
    run_spec = spec(metric(interval=30))
    _, running, _ = reconcile(run_spec, model.AnalysisRunStatus(), 0, {"rate": Phase.SUCCESSFUL})
    plan = analysis.plan_run(dataclasses.replace(run_spec, terminate=True), running, at(10))
    assert plan.measure == ()
    assert (plan.status.phase, plan.status.message) == (Phase.SUCCESSFUL, "Run Terminated")
    assert plan.status.completed_at == at(10)
    assert plan.requeue_after is None


def test_dry_run_metrics_fail_only_for_themselves() -> None:
    run_spec = spec(metric("rate"), metric("latency"), dry_run=(model.DryRun("rate"),))
    _, current, _ = reconcile(
        run_spec, model.AnalysisRunStatus(), 0, {"rate": Phase.FAILED, "latency": Phase.SUCCESSFUL}
    )
    rate = current.result("rate")
    assert rate is not None
    assert (current.phase, current.message) == (Phase.SUCCESSFUL, "")
    assert (rate.phase, rate.dry_run) == (Phase.FAILED, True)
    assert rate.message == "Metric assessed Failed due to failed (1) > failureLimit (0)"
    assert current.run_summary == model.RunSummary(count=1, successful=1)
    assert current.dry_run_summary == model.RunSummary(count=1, failed=1)


def test_consecutive_errors_end_the_run_in_error_with_the_last_message() -> None:
    run_spec = spec(metric(interval=30, consecutive_error_limit=1))
    current = model.AnalysisRunStatus()
    for now in (0, 10):
        measured = {"rate": model.Measurement(Phase.ERROR, message="connection refused")}
        current = analysis.apply_measurements(run_spec, current, measured, at(now))
    assert current.phase is Phase.ERROR
    assert current.message == (
        'Metric "rate" assessed Error due to consecutiveErrors (2) > consecutiveErrorLimit (1): '
        '"Error Message: connection refused"'
    )
    (rate,) = current.metric_results
    assert rate.message == "consecutiveErrors (2) > consecutiveErrorLimit (1)"
    assert rate.measurements[-1].message == "connection refused"


def test_a_completed_run_is_left_alone() -> None:
    finished = status(done(Phase.FAILED, phase=Phase.FAILED, count=1, failed=1), phase=Phase.FAILED)
    run_spec = spec(metric(interval=10))
    assert analysis.plan_run(run_spec, finished, at(100)) == analysis.RunPlan((), finished, None)
    measured = {"rate": taken(Phase.SUCCESSFUL, 100)}
    assert analysis.apply_measurements(run_spec, finished, measured, at(100)) == finished


def test_a_measurement_gets_its_times_when_the_provider_gave_none() -> None:
    measured = {"rate": model.Measurement(Phase.SUCCESSFUL, value="[1]")}
    current = analysis.apply_measurements(spec(), model.AnalysisRunStatus(), measured, at(5))
    only = current.metric_results[0].measurements[0]
    assert (only.started_at, only.finished_at) == (at(5), at(5))


def test_measurements_of_unknown_metrics_are_ignored() -> None:
    measured = {"other": model.Measurement(Phase.FAILED)}
    current = analysis.apply_measurements(spec(), model.AnalysisRunStatus(), measured, at(5))
    assert current.metric_results == ()


def test_an_unusable_spec_ends_the_run_in_error() -> None:
    message = "Unable to resolve metric arguments: failed to resolve {{args.x}}"
    failed = analysis.compute_error_status(model.AnalysisRunStatus(), message, at(3))
    assert (failed.phase, failed.message) == (Phase.ERROR, message)
    assert (failed.started_at, failed.completed_at) == (at(3), at(3))
    finished = status(phase=Phase.SUCCESSFUL)
    assert analysis.compute_error_status(finished, message, at(3)) == finished


limits = st.fixed_dictionaries(
    {
        "failure_limit": st.integers(0, 3),
        "inconclusive_limit": st.integers(0, 3),
        "consecutive_error_limit": st.integers(0, 4),
        "consecutive_success_limit": st.integers(0, 3),
        "count": st.one_of(st.none(), st.integers(1, 8)),
        "interval": st.sampled_from([None, 5.0, 30.0]),
    }
)
measured_phases = st.lists(st.sampled_from(Phase), min_size=1, max_size=25)
completed_phases = st.lists(
    st.sampled_from([p for p in Phase if p.is_completed]), min_size=1, max_size=25
)


@settings(max_examples=150, deadline=None)
@given(
    fields=limits,
    phases=measured_phases,
    retention=st.integers(1, 12),
    terminate_at=st.one_of(st.none(), st.integers(0, 25)),
)
def test_counters_never_go_negative_retention_holds_and_completed_runs_stay_completed(
    fields: dict[str, Any], phases: list[Phase], retention: int, terminate_at: int | None
) -> None:
    run_spec = spec(
        metric(**fields), measurement_retention=(model.MeasurementRetention(".*", retention),)
    )
    current = model.AnalysisRunStatus()
    final: Phase | None = None
    for step, phase in enumerate(phases):
        if step == terminate_at:
            run_spec = dataclasses.replace(run_spec, terminate=True)
        measured = {"rate": model.Measurement(phase, value="1")}
        current = analysis.apply_measurements(run_spec, current, measured, at(step * 60))
        for found in current.metric_results:
            assert min(counters(found)) >= 0
            assert found.count == found.successful + found.failed + found.inconclusive
            assert len(found.measurements) <= retention
        if final is not None:
            assert current.phase is final
        elif current.phase.is_completed:
            final = current.phase
            assert current.completed_at == at(step * 60)


@settings(max_examples=100, deadline=None)
@given(fields=limits, phases=completed_phases)
def test_reconciling_again_at_the_same_moment_measures_nothing_more(
    fields: dict[str, Any], phases: list[Phase]
) -> None:
    run_spec = spec(metric(**fields))
    current = model.AnalysisRunStatus()
    for step, phase in enumerate(phases):
        _, current, _ = reconcile(run_spec, current, step * 60, {"rate": phase})
        again = analysis.plan_run(run_spec, current, at(step * 60))
        assert again.measure == ()
        assert again.requeue_after is None or again.requeue_after > 0
