"""The example repository rendered for dev, staging and prod exactly as its Applications say.

Each Application (ai-chatbot-dev/-staging/-prod) renders helm/ai-chatbot with release name = app
name, its own namespace and its gitops/<env>/values.yaml; these tests pin the differences the
strategy document promises between the environments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitward.model.application import Application, parse_application
from gitward.render import Rendered, Renderer
from gitward.render.request import FetchedChart

COMPONENTS = ("backend", "frontend", "ml", "worker")
ENVIRONMENTS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def rendered(
    example: Path,
    env_apps: dict[str, Application],
    example_dependencies: tuple[FetchedChart, ...],
) -> dict[str, Rendered]:
    renderer = Renderer()
    return {
        env: renderer.render(
            app, app.source, example, sha=None, file=app.file, dependencies=example_dependencies
        )
        for env, app in env_apps.items()
    }


def objects_of(rendered: Rendered, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in rendered.objects if o["kind"] == kind}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_environment_renders_with_its_app_name_namespace_and_no_warnings(
    rendered: dict[str, Rendered], env: str
) -> None:
    result = rendered[env]
    assert result.generator == "helm"
    assert result.warnings == []
    assert {o["metadata"]["namespace"] for o in result.objects} == {env}
    assert all(o["metadata"]["name"].startswith(f"ai-chatbot-{env}-") for o in result.objects)
    instances = {
        o["metadata"].get("labels", {}).get("app.kubernetes.io/instance") for o in result.objects
    }
    assert instances == {f"ai-chatbot-{env}"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_component_has_a_deployment_and_a_service(
    rendered: dict[str, Rendered], env: str
) -> None:
    expected = {f"ai-chatbot-{env}-{component}" for component in COMPONENTS}
    assert set(objects_of(rendered[env], "Deployment")) == expected
    assert expected <= set(objects_of(rendered[env], "Service"))


def test_dev_runs_one_replica_per_component_and_no_autoscaler(
    rendered: dict[str, Rendered],
) -> None:
    deployments = objects_of(rendered["dev"], "Deployment")
    assert {d["spec"]["replicas"] for d in deployments.values()} == {1}
    assert objects_of(rendered["dev"], "HorizontalPodAutoscaler") == {}


@pytest.mark.parametrize(("env", "low", "high"), [("staging", 2, 4), ("prod", 3, 10)])
def test_staging_and_prod_autoscale_every_component_within_their_bounds(
    rendered: dict[str, Rendered], env: str, low: int, high: int
) -> None:
    autoscalers = objects_of(rendered[env], "HorizontalPodAutoscaler")
    assert set(autoscalers) == {f"ai-chatbot-{env}-{component}" for component in COMPONENTS}
    for hpa in autoscalers.values():
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (low, high)
        assert hpa["spec"]["scaleTargetRef"]["name"] == hpa["metadata"]["name"]
    assert all(
        "replicas" not in d["spec"] for d in objects_of(rendered[env], "Deployment").values()
    )


def test_prod_pins_release_image_tags_while_dev_and_staging_follow_latest(
    rendered: dict[str, Rendered],
) -> None:
    def tags(env: str) -> set[str]:
        return {
            container["image"].rsplit(":", 1)[1]
            for deployment in objects_of(rendered[env], "Deployment").values()
            for container in deployment["spec"]["template"]["spec"]["containers"]
        }

    assert tags("prod") == {"v1.0.0"}
    assert tags("dev") == {"latest"}
    assert tags("staging") == {"latest"}


@pytest.mark.parametrize(("env", "size"), [("dev", "8Gi"), ("staging", "20Gi"), ("prod", "100Gi")])
def test_each_environment_has_its_own_mongodb_with_its_volume_size(
    rendered: dict[str, Rendered], env: str, size: str
) -> None:
    statefulset = objects_of(rendered[env], "StatefulSet")[f"ai-chatbot-{env}-mongodb"]
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == size
    assert f"ai-chatbot-{env}-mongodb" in objects_of(rendered[env], "Service")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_migration_job_is_kept_as_a_helm_hook(rendered: dict[str, Rendered], env: str) -> None:
    job = objects_of(rendered[env], "Job")[f"ai-chatbot-{env}-db-migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-upgrade,pre-install"
    assert rendered[env].origins[rendered[env].objects.index(job)] == (
        "helm/ai-chatbot/templates/db-migrate-job.yaml"
    )


def test_the_ingress_routes_each_environments_host(rendered: dict[str, Rendered]) -> None:
    hosts = {
        env: [
            rule["host"]
            for ingress in objects_of(rendered[env], "Ingress").values()
            for rule in ingress["spec"]["rules"]
        ]
        for env in ENVIRONMENTS
    }
    assert hosts == {
        "dev": ["dev.chatbot.example.com"],
        "staging": ["staging.chatbot.example.com"],
        "prod": ["chatbot.example.com"],
    }


def test_the_root_app_renders_the_app_of_apps_directory(
    example: Path, env_apps: dict[str, Application]
) -> None:
    root_file = "gitops/app-of-apps/argocd-root-app.yaml"
    root = parse_application(
        yaml.safe_load((example / root_file).read_text()), file=root_file
    ).value
    result = Renderer().render(root, root.source, example, sha=None)
    assert result.generator == "directory"
    apps = {o["metadata"]["name"] for o in result.objects if o["kind"] == "Application"}
    assert {app.name for app in env_apps.values()} <= apps
