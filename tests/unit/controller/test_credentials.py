"""The kubeconfig credential check before each request, at most every so often."""

from __future__ import annotations

from kubernetes import client

from rollouts.controller import connect


class LoaderHook:
    """Like the kubeconfig loader's hook: it installs itself again each time it runs."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, configuration: client.Configuration) -> None:
        self.calls += 1
        configuration.refresh_api_key_hook = self  # type: ignore[assignment]


def _throttled(every: float) -> tuple[client.Configuration, LoaderHook]:
    configuration = client.Configuration()
    hook = LoaderHook()
    configuration.refresh_api_key_hook = hook  # type: ignore[assignment]
    connect.throttle_credential_refresh(configuration, every=every)
    return configuration, hook


def test_many_requests_within_the_period_check_the_credentials_once():
    configuration, hook = _throttled(every=3600)

    for _ in range(5):
        configuration.get_api_key_with_prefix("BearerToken")

    assert hook.calls == 1


def test_the_check_runs_again_once_the_period_has_passed_and_stays_throttled():
    configuration, hook = _throttled(every=0)

    for _ in range(3):
        configuration.get_api_key_with_prefix("BearerToken")

    assert hook.calls == 3
    assert configuration.refresh_api_key_hook is not hook


def test_a_configuration_without_a_hook_keeps_none():
    configuration = client.Configuration()

    connect.throttle_credential_refresh(configuration)

    assert configuration.refresh_api_key_hook is None
