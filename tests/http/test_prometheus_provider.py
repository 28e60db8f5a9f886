"""The Prometheus provider against a real Prometheus scraping a target the tests control.

One Prometheus serves the module; each test exposes metrics under its own names and waits for
a scrape to show them, so tests do not depend on each other or on timing guesses.
"""

from __future__ import annotations

import math
import socket
import time

import pytest

from rollouts.adapters import prometheus as adapter
from tests import prometheus as helpers

SUCCESS_RATE = (
    'sum(rate(http_requests_total{status!~"5.."}[10s])) / sum(rate(http_requests_total[10s]))'
)


@pytest.fixture
def provider() -> adapter.PrometheusProvider:
    """Tiny retry waits keep the retry tests fast; the budget test uses the defaults."""
    return adapter.PrometheusProvider(retry_wait=0.01)


@pytest.fixture
def no_env_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(adapter.ADDRESS_ENV, raising=False)


# --------------------------------------------------------------------------------------------
# Results


def test_a_vector_with_one_series_is_a_list_of_its_value(
    provider: adapter.PrometheusProvider,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
) -> None:
    metrics_target.set("canary_success_ratio", 0.99)
    prometheus.wait_for_sample("canary_success_ratio", lambda v: v == [0.99])

    result = provider.query(address=prometheus.url, query="canary_success_ratio")

    assert result == adapter.QueryResult(
        value=[0.99],
        printed="[0.99]",
        error=None,
        warnings=(),
        resolved_query="canary_success_ratio",
    )


def test_two_series_give_two_values_in_the_order_prometheus_returns(
    provider: adapter.PrometheusProvider,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
) -> None:
    metrics_target.set("queue_depth", 3, labels={"queue": "a"})
    metrics_target.set("queue_depth", 5, labels={"queue": "b"})
    prometheus.wait_for_sample("queue_depth", lambda v: sorted(v) == [3, 5])

    result = provider.query(address=prometheus.url, query="sort_desc(queue_depth)")

    assert (result.value, result.printed, result.error) == ([5.0, 3.0], "[5,3]", None)


@pytest.mark.parametrize(
    ("query", "value", "printed"),
    [
        pytest.param("1+1", 2.0, "2", id="literal-scalar"),
        pytest.param("scalar(vector(0.5))", 0.5, "0.5", id="scalar-function"),
        pytest.param("vector(1)", [1.0], "[1]", id="vector-function"),
        pytest.param("0/0", math.nan, "NaN", id="nan-scalar"),
        pytest.param("vector(0/0)", [math.nan], "[NaN]", id="nan-vector"),
        pytest.param("vector(1/0)", [math.inf], "[+Inf]", id="inf-vector"),
        pytest.param("-1/0", -math.inf, "-Inf", id="minus-inf-scalar"),
        pytest.param("vector(1e-7)", [1e-7], "[0.0000001]", id="no-exponent"),
    ],
)
def test_scalars_are_floats_and_vectors_are_lists_printed_as_argo_prints_them(
    provider: adapter.PrometheusProvider,
    prometheus: helpers.PrometheusServer,
    query: str,
    value: object,
    printed: str,
) -> None:
    result = provider.query(address=prometheus.url, query=query)

    assert result.error is None
    assert result.value == pytest.approx(value, nan_ok=True)
    assert type(result.value) is type(value)
    assert result.printed == printed


def test_a_metric_with_no_data_gives_an_empty_vector(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer
) -> None:
    result = provider.query(address=prometheus.url, query="never_exposed_total")

    assert (result.value, result.printed, result.error) == ([], "[]", None)


def test_a_series_no_longer_exposed_gives_an_empty_vector(
    provider: adapter.PrometheusProvider,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
) -> None:
    metrics_target.set("canary_pods_ready", 2)
    prometheus.wait_for_sample("canary_pods_ready")
    metrics_target.clear("canary_pods_ready")
    prometheus.wait_for_sample("canary_pods_ready", lambda v: v == [])

    result = provider.query(address=prometheus.url, query="canary_pods_ready")

    assert (result.value, result.printed, result.error) == ([], "[]", None)


def test_a_rate_of_a_counter_that_does_not_move_over_itself_is_nan(
    provider: adapter.PrometheusProvider,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
) -> None:
    metrics_target.set("idle_requests_total", 7)
    prometheus.wait_for_sample("count_over_time(idle_requests_total[10s])", lambda v: v >= [2])
    query = "sum(rate(idle_requests_total[10s])) / sum(rate(idle_requests_total[10s]))"

    result = provider.query(address=prometheus.url, query=query)

    assert result.error is None
    assert isinstance(result.value, list)
    assert len(result.value) == 1
    assert math.isnan(result.value[0])
    assert result.printed == "[NaN]"


def test_a_success_rate_query_over_the_targets_counters(
    provider: adapter.PrometheusProvider,
    metrics_target: helpers.MetricsTarget,
    prometheus: helpers.PrometheusServer,
) -> None:
    for status in ("200", "500"):
        metrics_target.set("http_requests_total", 0, labels={"status": status})
    prometheus.wait_for_sample("count(http_requests_total)", lambda v: v == [2])
    metrics_target.set("http_requests_total", 90, labels={"status": "200"})
    metrics_target.set("http_requests_total", 10, labels={"status": "500"})
    prometheus.wait_for_sample("sum(http_requests_total)", lambda v: v == [100])

    result = provider.query(address=prometheus.url, query=SUCCESS_RATE)

    assert result.error is None
    assert result.value == [pytest.approx(0.9)]
    assert float(result.printed.strip("[]")) == pytest.approx(0.9)
    assert result.resolved_query == SUCCESS_RATE


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("vector(1)[1m:1s]", id="matrix-from-an-instant-query"),
        pytest.param('"text"', id="string"),
    ],
)
def test_other_result_types_are_not_supported(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer, query: str
) -> None:
    result = provider.query(address=prometheus.url, query=query)

    assert (result.value, result.printed) == (None, "")
    assert result.error == "Prometheus metric type not supported"


# --------------------------------------------------------------------------------------------
# Failures are values


def test_bad_promql_gives_prometheus_parse_error_and_is_not_retried(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer
) -> None:
    with helpers.FlakyProxy(prometheus.url) as proxy:
        result = provider.query(address=proxy.url, query="sum(rate(")

    assert result.value is None
    assert result.error is not None
    assert result.error.startswith("bad_data: ")
    assert "parse error" in result.error
    assert proxy.requests == 1


def test_an_unreachable_address_is_named_and_fails_within_the_retry_budget() -> None:
    address = f"http://{helpers.LOCALHOST}:{helpers.free_port()}"
    started = time.monotonic()

    result = adapter.PrometheusProvider().query(address=address, query="vector(1)")

    assert time.monotonic() - started < 3
    assert result.value is None
    assert result.error == f"cannot reach prometheus at {address}: Connection refused"


def test_a_server_that_never_answers_times_out_once_without_retries(
    provider: adapter.PrometheusProvider,
) -> None:
    # A listening socket nobody accepts from: the kernel completes the handshake, no reply.
    with socket.create_server((helpers.LOCALHOST, 0)) as silent:
        address = f"http://{helpers.LOCALHOST}:{silent.getsockname()[1]}"
        started = time.monotonic()

        result = provider.query(address=address, query="vector(1)", timeout=0.3)

    assert time.monotonic() - started < 1
    assert result.error == "prometheus query timed out after 0.3s"


@pytest.mark.parametrize("status", [502, 503, 429])
def test_a_blip_of_5xx_or_429_is_retried_and_the_answer_comes_through(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer, status: int
) -> None:
    with helpers.FlakyProxy(prometheus.url, failures=[status, status]) as proxy:
        result = provider.query(address=proxy.url, query="vector(1)")

    assert (result.value, result.error) == ([1.0], None)
    assert proxy.requests == 3


def test_a_lasting_5xx_gives_up_after_three_attempts(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer
) -> None:
    with helpers.FlakyProxy(prometheus.url, failures=[503] * 5) as proxy:
        result = provider.query(address=proxy.url, query="vector(1)")

    assert proxy.requests == 3
    assert result.error == f"prometheus at {proxy.url} answered HTTP 503: flaky proxy says 503"


def test_headers_are_sent_with_the_query(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer
) -> None:
    with helpers.FlakyProxy(prometheus.url) as proxy:
        provider.query(
            address=proxy.url, query="vector(1)", headers={"Authorization": "Bearer abc"}
        )

    assert proxy.headers[0]["Authorization"] == "Bearer abc"


# --------------------------------------------------------------------------------------------
# Where the address comes from


def test_queries_to_one_prometheus_share_a_connection(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer
) -> None:
    with helpers.FlakyProxy(prometheus.url) as proxy:
        for _ in range(5):
            assert provider.query(address=proxy.url, query="scalar(vector(1))").value == 1.0
    assert (proxy.requests, proxy.connections) == (5, 1)


def test_a_prometheus_restarted_between_queries_is_reconnected_to(
    provider: adapter.PrometheusProvider, prometheus: helpers.PrometheusServer
) -> None:
    with helpers.FlakyProxy(prometheus.url) as before:
        assert provider.query(address=before.url, query="scalar(vector(1))").value == 1.0
    port = int(before.url.rsplit(":", 1)[1])
    # the kept connection is dead now; the query goes through on a new one
    with helpers.FlakyProxy(prometheus.url, port=port) as after:
        assert provider.query(address=after.url, query="scalar(vector(2))").value == 2.0
    assert after.connections == 1


@pytest.mark.usefixtures("no_env_address")
def test_no_address_and_no_env_is_an_error(provider: adapter.PrometheusProvider) -> None:
    result = provider.query(address=None, query="vector(1)")

    assert result.error == "prometheus address is not configured"
    assert result.resolved_query == "vector(1)"


def test_the_env_address_is_used_when_the_metric_has_none(
    provider: adapter.PrometheusProvider,
    prometheus: helpers.PrometheusServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(adapter.ADDRESS_ENV, prometheus.url)

    result = provider.query(address=None, query="vector(1)")

    assert (result.value, result.error) == ([1.0], None)


def test_the_metric_address_wins_over_the_env(
    provider: adapter.PrometheusProvider,
    prometheus: helpers.PrometheusServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(adapter.ADDRESS_ENV, "http://127.0.0.1:1")

    result = provider.query(address=prometheus.url + "/", query="vector(1)")

    assert (result.value, result.error) == ([1.0], None)


@pytest.mark.parametrize("address", ["localhost:9090", "/api/v1", "http://"])
def test_an_address_without_scheme_or_host_is_not_a_valid_url(
    provider: adapter.PrometheusProvider,
    monkeypatch: pytest.MonkeyPatch,
    address: str,
) -> None:
    monkeypatch.setenv(adapter.ADDRESS_ENV, address)

    from_metric = provider.query(address=address, query="vector(1)")
    from_env = provider.query(address=None, query="vector(1)")

    assert from_metric.error == f'prometheus address "{address}" is not a valid URL'
    assert from_env.error == from_metric.error


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (-1, "prometheus timeout should not be negative"),
        (0, "prometheus query timed out after 0s"),  # Argo's deadline expires at once
    ],
)
def test_a_timeout_below_one_instant_is_an_error_without_a_request(
    provider: adapter.PrometheusProvider, timeout: float, error: str
) -> None:
    result = provider.query(address="http://127.0.0.1:1", query="vector(1)", timeout=timeout)

    assert result.error == error


# --------------------------------------------------------------------------------------------
# Mapping and printing (plain values)


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (1.0, "1"),
        (0.99, "0.99"),
        (100.0, "100"),
        (-0.0, "-0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1000000000000000000000"),
        (1e-7, "0.0000001"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
    ],
)
def test_samples_print_like_gos_format_float_f_minus_one(value: float, printed: str) -> None:
    assert adapter.format_sample(value) == printed


def test_a_range_query_matrix_is_one_flat_list_of_every_sample() -> None:
    series = [
        {"metric": {"pod": "a"}, "values": [[1, "1"], [2, "2"]]},
        {"metric": {"pod": "b"}, "values": [[1, "3"]]},
    ]
    body = {"status": "success", "data": {"resultType": "matrix", "result": series}}

    result = adapter.result_from_body(body, query="q", range_query=True)

    assert (result.value, result.printed, result.error) == ([1.0, 2.0, 3.0], "[1,2,3]", None)


def test_warnings_are_kept_with_the_value() -> None:
    body = {
        "status": "success",
        "warnings": ["partial response"],
        "data": {"resultType": "scalar", "result": [1, "0.5"]},
    }

    result = adapter.result_from_body(body, query="q")

    assert (result.value, result.warnings) == (0.5, ("partial response",))


def test_a_malformed_sample_is_an_error_not_an_exception() -> None:
    body = {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}}

    result = adapter.result_from_body(body, query="q")

    assert result.value is None
    assert result.error is not None
    assert result.error.startswith("prometheus sent a malformed vector result")
