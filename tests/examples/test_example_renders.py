"""The example chart rendered by the real helm binary, once per environment.

helm is the oracle here: what these tests see is what Argo CD's repo server would produce for
ai-chatbot-dev, -staging and -prod. They pin the per-environment differences the README promises,
so gitward's own renderer can later be compared against a chart known to render as intended.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ai-chatbot-infra"
CHART = EXAMPLE / "helm" / "ai-chatbot"
ENVIRONMENTS = ("dev", "staging", "prod")
COMPONENTS = ("backend", "frontend", "ml", "worker")

pytestmark = pytest.mark.helm_cli


BUILT: list[Path] = []
"""The example chart after ``helm dependency build`` (set once per module by ``_built``)."""


@pytest.fixture(autouse=True)
def _built(built_chart: Path) -> None:
    BUILT[:] = [built_chart]


def _helm(helm: Path, *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(helm), *args],
        cwd=cwd or BUILT[0],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, f"helm {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _render(helm: Path, env: str, *extra: str) -> list[dict[str, Any]]:
    values = str(EXAMPLE / "gitops" / env / "values.yaml")
    text = _helm(helm, "template", f"ai-chatbot-{env}", ".", "-n", env, "-f", values, *extra)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_chart_lints_cleanly_with_each_environments_values(helm: Path, env: str) -> None:
    values = str(EXAMPLE / "gitops" / env / "values.yaml")
    output = _helm(helm, "lint", ".", "--strict", "-n", env, "-f", values)
    assert "0 chart(s) failed" in output


def test_helm_dependency_build_takes_mongodb_from_the_bitnami_repository(
    built_chart: Path,
) -> None:
    """The build (in the fixture) refuses a Chart.lock out of sync with Chart.yaml."""
    built = sorted(path.name for path in (built_chart / "charts").iterdir())
    assert "mongodb-15.6.5.tgz" in built
    assert not (CHART / "charts" / "mongodb").exists()
    assert (built_chart / "Chart.lock").read_text() == (CHART / "Chart.lock").read_text()


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_rendered_object_is_named_and_labelled_for_its_release(helm: Path, env: str) -> None:
    release = f"ai-chatbot-{env}"
    for obj in _render(helm, env):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/instance"] == release
        assert labels["app.kubernetes.io/part-of"] == "ai-chatbot"
        assert labels["app.kubernetes.io/name"]
        assert obj["metadata"]["name"].startswith(release) or obj["kind"] == "ExternalSecret"
        assert obj["metadata"].get("namespace", env) == env


COMMON_OBJECTS = {
    "ConfigMap": 2,
    "Service": 5,
    "Deployment": 4,
    "StatefulSet": 1,
    "Ingress": 1,
    "Job": 1,
}


@pytest.mark.parametrize(("env", "autoscalers"), [("dev", 0), ("staging", 4), ("prod", 4)])
def test_each_environment_renders_the_expected_objects_and_no_secret(
    helm: Path, env: str, autoscalers: int
) -> None:
    rendered = Counter(obj["kind"] for obj in _render(helm, env))
    expected = Counter({**COMMON_OBJECTS, "HorizontalPodAutoscaler": autoscalers})
    assert +rendered == +expected
    assert rendered["Secret"] == 0


def test_dev_runs_one_replica_of_each_component_without_autoscaling(helm: Path) -> None:
    objects = _render(helm, "dev")
    assert not _of_kind(objects, "HorizontalPodAutoscaler")
    deployments = _of_kind(objects, "Deployment")
    assert {name: d["spec"]["replicas"] for name, d in deployments.items()} == {
        f"ai-chatbot-dev-{component}": 1 for component in COMPONENTS
    }


@pytest.mark.parametrize(("env", "bounds"), [("staging", (2, 4)), ("prod", (3, 10))])
def test_autoscaled_environments_leave_replicas_to_the_hpa(
    helm: Path, env: str, bounds: tuple[int, int]
) -> None:
    objects = _render(helm, env)
    autoscalers = _of_kind(objects, "HorizontalPodAutoscaler")
    for name, deployment in _of_kind(objects, "Deployment").items():
        assert "replicas" not in deployment["spec"]
        spec = autoscalers[name]["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == bounds
        assert spec["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }


@pytest.mark.parametrize(
    ("env", "tag"), [("dev", "latest"), ("staging", "latest"), ("prod", "v1.0.0")]
)
def test_every_workload_runs_its_ecr_image_at_the_environments_tag(
    helm: Path, env: str, tag: str
) -> None:
    objects = _render(helm, env)
    for component in COMPONENTS:
        deployment = _of_kind(objects, "Deployment")[f"ai-chatbot-{env}-{component}"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        repository = f"235494787667.dkr.ecr.ap-south-1.amazonaws.com/{component}"
        assert container["image"] == f"{repository}:{tag}"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert {"configMapRef": {"name": f"ai-chatbot-{env}-app-config"}} in container["envFrom"]


@pytest.mark.parametrize(("env", "size"), [("dev", "8Gi"), ("staging", "20Gi"), ("prod", "100Gi")])
def test_mongodb_gets_the_environments_volume_size(helm: Path, env: str, size: str) -> None:
    statefulset = _of_kind(_render(helm, env), "StatefulSet")[f"ai-chatbot-{env}-mongodb"]
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == size


def test_the_backend_loads_its_secret_by_reference(helm: Path) -> None:
    deployment = _of_kind(_render(helm, "prod"), "Deployment")["ai-chatbot-prod-backend"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert {"secretRef": {"name": "backend-secrets"}} in container["envFrom"]


def test_the_migration_job_is_a_pre_install_and_pre_upgrade_hook_on_the_backend_image(
    helm: Path,
) -> None:
    job = _of_kind(_render(helm, "prod"), "Job")["ai-chatbot-prod-db-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-upgrade,pre-install"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith("/backend:v1.0.0")


def test_disabling_mongodb_drops_the_statefulset_and_needs_an_external_database(
    helm: Path,
) -> None:
    external = ("--set", "mongodb.enabled=false,externalMongo.enabled=true,externalMongo.host=db")
    objects = _render(helm, "prod", *external)
    assert not _of_kind(objects, "StatefulSet")
    config = _of_kind(objects, "ConfigMap")["ai-chatbot-prod-mongodb-config"]
    assert config["data"]["MONGODB_HOST"] == "db"


def test_the_external_secret_holds_remote_key_names_and_no_values(helm: Path) -> None:
    objects = _render(helm, "prod", "--set", "backend.secrets.externalSecret.enabled=true")
    external = _of_kind(objects, "ExternalSecret")["backend-secrets"]
    assert external["spec"]["target"] == {"name": "backend-secrets"}
    assert external["spec"]["data"] == [
        {"secretKey": "DATABASE_PASSWORD", "remoteRef": {"key": "prod/backend/database-password"}}
    ]
    assert not _of_kind(objects, "Secret")
