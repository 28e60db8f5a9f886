"""Kubeconfig as kubectl reads it: which files, merged how, which context, and who we are.

Files in tmp_path, no server; the exec credential plugin is a small Python script.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import sys
from typing import Any

import pytest
import yaml

from rollouts.cli import credentials, exec_plugin, kubeconfig
from rollouts.cli import main as cli

ConfigError = kubeconfig.ConfigError


def config(
    path: pathlib.Path,
    *,
    current: str | None = None,
    clusters: dict[str, Any] | None = None,
    contexts: dict[str, Any] | None = None,
    users: dict[str, Any] | None = None,
) -> pathlib.Path:
    document: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    if current is not None:
        document["current-context"] = current
    for section, inner, entries in (
        ("clusters", "cluster", clusters),
        ("contexts", "context", contexts),
        ("users", "user", users),
    ):
        if entries is not None:
            document[section] = [{"name": k, inner: v} for k, v in entries.items()]
    path.write_text(yaml.safe_dump(document))
    return path


def one(path: pathlib.Path, *, user: dict[str, Any] | None = None, **cluster: Any) -> pathlib.Path:
    return config(
        path,
        current="one",
        clusters={"one": {"server": "https://one.example:6443", **cluster}},
        contexts={"one": {"cluster": "one", "user": "one", "namespace": "team"}},
        users={"one": user or {}},
    )


def load(path: pathlib.Path | None = None, *, env: dict[str, str] | None = None, **kw: Any):
    return kubeconfig.load(str(path) if path else None, kw.get("context"),
                           kw.get("namespace"), env or {})  # fmt: skip


# ------------------------------------------------------------------------- which files


def test_an_explicit_path_wins_over_kubeconfig_and_home(tmp_path) -> None:
    env = {"KUBECONFIG": "/a:/b", "HOME": "/home/me"}
    assert kubeconfig.find_files("/x", env) == ["/x"]
    assert kubeconfig.find_files(None, env) == ["/a", "/b"]
    assert kubeconfig.find_files(None, {"KUBECONFIG": ":/a::/a", "HOME": "/h"}) == ["/a"]
    assert kubeconfig.find_files(None, {"HOME": "/home/me"}) == ["/home/me/.kube/config"]


def test_the_files_of_kubeconfig_merge_the_first_to_set_a_name_wins(tmp_path) -> None:
    first = config(
        tmp_path / "first",
        clusters={"shared": {"server": "https://first:6443"}},
        contexts={"mine": {"cluster": "shared", "user": "me"}},
    )
    second = config(
        tmp_path / "second",
        current="theirs",
        clusters={"shared": {"server": "https://second:6443"},
                  "theirs": {"server": "https://theirs:6443"}},
        contexts={"theirs": {"cluster": "theirs", "user": "me", "namespace": "ops"},
                  "mine": {"cluster": "theirs", "user": "me"}},
        users={"me": {"token": "t"}},
    )  # fmt: skip
    env = {"KUBECONFIG": f"{first}:{tmp_path / 'missing'}:{second}"}
    chosen = load(env=env)
    assert (chosen.context, chosen.cluster["server"], chosen.namespace) == (
        "theirs", "https://theirs:6443", "ops",
    )  # fmt: skip
    mine = load(env=env, context="mine", namespace="dev")
    assert (mine.cluster["server"], mine.user, mine.namespace) == (
        "https://first:6443", {"token": "t"}, "dev",
    )  # fmt: skip


def test_the_first_file_with_a_current_context_names_it(tmp_path) -> None:
    docs = [{"current-context": ""}, {"current-context": "b"}, {"current-context": "c"}]
    assert kubeconfig.merge(docs).current_context == "b"


def test_relative_paths_are_relative_to_their_file(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    path = config(
        tmp_path / "sub" / "config",
        current="c",
        clusters={"k": {"server": "https://k", "certificate-authority": "ca.crt"}},
        contexts={"c": {"cluster": "k", "user": "u"}},
        users={"u": {"client-certificate": "certs/me.crt", "client-key": "/abs/me.key",
                     "tokenFile": "../token", "exec": {"command": "./bin/get-token"}}},
    )  # fmt: skip
    chosen = load(path)
    base = str(tmp_path / "sub")
    assert chosen.cluster["certificate-authority"] == f"{base}/ca.crt"
    assert chosen.user["client-certificate"] == f"{base}/certs/me.crt"
    assert chosen.user["client-key"] == "/abs/me.key"
    assert chosen.user["tokenFile"] == f"{base}/../token"
    assert chosen.user["exec"]["command"] == f"{base}/./bin/get-token"
    on_path = {"users": [{"name": "u", "user": {"exec": {"command": "aws"}}}]}
    assert kubeconfig.resolve_paths(on_path, base)["users"][0]["user"]["exec"]["command"] == "aws"


def test_json_kubeconfigs_are_read_too(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(yaml.safe_load(one(tmp_path / "c").read_text())))
    assert load(path).cluster["server"] == "https://one.example:6443"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("clusters: [\n", "invalid YAML: "),
        ("a: b\n c: d\n", "(line 2, column 3)"),
        ("- a list\n", "not a kubeconfig (expected a mapping)"),
        ("clusters: 3\n", "clusters: expected a list"),
        ("clusters: [{cluster: {}}]\n", "clusters: every entry needs a name"),
        ("{not json\n", "invalid JSON: Expecting property name"),
        ("apiVersion: v1\n", "no current context (set current-context or pass --context)"),
    ],
)
def test_a_malformed_kubeconfig_is_a_config_error(tmp_path, text, reason) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert reason in str(caught.value)


def test_unknown_names_are_config_errors(tmp_path) -> None:
    path = one(tmp_path / "config")
    with pytest.raises(ConfigError, match=r'^context "nope" not found$'):
        load(path, context="nope")
    broken = config(tmp_path / "broken", current="c", contexts={"c": {"cluster": "gone"}})
    with pytest.raises(ConfigError, match=r'^cluster "gone" of context "c" not found$'):
        load(broken)
    with pytest.raises(ConfigError, match="missing: No such file or directory"):
        load(tmp_path / "missing")


def test_without_any_kubeconfig_a_pod_uses_its_service_account(tmp_path) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "namespace").write_text("apps\n")
    env = {"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "fd00::1",
           "KUBERNETES_SERVICE_PORT": "443"}  # fmt: skip
    chosen = kubeconfig.load(None, None, None, env, str(account))
    assert chosen.cluster == {"server": "https://[fd00::1]:443",
                              "certificate-authority": f"{account}/ca.crt"}  # fmt: skip
    assert (chosen.user, chosen.namespace) == ({"tokenFile": f"{account}/token"}, "apps")
    assert kubeconfig.load(None, None, "mine", env, str(account)).namespace == "mine"
    with pytest.raises(ConfigError, match=r"no kubeconfig found .* and not running in a cluster"):
        kubeconfig.load(None, None, None, {"HOME": str(tmp_path)}, str(account))


# ---------------------------------------------------------------------------- who we are


def settings(path: pathlib.Path, env: dict[str, str] | None = None):
    return credentials.build_settings(load(path), env or {})


def test_token_basic_and_oidc_are_an_authorization_header(tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    basic = base64.b64encode(b"admin:secret").decode()
    oidc = {"auth-provider": {"name": "oidc", "config": {"id-token": "jwt", "idp-issuer-url": "x"}}}
    for user, header in [
        ({"token": "abc"}, "Bearer abc"),
        ({"token": "abc", "tokenFile": str(token_file)}, "Bearer from-file"),
        ({"username": "admin", "password": "secret"}, f"Basic {basic}"),
        (oidc, "Bearer jwt"),
        ({}, None),
    ]:
        assert settings(one(tmp_path / "c", user=user)).authorization == header, user


def test_the_server_url_gives_host_port_and_path(tmp_path) -> None:
    plain = config(tmp_path / "c", current="c", clusters={"k": {"server": "http://127.0.0.1"}},
                   contexts={"c": {"cluster": "k"}})  # fmt: skip
    found = settings(plain)
    assert (found.host, found.port, found.prefix, found.ssl_context) == ("127.0.0.1", 80, "", None)
    proxied = settings(one(tmp_path / "p", server="https://rancher.example/k8s/clusters/c-1/"))
    assert (proxied.host, proxied.port, proxied.prefix) == (
        "rancher.example", 443, "/k8s/clusters/c-1",
    )  # fmt: skip
    assert proxied.ssl_context is not None
    named = settings(one(tmp_path / "n", **{"tls-server-name": "kubernetes.default"}))
    assert named.server_hostname == "kubernetes.default"


@pytest.mark.parametrize(
    ("cluster", "user", "reason"),
    [
        ({"server": "ftp://x"}, {}, "cluster server 'ftp://x' is not an http(s) URL"),
        ({"server": "https://x:port"}, {}, "cluster server 'https://x:port': Port could not"),
        ({"certificate-authority-data": "%%%"}, {}, "certificate-authority-data is not base64"),
        ({"certificate-authority": "/no/ca.crt"}, {}, "No such file or directory"),
        ({"certificate-authority-data": base64.b64encode(b"junk").decode()}, {}, "TLS: "),
        ({}, {"client-certificate": "/a.crt"}, "client-certificate and client-key must be given"),
        ({}, {"tokenFile": "/no/token"}, "tokenFile /no/token: No such file or directory"),
        ({}, {"auth-provider": {"name": "gcp", "config": {}}}, 'auth-provider "gcp" without'),
        ({}, {"auth-provider": "oidc"}, "auth-provider: expected a mapping"),
        ({}, {"exec": ["aws"]}, "exec: expected a mapping"),
        ({}, {"token": "two\nlines"}, "the token holds characters a header cannot carry"),
    ],
)
def test_unusable_clusters_and_users_are_config_errors(tmp_path, cluster, user, reason) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(one(tmp_path / "c", user=user, **cluster))
    assert reason in str(caught.value)


# -------------------------------------------------------------------------- exec plugins

PLUGIN = """\
import json, os, sys
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
with open(os.environ["RECORD"], "w") as f:
    json.dump({"info": info, "args": sys.argv[1:], "greeting": os.environ.get("GREETING")}, f)
answer = json.loads(os.environ.get("ANSWER", "null")) or {
    "apiVersion": info["apiVersion"], "kind": "ExecCredential", "status": {"token": "exec-token"}}
print(json.dumps(answer))
sys.exit(int(os.environ.get("EXIT", "0")))
"""


def exec_user(tmp_path: pathlib.Path, version: str = "v1", **spec: Any) -> dict[str, Any]:
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN)
    env = [{"name": "GREETING", "value": "hello"},
           {"name": "RECORD", "value": str(tmp_path / "record.json")}]  # fmt: skip
    env += [{"name": k, "value": v} for k, v in spec.pop("env", {}).items()]
    return {"exec": {"apiVersion": f"client.authentication.k8s.io/{version}",
                     "command": sys.executable, "args": [str(script), "--flag"], "env": env,
                     "interactiveMode": "Never", **spec}}  # fmt: skip


def record(tmp_path: pathlib.Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((tmp_path / "record.json").read_text())
    return found


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
def test_an_exec_plugin_gives_the_token_and_hears_what_kubectl_tells_it(tmp_path, version):
    user = exec_user(tmp_path, version, provideClusterInfo=True)
    path = one(tmp_path / "c", user=user, **{"tls-server-name": "kubernetes"})
    assert settings(path, dict(os.environ)).authorization == "Bearer exec-token"
    seen = record(tmp_path)
    assert seen["args"] == ["--flag"]
    assert seen["greeting"] == "hello"
    assert seen["info"] == {
        "apiVersion": f"client.authentication.k8s.io/{version}",
        "kind": "ExecCredential",
        "spec": {"interactive": False, "cluster": {"server": "https://one.example:6443",
                                                   "tls-server-name": "kubernetes"}},
    }  # fmt: skip


def test_the_cluster_info_of_an_exec_plugin_carries_the_ca_and_its_config(tmp_path) -> None:
    (tmp_path / "ca.crt").write_bytes(b"PEM")
    extension = {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "k8s"}}
    cluster = {"server": "https://k", "certificate-authority": str(tmp_path / "ca.crt"),
               "insecure-skip-tls-verify": False, "extensions": [extension]}  # fmt: skip
    assert exec_plugin.build_cluster_info(cluster) == {
        "server": "https://k", "certificate-authority-data": "UEVN", "config": {"audience": "k8s"},
    }  # fmt: skip


def test_a_static_token_means_the_exec_plugin_is_not_run(tmp_path) -> None:
    user = {**exec_user(tmp_path), "token": "static"}
    assert settings(one(tmp_path / "c", user=user)).authorization == "Bearer static"
    assert not (tmp_path / "record.json").exists()


def test_interactive_mode_follows_the_terminal() -> None:
    assert exec_plugin.compute_interactive("IfAvailable", terminal=True) is True
    assert exec_plugin.compute_interactive("", terminal=False) is False
    assert exec_plugin.compute_interactive("Never", terminal=True) is False
    with pytest.raises(ConfigError, match="needs a terminal"):
        exec_plugin.compute_interactive("Always", terminal=False)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"env": {"EXIT": "3"}}, "failed with exit code 3"),
        ({"env": {"ANSWER": '{"kind": "ExecCredential", "apiVersion": "client.authentication'
                            '.k8s.io/v1beta1", "status": {"token": "x"}}'}},
         "answered client.authentication.k8s.io/v1beta1, not client.authentication.k8s.io/v1"),
        ({"env": {"ANSWER": '{"kind": "ExecCredential", "apiVersion": "client.authentication'
                            '.k8s.io/v1", "status": {}}'}},
         "returned neither a token nor a client certificate"),
        ({"env": {"ANSWER": '"hello"'}}, "did not print an ExecCredential"),
        ({"command": "/no/such/plugin", "installHint": "brew install\n  plugin"},
         "executable /no/such/plugin not found (brew install plugin)"),
        ({"apiVersion": "client.authentication.k8s.io/v1alpha1"}, "is not supported"),
    ],
)  # fmt: skip
def test_a_failing_exec_plugin_is_a_config_error(tmp_path, spec, reason) -> None:
    user = exec_user(tmp_path, **spec)
    with pytest.raises(ConfigError) as caught:
        settings(one(tmp_path / "c", user=user), dict(os.environ))
    assert reason in str(caught.value)


# --------------------------------------------------------------------- as the user sees it


@pytest.mark.parametrize(
    ("text", "user", "message"),
    [
        ("clusters: [\n", None, "error: cannot load kubeconfig: {path}: invalid YAML: "),
        (None, {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "false",
                         "interactiveMode": "Never"}},
         "error: cannot load kubeconfig: exec: executable false failed with exit code 1"),
    ],
)  # fmt: skip
def test_a_bad_kubeconfig_is_one_line_and_exit_one(tmp_path, capsys, text, user, message):
    path = one(tmp_path / "config", user=user)
    if text is not None:
        path.write_text(text)
    assert cli.main(["list", "rollouts", "--kubeconfig", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(message.format(path=path))
    assert err.count("\n") == 1
    assert cli.main(["get", "rollout", "x", "--kubeconfig", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err
    assert err == f"error: cannot load kubeconfig: {tmp_path / 'nope'}: No such file or directory\n"
