"""gitward syncs its own chart: the example's `gitops/platform/gitward.yaml`, created through the
API of a real `gitward server`, deploys deploy/helm/gitward (from a stand-in for "your fork of
gitward", tagged v0.1.0) with the example repository's values into the sandbox, as it would into
the cluster it runs in. The sandbox's simulated controllers make the Deployment's pods ready;
no gitward image runs there."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from deploy_support import CHART, EXAMPLE, NAMESPACE

from gitward.sandbox import Sandbox, SandboxOptions
from support.api import admin_client
from support.processes import serving

FORK_URL = "https://github.com/your-org/gitward.git"
EXAMPLE_URL = "https://github.com/giridharan-official/ai-chatbot-infra.git"
APP_FILE = EXAMPLE / "gitops" / "platform" / "gitward.yaml"
RBAC_VERB = {"apply": "patch"}
"""The sandbox logs a server-side apply as `apply`; RBAC knows it as `patch`."""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit_all(repo: Path, tag: str = "") -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "import")
    if tag:
        git(repo, "tag", tag)


@pytest.fixture
def repositories(tmp_path: Path) -> dict[str, Path]:
    """The fork (gitward's chart at deploy/helm/gitward, tag v0.1.0) and the example, as clones."""
    fork = tmp_path / "fork"
    shutil.copytree(CHART, fork / "deploy" / "helm" / "gitward")
    commit_all(fork, tag="v0.1.0")
    example = tmp_path / "example"
    shutil.copytree(EXAMPLE, example)
    commit_all(example)
    return {FORK_URL: fork, EXAMPLE_URL: example}


@pytest.fixture
def server(tmp_path: Path, repositories: dict[str, Path]) -> Iterator[tuple[httpx.Client, Sandbox]]:
    """A gitward server deploying to the sandbox, logged in; the sandbox holds the namespace the
    first `helm install --create-namespace` made."""
    options = SandboxOptions(pod_ready_after=0.02, time_scale=0.002)
    with Sandbox.start(options) as sandbox:
        kubeconfig = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
        sandbox_client = httpx.Client(base_url=sandbox.url, verify=False)
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        assert sandbox_client.post("/api/v1/namespaces", json=namespace).status_code == 201
        repo_dirs = [
            arg for url, path in repositories.items() for arg in ("--repo-dir", f"{url}={path}")
        ]
        args = ["server", "--port", "0", "--metrics-port", "0", "--data-dir",
                str(tmp_path / "data"), "--kubeconfig", str(kubeconfig), *repo_dirs]  # fmt: skip
        try:
            with (
                serving(args, {"GITWARD_RECONCILIATION_PERIOD": "0"}) as (url, password),
                admin_client(url, password) as client,
            ):
                yield client, sandbox
        finally:
            sandbox_client.close()


def settled(client: httpx.Client, name: str, bound_s: float = 90) -> dict[str, Any]:
    """The app once it is Synced and Healthy, or its last state when the bound runs out."""
    deadline = time.monotonic() + bound_s
    while True:
        status = client.get(f"/api/v1/applications/{name}").json().get("status", {})
        done = status.get("sync", {}).get("status") == "Synced"
        if (done and status.get("health", {}).get("status") == "Healthy") or (
            time.monotonic() > deadline
        ):
            return dict(status)
        time.sleep(0.2)


def test_gitward_deploys_its_own_chart_from_the_example_platform_app(
    server: tuple[httpx.Client, Sandbox],
) -> None:
    client, sandbox = server
    created = client.post("/api/v1/applications", json=yaml.safe_load(APP_FILE.read_text()))
    assert created.status_code == 200, created.text
    before = len(sandbox.request_log())
    status = settled(client, "gitward")
    sent = sandbox.request_log()[before:]
    assert status["sync"]["status"] == "Synced", status
    assert status["health"]["status"] == "Healthy", status
    assert len(status["sync"]["revisions"]) == 2
    with httpx.Client(base_url=sandbox.url, verify=False) as cluster:
        deployment = cluster.get(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/gitward")
        assert deployment.status_code == 200
        (container,) = deployment.json()["spec"]["template"]["spec"]["containers"]
        assert container["image"] == "ghcr.io/your-org/gitward:0.1.0"
        assert "--bootstrap=/etc/gitward/root-app.yaml" in container["args"]
        role = cluster.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/gitward").json()
        files = cluster.get(f"/api/v1/namespaces/{NAMESPACE}/configmaps/gitward-files").json()
        assert sorted(files["data"]) == ["argocd-cm.yaml", "argocd-rbac-cm.yaml", "root-app.yaml"]
    # Everything gitward asked of the cluster, as RBAC verbs, is what its ClusterRole grants.
    resources, discovery = role["rules"][0], role["rules"][1]
    used = {
        RBAC_VERB.get(record.verb, record.verb) for record in sent if record.verb != "discovery"
    }
    assert {"list", "watch", "patch"} <= used
    assert used <= set(resources["verbs"]), used - set(resources["verbs"])
    assert "*" not in resources["verbs"]
    assert discovery["verbs"] == ["get"]
    assert any(record.verb == "discovery" for record in sent)
