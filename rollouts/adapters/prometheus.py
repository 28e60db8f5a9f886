"""The Prometheus metric provider: one instant PromQL query, its answer mapped as Argo maps it.

Argo's provider turns an instant vector into a list of floats (one per series, so conditions say
`result[0] >= 0.95`), a scalar into a float, and anything else into the error "Prometheus metric
type not supported"; the measurement's `value` is the printed form (`[0.99]`, `0.5`). NaN and
±Inf stay floats, because conditions decide what they mean (`isNaN(result[0])`).

A failed query is a value here, not an exception (style §5.6): the caller turns
`QueryResult.error` into a measurement with phase Error and `consecutiveErrorLimit` does the rest.
tenacity owns only sub-second blips: connection errors, 5xx and 429, a few attempts within about
two seconds. A 4xx (bad PromQL) or a timeout is never retried: asking again cannot help, and a
timeout would just multiply the wait.

prometheus_api_client's `custom_query` returns only `data.result` and folds an HTTP error into a
message holding the body's repr, which loses the result type, the warnings and Prometheus's own
error text; the session (prometheus_http) keeps the raw response so those come from the JSON.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import math
import os
import threading
import types
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final
from urllib import parse

import requests
import tenacity
from prometheus_api_client.exceptions import PrometheusApiClientException
from prometheus_api_client.prometheus_connect import PrometheusConnect

from rollouts import model
from rollouts.adapters import prometheus_http
from rollouts.core import analysis, expressions

ADDRESS_ENV: Final = "ARGO_ROLLOUTS_PROMETHEUS_ADDRESS"
NOT_CONFIGURED: Final = "prometheus address is not configured"
UNSUPPORTED_TYPE: Final = "Prometheus metric type not supported"

_NO_HEADERS: Final[Mapping[str, str]] = types.MappingProxyType({})
_MAX_BODY_IN_MESSAGE: Final = 200


@dataclasses.dataclass(frozen=True)
class QueryResult:
    """One query's outcome: `value` and `printed` on success, `error` on failure."""

    value: Any | None
    printed: str
    error: str | None
    warnings: tuple[str, ...]
    resolved_query: str


class _TransientError(Exception):
    """A failure worth one more try (connection error, 5xx, 429); carries the result to report."""

    def __init__(self, result: QueryResult) -> None:
        super().__init__(result.error)
        self.result = result


class PrometheusProvider:
    """Runs instant queries against Prometheus; never raises for a failed query."""

    def __init__(
        self,
        *,
        attempts: int = 3,
        retry_wait: float = 0.1,
        retry_budget: float = 2.0,
    ) -> None:
        """`retry_wait` doubles after each try; no try starts once `retry_budget` seconds passed."""
        self._attempts = attempts
        self._retry_wait = retry_wait
        self._retry_budget = retry_budget

    def query(
        self,
        *,
        address: str | None,
        query: str,
        timeout: float = 30,
        headers: Mapping[str, str] = _NO_HEADERS,
        insecure: bool = False,
    ) -> QueryResult:
        """The value of `query` at now, from `address` or else $ARGO_ROLLOUTS_PROMETHEUS_ADDRESS."""
        url, problem = resolve_address(address, os.environ.get(ADDRESS_ENV))
        if problem is not None:
            return failure(query, problem)
        if timeout < 0:
            return failure(query, "prometheus timeout should not be negative")
        if timeout == 0:
            # Argo's zero-length deadline expires before the request is sent; requests
            # rejects a zero timeout outright.
            return failure(query, timed_out_message(timeout))
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._attempts)
            | tenacity.stop_after_delay(self._retry_budget),
            wait=tenacity.wait_exponential(multiplier=self._retry_wait),
            retry=tenacity.retry_if_exception_type(_TransientError),
            reraise=True,
        )
        try:
            return retrying(_query_once, url, query, timeout, headers, insecure)
        except _TransientError as last:
            return last.result


# --------------------------------------------------------------------------------------------
# One attempt (I/O)


@dataclasses.dataclass
class _Connection:
    """A client and its session, kept for the next query to the same Prometheus: a new
    session per query cost a TCP (and TLS) handshake each time, a third of the CPU of a
    measurement."""

    client: PrometheusConnect
    session: prometheus_http.QuerySession


_ConnectionKey = tuple[str, bool, tuple[tuple[str, str], ...]]


class _Connections(threading.local):
    """Per thread, since a session keeps its last response for the thread that asked;
    each thread runs one query at a time. The least recently used beyond `_KEPT` is closed."""

    def __init__(self) -> None:
        self.by_key: collections.OrderedDict[_ConnectionKey, _Connection] = (
            collections.OrderedDict()
        )

    def get(self, url: str, headers: Mapping[str, str], insecure: bool) -> _Connection:
        key = _key(url, headers, insecure)
        found = self.by_key.get(key)
        if found is None:
            found = self.by_key[key] = _connect(url, headers, insecure)
            while len(self.by_key) > _KEPT:
                _, oldest = self.by_key.popitem(last=False)
                oldest.session.close()
        self.by_key.move_to_end(key)
        return found

    def drop(self, url: str, headers: Mapping[str, str], insecure: bool) -> None:
        dropped = self.by_key.pop(_key(url, headers, insecure), None)
        if dropped is not None:
            dropped.session.close()


def _key(url: str, headers: Mapping[str, str], insecure: bool) -> _ConnectionKey:
    return (url, insecure, tuple(sorted(headers.items())))


def _connect(url: str, headers: Mapping[str, str], insecure: bool) -> _Connection:
    session = prometheus_http.QuerySession(url, insecure=insecure)
    # the library mounts an adapter with urllib3 retries on the session; this session never
    # uses adapters, and tenacity, above, stays the one owner of retries
    client = PrometheusConnect(url=url, headers=dict(headers), session=session)
    return _Connection(client, session)


_KEPT: Final = 16
_connections = _Connections()


def _query_once(
    url: str, query: str, timeout: float, headers: Mapping[str, str], insecure: bool
) -> QueryResult:
    try:
        connection = _connections.get(url, headers, insecure)
    except prometheus_http.UnsupportedProxyError as proxy:
        return failure(query, f"cannot query prometheus at {url}: {proxy} is not an HTTP proxy")
    connection.session.last = None
    try:
        failed = _send(connection.client, url=url, query=query, timeout=timeout)
    except _TransientError:
        _connections.drop(url, headers, insecure)  # a broken connection is not kept
        raise
    if failed is not None:
        _connections.drop(url, headers, insecure)
        return failed
    if connection.session.last is None:  # pragma: no cover - a request without an answer raised
        return failure(query, f"no response from prometheus at {url}")
    return _result_from_response(connection.session.last, url=url, query=query, timeout=timeout)


def _send(client: PrometheusConnect, *, url: str, query: str, timeout: float) -> QueryResult | None:
    """Sends the query; a result only when no response came back (the session has the rest)."""
    try:
        # `timeout` also goes to Prometheus, so it stops evaluating what nobody waits for. The
        # library annotates the requests timeout as int but hands it to requests, which takes
        # seconds as a float.
        client.custom_query(
            query,
            params={"timeout": repr(float(timeout))},
            timeout=timeout,  # type: ignore[arg-type]
        )
    except requests.Timeout:  # before ConnectionError: ConnectTimeout is both
        return failure(query, timed_out_message(timeout))
    except requests.exceptions.SSLError as error:  # a bad certificate is no blip
        return failure(query, unreachable_message(url, error))
    except requests.ConnectionError as error:
        raise _TransientError(failure(query, unreachable_message(url, error))) from error
    except (PrometheusApiClientException, requests.JSONDecodeError, KeyError, TypeError):
        pass  # a non-200 or an odd body: the raw response says what happened
    except requests.RequestException as error:  # e.g. a scheme requests cannot speak
        return failure(query, f"cannot query prometheus at {url}: {error}")
    return None


def _result_from_response(
    response: requests.Response, *, url: str, query: str, timeout: float
) -> QueryResult:
    body = _json_or_none(response)
    ok = response.status_code == HTTPStatus.OK
    if ok and body is not None and body.get("status") == "success":
        return result_from_body(body, query=query)
    if body is not None and body.get("errorType") == "timeout":
        return failure(query, timed_out_message(timeout))
    result = failure(query, http_error_message(url, response.status_code, body, response.text))
    if _is_transient(response.status_code):
        raise _TransientError(result)
    return result


def _json_or_none(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _is_transient(status: int) -> bool:
    return status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR


# --------------------------------------------------------------------------------------------
# Addresses and messages (pure)


def resolve_address(given: str | None, from_env: str | None) -> tuple[str, str | None]:
    """The address to query (the metric's, else the env's) and a problem if there is none.

    Argo requires a scheme and a host, checked on whichever address is used. A trailing slash
    is dropped because the client appends `/api/v1/query` to the address as it is.
    """
    address = given or from_env
    if not address:
        return "", NOT_CONFIGURED
    try:
        parts = parse.urlsplit(address)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.netloc:
        return "", f'prometheus address "{address}" is not a valid URL'
    return address.rstrip("/"), None


def timed_out_message(timeout: float) -> str:
    return f"prometheus query timed out after {format_sample(timeout)}s"


def unreachable_message(url: str, error: BaseException) -> str:
    """Names the address and the root cause, without urllib3's object reprs and retry talk."""
    return f"cannot reach prometheus at {url}: {_root_cause(error)}"


def http_error_message(url: str, status: int, body: Mapping[str, Any] | None, text: str) -> str:
    """Prometheus's own `errorType: error` when it sent one (as Argo's Go client reports it)."""
    if body is not None and body.get("error"):
        return f"{body.get('errorType', 'error')}: {body['error']}"
    snippet = " ".join(text.split())[:_MAX_BODY_IN_MESSAGE]
    return f"prometheus at {url} answered HTTP {status}" + (f": {snippet}" if snippet else "")


def _root_cause(error: BaseException) -> str:
    current = error
    for _ in range(10):  # bounded: exception chains can loop
        inner = _inner_error(current)
        if inner is None:
            break
        current = inner
    if isinstance(current, OSError) and current.strerror:
        return current.strerror
    return str(current).rsplit(": ", 1)[-1] or type(current).__name__


def _inner_error(error: BaseException) -> BaseException | None:
    # requests wraps urllib3's MaxRetryError, whose `.reason` wraps the socket error.
    candidates = (getattr(error, "reason", None), error.__cause__, error.__context__)
    first_arg = error.args[0] if error.args else None
    return next((c for c in (*candidates, first_arg) if isinstance(c, BaseException)), None)


# --------------------------------------------------------------------------------------------
# Mapping Prometheus's answer (pure)


def failure(query: str, message: str) -> QueryResult:
    """A failed query: no value, printed as Argo prints it (empty)."""
    return QueryResult(value=None, printed="", error=message, warnings=(), resolved_query=query)


def result_from_body(
    body: Mapping[str, Any], *, query: str, range_query: bool = False
) -> QueryResult:
    """Maps a successful `/api/v1/query` (or `query_range`) JSON body as Argo does.

    Vector: a list with one float per series, in Prometheus's order. Scalar: a float. Matrix,
    only from a range query: a flat list of every sample. Anything else (a string, or a matrix
    from an instant query such as `x[5m]`) is "Prometheus metric type not supported".
    """
    warnings = tuple(str(w) for w in body.get("warnings") or ())
    data = body.get("data") or {}
    result_type = data.get("resultType")
    value: float | list[float]
    try:
        result = data["result"]
        if result_type == "vector":
            value = [parse_sample(series["value"]) for series in result]
        elif result_type == "scalar":
            value = parse_sample(result)
        elif result_type == "matrix" and range_query:
            value = [parse_sample(point) for series in result for point in series["values"]]
        else:
            return failure(query, UNSUPPORTED_TYPE)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        return failure(query, f"prometheus sent a malformed {result_type} result: {error!r}")
    printed = format_sample(value) if isinstance(value, float) else format_values(value)
    return QueryResult(
        value=value, printed=printed, error=None, warnings=warnings, resolved_query=query
    )


def parse_sample(pair: Any) -> float:
    """A `[timestamp, "value"]` pair's value; Prometheus spells specials NaN, +Inf and -Inf."""
    _, text = pair
    return float(text)


def format_values(values: list[float]) -> str:
    """`[1,0.5,NaN]`: Argo joins the series' values with commas, no spaces."""
    return "[" + ",".join(format_sample(v) for v in values) + "]"


def format_sample(value: float) -> str:
    """Prints like Go's `strconv.FormatFloat(v, 'f', -1, 64)` (Prometheus's SampleValue.String).

    The shortest digits that read back as the same float, never in exponent form: 1, 0.99,
    0.0000001, 1000000000000000000000; and NaN, +Inf, -Inf.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    # repr gives the shortest round-tripping digits; Decimal re-prints them without an exponent.
    return format(decimal.Decimal(repr(float(value))).normalize(), "f")


class PrometheusMetrics:
    """Implements ports.MetricProvider: a Prometheus query judged by the metric's conditions."""

    def __init__(self, provider: PrometheusProvider | None = None) -> None:
        self.provider = provider or PrometheusProvider()

    def measure(self, metric: model.Metric, now: datetime.datetime) -> model.Measurement:
        source = metric.provider
        if not isinstance(source, model.PrometheusProvider):
            return model.Measurement(
                phase=model.AnalysisPhase.ERROR,
                started_at=now,
                finished_at=now,
                message=f"metric provider {getattr(source, 'kind', '?')!r} is not supported by "
                "this controller (prometheus is)",
            )
        result = self.provider.query(
            address=source.address or None,
            query=source.query,
            timeout=source.timeout,
            headers=dict(source.headers),
            insecure=source.insecure,
        )
        phase, message = analysis.evaluate_measurement(
            metric, result.value, result.error, evaluate=expressions.evaluate_condition
        )
        metadata = {"ResolvedPrometheusQuery": result.resolved_query}
        if result.warnings:
            metadata["warnings"] = "; ".join(result.warnings)
        return model.Measurement(
            phase=phase,
            value=result.printed or None,
            message=message,
            started_at=now,
            finished_at=now,
            metadata=metadata,
        )
