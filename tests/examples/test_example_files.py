"""The example repository's files, read as plain YAML (no Helm, no gitward renderer).

Guards what the strategy document prescribes and what gitward's demo and tests rely on: every
YAML file parses, the app-of-apps holds exactly the three environment Applications with their
waves and sync policies, the projects fence each environment in, and no secret value is committed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ai-chatbot-infra"
CHART = EXAMPLE / "helm" / "ai-chatbot"
ENVIRONMENTS = ("dev", "staging", "prod")
REPO_URL = "https://github.com/giridharan-official/ai-chatbot-infra.git"
IN_CLUSTER = "https://kubernetes.default.svc"
APP_OF_APPS = EXAMPLE / "gitops" / "app-of-apps"
ECR = "235494787667.dkr.ecr.ap-south-1.amazonaws.com"
COMPONENTS = ("backend", "frontend", "ml", "worker")


def _is_helm_template(path: Path) -> bool:
    return "templates" in path.relative_to(EXAMPLE).parts


def _yaml_files() -> list[Path]:
    files = [*EXAMPLE.rglob("*.yaml"), *EXAMPLE.rglob("*.yml"), *EXAMPLE.rglob("Chart.lock")]
    return sorted(path for path in files if not _is_helm_template(path))


def _documents(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def _by_name(path: Path) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in _documents(path)}


def _wave(obj: dict[str, Any]) -> str:
    return str(obj["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))


def _values(env: str) -> dict[str, Any]:
    (values,) = _documents(EXAMPLE / "gitops" / env / "values.yaml")
    return dict(values)


def test_the_example_has_yaml_files_to_check() -> None:
    assert len(_yaml_files()) >= 25


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(EXAMPLE)))
def test_every_yaml_file_in_the_example_parses(path: Path) -> None:
    assert _documents(path), f"{path} holds no YAML document"


def test_the_root_app_watches_the_app_of_apps_directory_with_prune_and_self_heal() -> None:
    (root,) = _documents(APP_OF_APPS / "argocd-root-app.yaml")
    assert root["kind"] == "Application"
    assert root["spec"]["project"] == "default"
    assert root["spec"]["source"] == {
        "repoURL": REPO_URL,
        "targetRevision": "main",
        "path": "gitops/app-of-apps",
    }
    assert root["spec"]["syncPolicy"] == {"automated": {"prune": True, "selfHeal": True}}


def test_the_env_apps_file_holds_exactly_the_three_environment_applications() -> None:
    apps = _by_name(APP_OF_APPS / "argocd-env-apps.yaml")
    assert sorted(apps) == ["ai-chatbot-dev", "ai-chatbot-prod", "ai-chatbot-staging"]
    assert {app["kind"] for app in apps.values()} == {"Application"}


@pytest.mark.parametrize(("env", "wave"), [("dev", "1"), ("staging", "2"), ("prod", "3")])
def test_each_environment_application_renders_the_chart_into_its_namespace_in_its_wave(
    env: str, wave: str
) -> None:
    app = _by_name(APP_OF_APPS / "argocd-env-apps.yaml")[f"ai-chatbot-{env}"]
    spec = app["spec"]
    assert _wave(app) == wave
    assert spec["project"] == env
    assert spec["destination"] == {"server": IN_CLUSTER, "namespace": env}
    assert spec["source"]["repoURL"] == REPO_URL
    assert spec["source"]["targetRevision"] == "main"
    assert spec["source"]["path"] == "helm/ai-chatbot"
    assert spec["source"]["helm"]["valueFiles"] == [f"../../gitops/{env}/values.yaml"]
    assert (CHART / spec["source"]["helm"]["valueFiles"][0]).resolve().is_file()


def test_dev_prunes_staging_keeps_and_prod_waits_for_a_manual_sync() -> None:
    apps = _by_name(APP_OF_APPS / "argocd-env-apps.yaml")
    policies = {name: app["spec"]["syncPolicy"] for name, app in apps.items()}
    assert policies["ai-chatbot-dev"] == {"automated": {"prune": True, "selfHeal": True}}
    assert policies["ai-chatbot-staging"] == {"automated": {"prune": False, "selfHeal": True}}
    assert policies["ai-chatbot-prod"] == {"manual": {}}


def test_each_project_admits_only_this_repository_and_its_own_namespace_before_the_apps() -> None:
    projects = _by_name(APP_OF_APPS / "argocd-projects.yaml")
    assert sorted(projects) == sorted(ENVIRONMENTS)
    for env, project in projects.items():
        assert project["kind"] == "AppProject"
        assert project["metadata"]["namespace"] == "argocd"
        assert _wave(project) == "0"
        assert project["spec"]["description"]
        assert project["spec"]["sourceRepos"] == [REPO_URL]
        assert project["spec"]["destinations"] == [{"server": IN_CLUSTER, "namespace": env}]
        assert "clusterResourceWhitelist" not in project["spec"]


def test_the_app_of_apps_directory_holds_only_argo_cd_objects_in_the_argocd_namespace() -> None:
    objects = [doc for path in APP_OF_APPS.glob("*.yaml") for doc in _documents(path)]
    kinds = sorted(obj["kind"] for obj in objects)
    assert kinds == ["AppProject"] * 3 + ["Application"] * 4
    assert {obj["apiVersion"] for obj in objects} == {"argoproj.io/v1alpha1"}
    assert {obj["metadata"]["namespace"] for obj in objects} == {"argocd"}


def test_bootstrap_creates_the_three_environment_namespaces() -> None:
    namespaces = _by_name(EXAMPLE / "gitops" / "bootstrap" / "namespace.yaml")
    assert sorted(namespaces) == sorted(ENVIRONMENTS)
    assert {ns["kind"] for ns in namespaces.values()} == {"Namespace"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_environment_gives_every_component_an_ecr_image_resources_and_autoscaling(
    env: str,
) -> None:
    values = _values(env)
    for component in COMPONENTS:
        settings = values[component]
        assert settings["image"]["repository"] == f"{ECR}/{component}"
        assert set(settings["resources"]) == {"requests", "limits"}
        assert set(settings["autoscaling"]) == {
            "enabled",
            "minReplicas",
            "maxReplicas",
            "targetCPUUtilizationPercentage",
        }
        assert isinstance(settings["replicaCount"], int)


@pytest.mark.parametrize(
    ("env", "replicas", "autoscaling", "tag", "storage"),
    [
        ("dev", 1, None, "latest", "8Gi"),
        ("staging", 2, (2, 4), "latest", "20Gi"),
        ("prod", 3, (3, 10), "v1.0.0", "100Gi"),
    ],
)
def test_environments_differ_in_replicas_autoscaling_tags_and_database_size(
    env: str, replicas: int, autoscaling: tuple[int, int] | None, tag: str, storage: str
) -> None:
    values = _values(env)
    for component in COMPONENTS:
        scaling = values[component]["autoscaling"]
        assert values[component]["replicaCount"] == replicas
        assert values[component]["image"]["tag"] == tag
        if autoscaling is None:
            assert scaling["enabled"] is False
        else:
            assert scaling["enabled"] is True
            assert (scaling["minReplicas"], scaling["maxReplicas"]) == autoscaling
    assert values["mongodb"] == values["mongodb"] | {"enabled": True}
    assert values["mongodb"]["persistence"]["size"] == storage
    assert values["global"]["environment"]
    assert values["ingress"]["hosts"][0]["host"].endswith("chatbot.example.com")


def test_dev_backend_requests_match_the_strategy_document() -> None:
    requests = _values("dev")["backend"]["resources"]["requests"]
    assert requests == {"cpu": "250m", "memory": "512Mi"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_backend_secret_is_a_reference_by_name_only(env: str) -> None:
    secrets = _values(env)["backend"]["secrets"]
    assert secrets["enabled"] is True
    assert secrets["name"] == "backend-secrets"
    assert set(secrets) <= {"enabled", "name", "externalSecret"}


def _all_text_files() -> list[Path]:
    return sorted(path for path in EXAMPLE.rglob("*") if path.is_file())


def test_no_kubernetes_secret_with_data_is_committed_anywhere() -> None:
    for path in _yaml_files():
        for doc in _documents(path):
            if isinstance(doc, dict) and doc.get("kind") == "Secret":
                assert not ({"data", "stringData"} & set(doc)), f"{path} commits a Secret's data"
    secret_kind = re.compile(r"^\s*kind:\s*[\"']?Secret[\"']?\s*$", re.MULTILINE)
    for path in _all_text_files():
        assert not secret_kind.search(path.read_text(encoding="utf-8")), f"{path}: kind Secret"


def test_no_file_carries_a_password_token_or_key_value() -> None:
    credential = re.compile(
        r"(password|passwd|token|api_?key|private_?key)\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{6,}",
        re.IGNORECASE,
    )
    for path in _all_text_files():
        match = credential.search(path.read_text(encoding="utf-8"))
        assert match is None, f"{path} looks like it holds a credential: {match and match[0]}"


def test_the_chart_lock_names_the_same_dependencies_as_the_chart() -> None:
    (chart,) = _documents(CHART / "Chart.yaml")
    (lock,) = _documents(CHART / "Chart.lock")

    def triples(deps: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return [(dep["name"], str(dep["version"]), dep["repository"]) for dep in deps]

    assert triples(lock["dependencies"]) == triples(chart["dependencies"])
    assert lock["digest"].startswith("sha256:")
    for name, version, repository in triples(chart["dependencies"]):
        if repository.startswith("file://"):
            where = CHART / repository.removeprefix("file://")
        else:  # what the demo serves for the repository (Bitnami's, for mongodb)
            assert repository == "https://charts.bitnami.com/bitnami"
            where = EXAMPLE / "charts-repo" / name
        (subchart,) = _documents(where / "Chart.yaml")
        assert (subchart["name"], str(subchart["version"])) == (name, version)


def test_mongodb_is_conditional_on_mongodb_enabled() -> None:
    (chart,) = _documents(CHART / "Chart.yaml")
    conditions = {dep["name"]: dep.get("condition") for dep in chart["dependencies"]}
    assert conditions == {
        "backend": None,
        "frontend": None,
        "ml": None,
        "worker": None,
        "mongodb": "mongodb.enabled",
    }


@pytest.mark.parametrize("component", COMPONENTS)
def test_ci_workflows_build_on_main_and_write_the_tag_back_with_gitward_values_set(
    component: str,
) -> None:
    path = EXAMPLE / ".github" / "workflows" / f"ci-{component}.yaml"
    (workflow,) = _documents(path)
    triggers = workflow[True]  # PyYAML reads the bare key `on` as the boolean True
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["push"]["paths"]
    steps = workflow["jobs"]["build"]["steps"]
    build = next(step for step in steps if step.get("id") == "image")
    assert build["env"]["ECR_REPOSITORY"] == component
    text = path.read_text(encoding="utf-8")
    assert "sed -i" not in text
    assert "gitward's write-back replaces sed; see docs" in text
    write_back = steps[-1]["run"].splitlines()[-1]
    assert write_back == (
        f'gitward values set gitops/dev/values.yaml "{component}.image.tag=$IMAGE_TAG" --push'
    )
    assert steps[-1]["env"]["IMAGE_TAG"] == "${{ github.sha }}"
    assert all("run" in step or "uses" in step for step in steps)


def test_the_rbac_policy_lets_developers_sync_dev_and_staging_and_release_managers_everything() -> (
    None
):
    (config_map,) = _documents(EXAMPLE / "argocd-rbac-cm.yaml")
    assert config_map["data"]["policy.default"] == "role:viewer"
    rules = {line.strip() for line in config_map["data"]["policy.csv"].splitlines()}
    assert "p, developers, applications, sync, dev/*, allow" in rules
    assert "p, developers, applications, sync, staging/*, allow" in rules
    assert "p, release-managers, applications, sync, */*, allow" in rules
    assert not any(rule.startswith("p, developers, applications, sync, prod") for rule in rules)


def test_pull_requests_get_a_gitward_diff_comment_rendered_at_base_and_head() -> None:
    path = EXAMPLE / ".github" / "workflows" / "gitops-diff.yaml"
    (workflow,) = _documents(path)
    assert set(workflow[True]["pull_request"]["paths"]) == {"gitops/**", "helm/**"}
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = workflow["jobs"]["diff"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    run = next(step for step in steps if step.get("id") == "diff")
    assert 'gitward diff gitops/app-of-apps/argocd-root-app.yaml --base "$BASE_SHA"' in run["run"]
    assert "-o markdown > gitward-diff.md" in run["run"]
    assert '--helm-repo "https://charts.bitnami.com/bitnami=charts-repo"' in run["run"]
    assert run["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert steps[-1]["uses"].startswith("actions/github-script@")
    assert "gitward-diff.md" in steps[-1]["with"]["script"]


def test_pull_requests_run_the_guardrails_the_prod_project_enables() -> None:
    (workflow,) = _documents(EXAMPLE / ".github" / "workflows" / "guardrails.yaml")
    assert workflow[True]["pull_request"]["branches"] == ["main"]
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[-1]["run"] == (
        "gitward check gitops/app-of-apps/argocd-root-app.yaml"
        " --helm-repo https://charts.bitnami.com/bitnami=charts-repo"
    )
    projects = {
        doc["metadata"]["name"]: doc
        for doc in _documents(EXAMPLE / "gitops" / "app-of-apps" / "argocd-projects.yaml")
    }
    enabled = projects["prod"]["metadata"]["annotations"]["gitward.io/policies"].split(",")
    assert set(enabled) == {
        "no-secret-data",
        "no-mutable-images",
        "semver-images",
        "manual-sync",
        "resource-requests",
    }
