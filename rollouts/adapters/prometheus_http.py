"""QuerySession: the requests Session that prometheus_api_client's PrometheusConnect queries
through, sending each request straight to a kept urllib3 connection.

PrometheusConnect takes a `session` to configure its HTTP; it calls `session.request` and
reads the answer's `status_code`, `json()` and `content`. A plain Session prepares every
request (URL re-quoting, cookie jars, hooks, adapter lookup) and builds its response with a
cookie extraction: half a millisecond of CPU, an eighth of a measurement, for a GET whose
URL, headers and TLS settings never change between queries. This session keeps what
requests decides once per connection (the proxy from the environment, the CA bundle, the
TLS check) and maps urllib3's errors to the requests exceptions callers already catch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib import parse

import requests
import urllib3
from requests import utils as requests_utils
from urllib3 import exceptions as urllib3_errors

# requests' own defaults, so that Prometheus sees the same request as before
_HEADERS: Final = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "User-Agent": requests_utils.default_user_agent(),
}


class UnsupportedProxyError(Exception):
    """The environment names a proxy this session does not speak (SOCKS)."""


class QuerySession(requests.Session):
    """A Session for one Prometheus address, used by one thread at a time.

    `last` is the response of the latest request: PrometheusConnect keeps only `data.result`
    of a good answer and folds a bad one into a message, while the provider reads the result
    type, the warnings and Prometheus's own error text from the body.
    """

    def __init__(self, url: str, *, insecure: bool) -> None:
        super().__init__()
        self.trust_env = False  # the environment is read once, below
        self.verify = not insecure
        self.last: requests.Response | None = None
        self._pool = _pool(url, insecure)

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **_: Any,
    ) -> requests.Response:
        """`url` with `params`; the library's other arguments repeat this session's own."""
        target = f"{url}?{parse.urlencode(params)}" if params else url
        try:
            answer = self._pool.request(
                method,
                target,
                headers={**_HEADERS, **(headers or {})},
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                retries=False,  # tenacity, above, owns retries
                redirect=False,
            )
        except urllib3_errors.HTTPError as error:
            raise _as_requests_error(error, method, target) from error
        self.last = _response(answer, target)
        return self.last

    def close(self) -> None:
        self._pool.clear()
        super().close()


def _pool(url: str, insecure: bool) -> urllib3.PoolManager:
    """One kept connection to `url`, through the environment's proxy for it if any."""
    tls: dict[str, Any] = (
        {"cert_reqs": "CERT_NONE"}
        if insecure
        else {"cert_reqs": "CERT_REQUIRED", "ca_certs": requests_utils.DEFAULT_CA_BUNDLE_PATH}
    )
    proxy = requests_utils.select_proxy(url, requests_utils.get_environ_proxies(url))
    if not proxy:
        return urllib3.PoolManager(num_pools=1, maxsize=1, **tls)
    if not proxy.lower().startswith(("http://", "https://")):
        parts = parse.urlsplit(proxy)  # named without its credentials
        raise UnsupportedProxyError(f"{parts.scheme}://{parts.hostname}:{parts.port}")
    username, password = requests_utils.get_auth_from_url(proxy)
    proxy_headers = (
        urllib3.make_headers(proxy_basic_auth=f"{username}:{password}") if username else None
    )
    return urllib3.ProxyManager(proxy, num_pools=1, maxsize=1, proxy_headers=proxy_headers, **tls)


def _response(answer: urllib3.BaseHTTPResponse, url: str) -> requests.Response:
    response = requests.Response()
    response.status_code = answer.status
    response.reason = answer.reason or ""
    response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
    response._content = answer.data  # the body, read and decoded by urllib3
    response.encoding = requests_utils.get_encoding_from_headers(response.headers) or "utf-8"
    response.url = url
    return response


def _as_requests_error(
    error: urllib3_errors.HTTPError, method: str, url: str
) -> requests.RequestException:
    """The requests exception a Session would have raised for this urllib3 error."""
    kind = next(
        (ours for theirs, ours in _ERRORS if isinstance(error, theirs)),
        requests.exceptions.RequestException,
    )
    return kind(error, request=requests.Request(method, url))


# In order: urllib3 counts a refused or unresolved connection as a connect timeout too, and
# a proxy's own refusal as a connection error.
_ERRORS: Final[tuple[tuple[type[Exception], type[requests.RequestException]], ...]] = (
    (urllib3_errors.ProxyError, requests.exceptions.ProxyError),
    (urllib3_errors.NewConnectionError, requests.exceptions.ConnectionError),
    (urllib3_errors.ConnectTimeoutError, requests.exceptions.ConnectTimeout),
    (urllib3_errors.ReadTimeoutError, requests.exceptions.ReadTimeout),
    (urllib3_errors.SSLError, requests.exceptions.SSLError),
    (urllib3_errors.ProtocolError, requests.exceptions.ConnectionError),
    (urllib3_errors.MaxRetryError, requests.exceptions.ConnectionError),
    (urllib3_errors.DecodeError, requests.exceptions.ContentDecodingError),
    (urllib3_errors.LocationValueError, requests.exceptions.InvalidURL),
)
