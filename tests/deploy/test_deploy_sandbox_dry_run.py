"""gitward's chart, applied to the sandbox by the real kubectl with `--server-side
--dry-run=server`: the API server accepts every object (kinds served, names, labels, selectors
matching their pod templates, containers well formed) and stores none of them. Only the API is
checked: the sandbox runs no image, so no gitward pod starts there."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from deploy_support import CHART, NAMESPACE, RELEASE, gitward_render

from gitward.sandbox import Sandbox, SandboxOptions

pytestmark = pytest.mark.helm_cli

# What the Prometheus Operator installs, reduced to what the API server needs to serve the kind.
SERVICE_MONITOR_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, plural: servicemonitors, singular: servicemonitor}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""


class Kubectl:
    def __init__(self, binary: Path, kubeconfig: Path, cache: Path) -> None:
        self.binary, self.kubeconfig, self.cache = binary, kubeconfig, cache

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip


@pytest.fixture
def cluster(kubectl: Path, tmp_path: Path) -> Iterator[Kubectl]:
    """A sandbox with the release's namespace and the ServiceMonitor CRD, and kubectl for it."""
    with Sandbox.start(SandboxOptions()) as sandbox:
        run = Kubectl(kubectl, sandbox.write_kubeconfig(tmp_path / "kubeconfig"), tmp_path / "c")
        for step in (("create", "namespace", NAMESPACE), ("apply", "-f", "-")):
            done = run(*step, stdin=SERVICE_MONITOR_CRD)
            assert done.returncode == 0, done.stderr
        established = run(
            *("wait", "--for=condition=Established", "--timeout=30s"),
            "crd/servicemonitors.monitoring.coreos.com",
        )
        assert established.returncode == 0, established.stderr
        yield run


def rendered(values_file: Path | None = None, values: str = "") -> str:
    objects = gitward_render(*((values_file,) if values_file else ()), values=values)
    return yaml.safe_dump_all(list(objects.values()))


def test_every_object_of_the_chart_is_accepted_by_a_server_side_dry_run(cluster: Kubectl) -> None:
    manifest = rendered(CHART / "examples" / "values-full.yaml")
    done = cluster("apply", "--server-side", "--dry-run=server", "-f", "-", stdin=manifest)
    assert done.returncode == 0, done.stderr
    accepted = sorted(line.split()[0] for line in done.stdout.splitlines())
    assert accepted == sorted(
        [
            f"clusterrole.rbac.authorization.k8s.io/{RELEASE}",
            f"clusterrolebinding.rbac.authorization.k8s.io/{RELEASE}",
            f"configmap/{RELEASE}-files",
            f"deployment.apps/{RELEASE}",
            f"ingress.networking.k8s.io/{RELEASE}",
            f"networkpolicy.networking.k8s.io/{RELEASE}",
            f"poddisruptionbudget.policy/{RELEASE}",
            f"secret/{RELEASE}",
            f"service/{RELEASE}",
            f"service/{RELEASE}-metrics",
            f"serviceaccount/{RELEASE}",
            f"servicemonitor.monitoring.coreos.com/{RELEASE}",
        ]
    )
    assert all(
        line.endswith("serverside-applied (server dry run)") for line in done.stdout.splitlines()
    )
    stored = cluster("get", "deployment,serviceaccount", "-n", NAMESPACE, "-o", "name")
    assert stored.returncode == 0, stored.stderr
    assert f"deployment.apps/{RELEASE}" not in stored.stdout
    assert f"serviceaccount/{RELEASE}" not in stored.stdout


@pytest.mark.parametrize(
    "values", ["", "rbac: {scope: namespaced}\n"], ids=["defaults", "namespaced"]
)
def test_the_defaults_and_the_namespaced_mode_are_accepted_too(
    cluster: Kubectl, values: str
) -> None:
    manifest = rendered(values=values)
    done = cluster("apply", "--server-side", "--dry-run=server", "-f", "-", stdin=manifest)
    assert done.returncode == 0, done.stderr
    assert f"deployment.apps/{RELEASE} serverside-applied (server dry run)" in done.stdout
    role = f"role.rbac.authorization.k8s.io/{RELEASE}-write serverside-applied (server dry run)"
    assert (role in done.stdout) == bool(values)


def test_the_dry_run_refuses_a_deployment_whose_selector_misses_its_pods(cluster: Kubectl) -> None:
    (deployment,) = [obj for key, obj in gitward_render().items() if key.kind == "Deployment"]
    deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] = "other"
    manifest = yaml.safe_dump(deployment)
    done = cluster("apply", "--server-side", "--dry-run=server", "-f", "-", stdin=manifest)
    assert done.returncode != 0
    assert "selector" in done.stderr
