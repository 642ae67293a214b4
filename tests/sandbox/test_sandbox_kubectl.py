"""The real kubectl (1.35) works against the sandbox: get, apply --server-side, diff, delete,
rollout status. Skipped when kubectl is absent, unless GITWARD_REQUIRE_TOOLS=1."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitward.sandbox import Sandbox, SandboxOptions

TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "bin"

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: nginx:1.27
        ports:
        - containerPort: 80
"""


@pytest.fixture(scope="module")
def kubectl_binary() -> Path:
    found = shutil.which("kubectl", path=str(TOOLS)) or shutil.which("kubectl")
    if found is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail("kubectl is required (GITWARD_REQUIRE_TOOLS=1) but was not found")
        pytest.skip("kubectl binary not found (run ./dev setup to fetch it)")
    return Path(found)


class Kubectl:
    def __init__(self, binary: Path, kubeconfig: Path, cache: Path) -> None:
        self.binary, self.kubeconfig, self.cache = binary, kubeconfig, cache

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(self.binary),
                "--kubeconfig",
                str(self.kubeconfig),
                "--cache-dir",
                str(self.cache),
                *args,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def kubectl(kubectl_binary: Path, tmp_path: Path) -> Iterator[Kubectl]:
    options = SandboxOptions(pod_ready_after=0.05)
    with Sandbox.start(options) as sandbox:
        config = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
        yield Kubectl(kubectl_binary, config, tmp_path / "cache")


def test_kubectl_lists_namespaces(kubectl: Kubectl) -> None:
    result = kubectl("get", "namespaces")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["NAME", "STATUS", "AGE"]
    assert "kube-system" in result.stdout


def test_kubectl_server_side_apply_then_diff_shows_no_change(kubectl: Kubectl) -> None:
    applied = kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    assert applied.returncode == 0, applied.stderr
    assert "deployment.apps/web serverside-applied" in applied.stdout
    # Until the rollout is done the simulated controller writes the status, and kubectl diff
    # (a read, then a dry-run apply) would see it move between its two requests.
    settled = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s")
    assert settled.returncode == 0, settled.stderr
    same = kubectl("diff", "--server-side", "-f", "-", stdin=MANIFEST)
    assert same.returncode == 0, same.stdout + same.stderr
    changed = kubectl("diff", "--server-side", "-f", "-", stdin=MANIFEST.replace("1.27", "1.28"))
    assert changed.returncode == 1, changed.stderr
    assert "+      - image: nginx:1.28" in changed.stdout


def test_kubectl_rollout_status_waits_for_the_rollout(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s")
    assert status.returncode == 0, status.stderr
    assert 'deployment "web" successfully rolled out' in status.stdout
    pods = kubectl("get", "pods", "-n", "shop", "-o", "name")
    assert len(pods.stdout.split()) == 2


def test_kubectl_scales_through_the_scale_subresource(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    scaled = kubectl("scale", "deployment/web", "-n", "shop", "--replicas=3")
    assert scaled.returncode == 0, scaled.stderr
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s")
    assert status.returncode == 0, status.stderr
    ready = kubectl("get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.status.readyReplicas}")
    assert ready.stdout == "3"


def test_kubectl_apply_conflict_and_force(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    other = MANIFEST.replace("replicas: 2", "replicas: 3")
    clash = kubectl("apply", "--server-side", "--field-manager=other", "-f", "-", stdin=other)
    assert clash.returncode != 0
    assert 'conflict with "kubectl"' in clash.stderr
    forced = kubectl(
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        "-",
        stdin=other,
    )
    assert forced.returncode == 0, forced.stderr


def test_kubectl_deletes_and_waits(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    deleted = kubectl("delete", "deployment", "web", "-n", "shop", "--timeout=30s")
    assert deleted.returncode == 0, deleted.stderr
    missing = kubectl("get", "deployment", "web", "-n", "shop")
    assert missing.returncode == 1
    assert 'deployments.apps "web" not found' in missing.stderr


def test_kubectl_deletes_a_namespace_and_waits_until_it_is_empty(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    deleted = kubectl("delete", "namespace", "shop", "--timeout=30s")
    assert deleted.returncode == 0, deleted.stderr
    gone = kubectl("get", "namespace", "shop")
    assert 'namespaces "shop" not found' in gone.stderr
    listed = kubectl("get", "deployments", "-A", "-o", "name")
    assert listed.stdout == ""


def test_kubectl_client_side_apply_works(kubectl: Kubectl) -> None:
    created = kubectl("apply", "-f", "-", stdin=MANIFEST)
    assert created.returncode == 0, created.stderr
    again = kubectl("apply", "-f", "-", stdin=MANIFEST.replace("replicas: 2", "replicas: 1"))
    assert again.returncode == 0, again.stderr
    replicas = kubectl("get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}")
    assert replicas.stdout == "1"
