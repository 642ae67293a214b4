"""Reaching a cluster: kubeconfig, service account, bearer token; plugins refused unless allowed;
destinations found by server URL or name."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from gitward.errors import ClusterConfigError, ConfigError
from gitward.kube import ClusterAccess, Clusters, RemoteCluster
from gitward.kube.access import load_config
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.model.objects import ResourceKey


def write_kubeconfig(path: Path, user: dict[str, Any], server: str = "https://10.0.0.1") -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": user}],
                "contexts": [{"name": "prod", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "prod",
            }
        )
    )
    return path


def exec_plugin(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    """A kubeconfig user whose exec plugin leaves a marker file and prints a token."""
    marker = tmp_path / "plugin-ran"
    script = tmp_path / "get-token"
    credential = {"apiVersion": "client.authentication.k8s.io/v1beta1", "status": {"token": "t"}}
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, sys\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n"
        f"print({json.dumps(credential)!r})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(script)}}
    return user, marker


def api_answering_everything(seen: list[httpx2.Request]) -> httpx2.MockTransport:
    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.url.path == "/api":
            return httpx2.Response(200, json={"versions": ["v1"]})
        if request.url.path == "/apis":
            return httpx2.Response(200, json={"groups": []})
        if request.url.path == "/api/v1":
            resources = [{"name": "configmaps", "kind": "ConfigMap", "namespaced": True}]
            return httpx2.Response(200, json={"resources": resources})
        return httpx2.Response(200, json={"kind": "ConfigMap", "metadata": {"name": "x"}})

    return httpx2.MockTransport(answer)


def test_a_kubeconfig_exec_plugin_is_refused_with_a_clear_error_and_never_runs(tmp_path: Path):
    user, marker = exec_plugin(tmp_path)
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", user)
    access = ClusterAccess(server="https://prod.example", kubeconfig=kubeconfig)

    with pytest.raises(ClusterConfigError) as caught:
        RemoteCluster.connect(access)

    assert isinstance(caught.value, ConfigError)
    assert "would run the program 'get-token'" in caught.value.message
    assert str(kubeconfig) in caught.value.message
    assert "allow_exec_plugins" in caught.value.hint
    assert not marker.exists()


async def test_an_exec_plugin_runs_only_when_the_operator_allows_it(tmp_path: Path):
    user, marker = exec_plugin(tmp_path)
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", user)
    access = ClusterAccess(server="https://x", kubeconfig=kubeconfig, allow_exec_plugins=True)
    seen: list[httpx2.Request] = []
    cluster = RemoteCluster.connect(access, transport=api_answering_everything(seen))

    try:
        await cluster.get(ResourceKey("", "ConfigMap", "default", "x"))
    finally:
        await cluster.close()

    assert marker.read_text() == "ran"
    assert seen[-1].headers["authorization"] == "Bearer t"


def test_an_auth_provider_plugin_is_refused_even_when_exec_plugins_are_allowed(tmp_path: Path):
    kubeconfig = write_kubeconfig(tmp_path / "kc", {"auth-provider": {"name": "gcp"}})
    access = ClusterAccess(server="https://x", kubeconfig=kubeconfig, allow_exec_plugins=True)

    with pytest.raises(ClusterConfigError) as caught:
        load_config(access)

    assert "auth-provider" in caught.value.message


@pytest.mark.parametrize(
    ("content", "context", "expected"),
    [
        ("clusters: [\n", None, "malformed"),
        ("clusters: []\ncontexts: []\n", None, "No current context"),
        (None, "staging", "Context 'staging' not found"),
    ],
)
def test_a_broken_kubeconfig_or_missing_context_names_the_file(
    tmp_path: Path, content: str | None, context: str | None, expected: str
):
    path = write_kubeconfig(tmp_path / "kc", {"token": "abc"})
    if content is not None:
        path.write_text(content)
    access = ClusterAccess(server="https://x", kubeconfig=path, context=context)

    with pytest.raises(ClusterConfigError) as caught:
        load_config(access)

    assert expected in caught.value.message
    assert str(path) in caught.value.message


def test_a_yaml_error_in_a_kubeconfig_does_not_quote_the_file(tmp_path: Path):
    path = tmp_path / "kc"
    path.write_text("users:\n- name: u\n  user: {token: s3cr3t-t0ken\n")

    with pytest.raises(ClusterConfigError) as caught:
        load_config(ClusterAccess(server="https://x", kubeconfig=path))

    assert "invalid YAML at line" in caught.value.message
    assert "s3cr3t-t0ken" not in caught.value.message


def test_a_missing_kubeconfig_file_is_a_cluster_config_error(tmp_path: Path):
    with pytest.raises(ClusterConfigError):
        load_config(ClusterAccess(server="https://x", kubeconfig=tmp_path / "absent"))


def service_account(tmp_path: Path) -> Path:
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text("sa-token")
    (directory / "namespace").write_text("gitward\n")
    (directory / "ca.crt").write_text("not read until a TLS connection is made")
    return directory


def test_in_cluster_credentials_come_from_the_service_account_and_environment(tmp_path: Path):
    directory = service_account(tmp_path)
    access = ClusterAccess(server=IN_CLUSTER_SERVER, in_cluster=True, service_account_dir=directory)
    environ = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}

    config = load_config(access, environ)

    assert config.cluster.server == "https://10.96.0.1:443"
    assert config.cluster.certificate_auth == str(directory / "ca.crt")
    assert config.user is not None and config.user.token_file == str(directory / "token")
    assert config.namespace == "gitward"


def test_in_cluster_credentials_outside_a_pod_are_a_clear_error(tmp_path: Path):
    access = ClusterAccess(server=IN_CLUSTER_SERVER, in_cluster=True, service_account_dir=tmp_path)

    with pytest.raises(ClusterConfigError) as caught:
        load_config(access, {})

    assert "does not run inside a cluster" in caught.value.message


def test_a_bearer_token_access_never_shows_its_token():
    access = ClusterAccess(server="https://prod.example:6443", bearer_token="s3cr3t-t0ken")

    config = load_config(access)

    assert config.cluster.server == "https://prod.example:6443"
    assert config.user is not None and config.user.token == "s3cr3t-t0ken"
    assert "s3cr3t-t0ken" not in repr(access)
    assert access.secrets() == ("s3cr3t-t0ken",)


def test_access_without_any_credentials_is_refused():
    with pytest.raises(ClusterConfigError) as caught:
        load_config(ClusterAccess(server="https://x", name="prod"))

    assert "cluster prod" in caught.value.message


PROD = ClusterAccess(server="https://prod.example:6443", name="prod", bearer_token="t")


def test_a_destination_finds_its_cluster_by_server_or_by_name():
    clusters = Clusters([PROD])

    assert clusters.access(server="https://prod.example:6443/") is PROD
    assert clusters.access(name="prod") is PROD


@pytest.mark.parametrize(
    ("server", "name", "expected"),
    [
        ("https://prod.example:6443", "prod", "both server and name"),
        ("", "", "neither server nor name"),
        ("https://other.example", "", "no cluster is configured for server https://other"),
        ("", "staging", "no cluster is configured for name staging"),
    ],
)
def test_a_destination_that_names_no_single_known_cluster_is_refused(
    server: str, name: str, expected: str
):
    with pytest.raises(ClusterConfigError) as caught:
        Clusters([PROD]).access(server=server, name=name)

    assert expected in caught.value.message


def test_the_in_cluster_address_can_be_mapped_to_a_kubeconfig_context(tmp_path: Path):
    sandbox = ClusterAccess(
        server=IN_CLUSTER_SERVER,
        name=IN_CLUSTER_NAME,
        kubeconfig=write_kubeconfig(tmp_path / "kc", {"token": "t"}, "http://127.0.0.1:1"),
    )
    clusters = Clusters([sandbox], environ={})

    assert clusters.access(server=IN_CLUSTER_SERVER) is sandbox
    assert clusters.access(name=IN_CLUSTER_NAME) is sandbox


def test_the_in_cluster_address_uses_the_service_account_when_gitward_runs_in_a_pod(
    tmp_path: Path,
):
    directory = service_account(tmp_path)
    environ = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    clusters = Clusters([], environ=environ, service_account_dir=directory)

    access = clusters.access(server=IN_CLUSTER_SERVER)

    assert access.in_cluster and access.service_account_dir == directory


def test_the_in_cluster_address_outside_a_pod_without_mapping_is_refused(tmp_path: Path):
    clusters = Clusters([], environ={}, service_account_dir=tmp_path)

    with pytest.raises(ClusterConfigError):
        clusters.access(server=IN_CLUSTER_SERVER)


async def test_one_client_is_made_per_cluster_and_closed_with_the_registry():
    made: list[ClusterAccess] = []
    closed: list[str] = []

    class FakeCluster:
        name = "fake"

        async def close(self) -> None:
            closed.append(self.name)

    def connect(access: ClusterAccess) -> Any:
        made.append(access)
        return FakeCluster()

    clusters = Clusters([PROD], connect=connect)
    first = clusters.cluster(name="prod")
    second = clusters.cluster(server="https://prod.example:6443")
    await clusters.close()

    assert first is second
    assert made == [PROD]
    assert closed == ["fake"]
