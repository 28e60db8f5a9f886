"""The controller's connection to the API server: the kubernetes client's and kopf's.

Both use one configuration, loaded from a kubeconfig or in-cluster, whose credential check the
loader would otherwise run before every request (see throttle_credential_refresh).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import kopf
from kubernetes import client, config

CREDENTIAL_CHECK_EVERY = 10.0  # seconds; the loader renews tokens 5 minutes before expiry


def api_client(kubeconfig: str | None, pool_size: int) -> client.ApiClient:
    """A client from the kubeconfig (or $KUBECONFIG), else from the pod's ServiceAccount."""
    configuration = client.Configuration()
    try:
        config.load_kube_config(
            config_file=kubeconfig,  # type: ignore[no-untyped-call]
            client_configuration=configuration,
        )
    except config.ConfigException:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    # one connection per thread that may call the API at once, so none is opened and dropped
    configuration.connection_pool_maxsize = max(32, pool_size)
    throttle_credential_refresh(configuration)
    return client.ApiClient(configuration)


def throttle_credential_refresh(
    configuration: client.Configuration, every: float = CREDENTIAL_CHECK_EVERY
) -> None:
    """Check the kubeconfig's credentials for expiry at most every `every` seconds.

    The loader's hook runs before every request: it renews a token within five minutes of its
    expiry, and otherwise writes the same host, certificates and proxy back into the
    configuration, whose host setter reads the proxy environment again (a quarter of a status
    PATCH's time in a profile); renewing up to `every` seconds later is still minutes early.
    """
    if configuration.refresh_api_key_hook is not None:
        configuration.refresh_api_key_hook = _ThrottledRefresh(
            configuration.refresh_api_key_hook, every
        )


class _ThrottledRefresh:
    def __init__(self, hook: Callable[[client.Configuration], None], every: float) -> None:
        self.hook = hook
        self.every = every
        self.checked = -math.inf

    def __call__(self, configuration: client.Configuration) -> None:
        now = time.monotonic()
        if now - self.checked < self.every:
            return
        self.checked = now
        self.hook(configuration)
        # the loader's hook installs itself again each time it runs: keep it inside this one
        installed = configuration.refresh_api_key_hook
        if installed is not self and installed is not None:
            self.hook = installed
            configuration.refresh_api_key_hook = self


def connection_info(configuration: client.Configuration) -> kopf.ConnectionInfo:
    """kopf's credentials, from the same configuration as our kubernetes client."""
    header = configuration.get_api_key_with_prefix(
        "BearerToken"
    ) or configuration.get_api_key_with_prefix("authorization")
    parts = header.split(" ", 1) if header else []
    scheme, token = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0] if parts else None)
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        username=configuration.username or None,
        password=configuration.password or None,
        scheme=scheme,
        token=token,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
    )
