"""How queries reach Prometheus: through the environment's HTTP proxy, and over HTTPS with
the certificate checked unless the metric says `insecure`.

The provider keeps one connection per Prometheus address and thread, made with the proxy the
environment named when it was made; each test queries an address no other test uses (a host
name, a port of its own), so it makes a fresh one.
"""

from __future__ import annotations

import http.server
import json
import pathlib
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator

import pytest

from rollouts.adapters import prometheus as adapter
from tests import prometheus as helpers

OPENSSL = shutil.which("openssl")
SCALAR_ONE = {"status": "success", "data": {"resultType": "scalar", "result": [0, "1"]}}


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_a_query_goes_through_the_http_proxy_the_environment_names(
    prometheus: helpers.PrometheusServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    # an empty upstream: a proxy is sent the whole URL, which it fetches as it is
    with helpers.FlakyProxy("") as proxy:
        no_proxy_env.setenv("HTTP_PROXY", proxy.url)
        address = prometheus.url.replace("127.0.0.1", "localhost")
        result = adapter.PrometheusProvider().query(address=address, query="scalar(vector(7))")
    assert result.error is None
    assert result.value == 7.0
    assert proxy.requests == 1


def test_a_socks_proxy_is_an_error_naming_it_without_its_credentials(
    no_proxy_env: pytest.MonkeyPatch,
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", "socks5://user:secret@proxy.test:1080")
    result = adapter.PrometheusProvider().query(address="http://socks.test:9090", query="up")
    assert result.error == (
        "cannot query prometheus at http://socks.test:9090: "
        "socks5://proxy.test:1080 is not an HTTP proxy"
    )


# --------------------------------------------------------------------------------------------
# HTTPS


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(SCALAR_ONE).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def https_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server answering every query with the scalar 1, its certificate self-signed."""
    if OPENSSL is None:
        pytest.skip("needs the openssl binary")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-keyout", "key.pem", "-out", "cert.pem",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        cwd=folder, check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pathlib.Path(folder, "cert.pem"), pathlib.Path(folder, "key.pem"))
    server = http.server.ThreadingHTTPServer((helpers.LOCALHOST, 0), _Answer)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://{helpers.LOCALHOST}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# urllib3 warns once per process about an unverified request; the metric asked for it
@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_with_insecure_skips_the_certificate_check(
    https_prometheus: str, no_proxy_env: pytest.MonkeyPatch
) -> None:
    result = adapter.PrometheusProvider().query(
        address=https_prometheus, query="scalar(vector(1))", insecure=True
    )
    assert (result.error, result.value) == (None, 1.0)


def test_https_checks_the_certificate_and_names_the_failure(
    https_prometheus: str, no_proxy_env: pytest.MonkeyPatch
) -> None:
    result = adapter.PrometheusProvider().query(address=https_prometheus, query="up")
    assert result.value is None
    assert result.error is not None
    assert result.error.startswith(f"cannot reach prometheus at {https_prometheus}: ")
    assert "certificate verify failed" in result.error
