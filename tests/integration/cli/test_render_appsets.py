"""``gitward render`` on trees that hold ApplicationSets: the example's ApplicationSet root
renders to the same Applications as its app-of-apps root, Argo CD's documentation examples
render unchanged from a real git repository, and a broken set is reported where it is."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gitward.cli.main import app
from support.example import CHARTS_URL, EXAMPLE, REPO_URL

APPS_ROOT = "gitops/app-of-apps/argocd-root-app.yaml"
SET_ROOT = "gitops/app-of-apps/appset/argocd-root-app.yaml"
ARGO_CD = "https://github.com/argoproj/argo-cd.git"


def render(root_file: Path, tmp_path: Path, *repos: str) -> tuple[int, dict[str, Any]]:
    mappings = [arg for repo in repos for arg in ("--repo", repo)]
    charts = ["--helm-repo", f"{CHARTS_URL}={EXAMPLE}/charts-repo"]  # as the demo serves it
    result = CliRunner().invoke(
        app,
        [
            *("render", str(root_file), *mappings, *charts),
            *("-o", "json", "--cache-dir", str(tmp_path / "c")),
        ],
    )
    return result.exit_code, json.loads(result.stdout)


def by_name(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in payload["apps"]}


def declared_apps(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Applications a parent declares, without the set's owner reference."""
    found = {}
    for obj in entry["objects"]:
        if obj["kind"] == "Application":
            metadata = {k: v for k, v in obj["metadata"].items() if k != "ownerReferences"}
            found[metadata["name"]] = {**obj, "metadata": metadata}
    return found


def test_the_appset_root_renders_the_same_applications_as_the_app_of_apps_root(
    tmp_path: Path,
) -> None:
    repo = f"{REPO_URL}={EXAMPLE}"
    code, with_apps = render(EXAMPLE / APPS_ROOT, tmp_path, repo)
    assert code == 0
    code, with_set = render(EXAMPLE / SET_ROOT, tmp_path, repo)
    assert code == 0
    apps, sets = by_name(with_apps), by_name(with_set)
    environments = ["ai-chatbot-dev", "ai-chatbot-staging", "ai-chatbot-prod"]
    expected = declared_apps(apps["ai-chatbot-root"])
    generated = declared_apps(sets["ai-chatbot-root"])
    assert sorted(generated) == sorted(environments)
    for name in environments:
        assert generated[name] == expected[name], name
        assert sets[name]["objects"] == apps[name]["objects"], name
        assert sets[name]["syncWave"] == apps[name]["syncWave"]
    owner = sets["ai-chatbot-root"]["objects"]
    owners = [o["metadata"].get("ownerReferences") for o in owner if o["kind"] == "Application"]
    assert all(refs and refs[0]["name"] == "ai-chatbot-envs" for refs in owners)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


LIST_AND_GIT = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: list-git
spec:
  goTemplate: true
  generators:
  - matrix:
      generators:
      - git:
          repoURL: https://github.com/argoproj/argo-cd.git
          revision: HEAD
          directories:
          - path: applicationset/examples/matrix/cluster-addons/*
      - list:
          elements:
          - cluster: engineering-dev
            url: https://1.2.3.4
            values:
              project: dev
          - cluster: engineering-prod
            url: https://2.4.6.8
            values:
              project: prod
  template:
    metadata:
      name: '{{.path.basename}}-{{.cluster}}'
    spec:
      project: '{{.values.project}}'
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: '{{.path.path}}'
      destination:
        server: '{{.url}}'
        namespace: '{{.path.basename}}'
"""
EXCLUDES_DIR = "applicationset/examples/git-generator-directory/excludes/cluster-addons"
EXCLUDES = f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: cluster-addons
  namespace: argocd
spec:
  generators:
  - git:
      repoURL: https://github.com/argoproj/argo-cd.git
      revision: HEAD
      directories:
      - path: {EXCLUDES_DIR}/*
      - exclude: true
        path: {EXCLUDES_DIR}/exclude-helm-guestbook
  template:
    metadata:
      name: '{{{{path.basename}}}}'
    spec:
      project: "my-project"
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: '{{{{path}}}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{{{path.basename}}}}'
      syncPolicy:
        syncOptions:
        - CreateNamespace=true
"""
GIT_FILES = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
  namespace: argocd
spec:
  generators:
  - git:
      repoURL: https://github.com/argoproj/argo-cd.git
      revision: HEAD
      files:
      - path: "applicationset/examples/git-generator-files-discovery/cluster-config/**/config.json"
  template:
    metadata:
      name: '{{cluster.name}}-guestbook'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: "applicationset/examples/git-generator-files-discovery/apps/guestbook"
      destination:
        server: '{{cluster.address}}'
        namespace: guestbook
"""
PROJECTS = """apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: my-project, namespace: argocd}
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: dev, namespace: argocd}
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: prod, namespace: argocd}
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
"""
ROOT_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: examples, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/argoproj/argo-cd.git, targetRevision: HEAD, path: sets}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""
CONFIG = (
    '{{"aws_account": "123456", "cluster": {{"name": "engineering-{env}", "address": "{url}"}}}}'
)


@pytest.fixture
def argo_cd(tmp_path: Path) -> Path:
    """A git repository laid out as Argo CD's applicationset/examples, with the sets above."""
    repo = tmp_path / "argo-cd"
    examples = repo / "applicationset" / "examples"
    files = {
        "sets/list-and-git.yaml": LIST_AND_GIT,
        "sets/excludes.yaml": EXCLUDES,
        "sets/git-files.yaml": GIT_FILES,
        "sets/projects.yaml": PROJECTS,
        "root.yaml": ROOT_APP,
    }
    for addon in ("argo-workflows", "prometheus-operator"):
        files[f"applicationset/examples/matrix/cluster-addons/{addon}/cm.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {addon}}}\n"
        )
    for addon in ("prometheus-operator", "exclude-helm-guestbook"):
        files[f"{EXCLUDES_DIR}/{addon}/cm.yaml"] = (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
        )
    discovery = "applicationset/examples/git-generator-files-discovery"
    for env, url in (("dev", "https://1.2.3.4"), ("prod", "https://2.4.6.8")):
        files[f"{discovery}/cluster-config/engineering/{env}/config.json"] = CONFIG.format(
            env=env, url=url
        )
    files[f"{discovery}/apps/guestbook/svc.yaml"] = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: guestbook-ui}\n"
        "spec: {ports: [{port: 80}]}\n"
    )
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    assert examples.is_dir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.email=ci@example.com", "-c", "user.name=CI", "add", "-A")
    git(repo, "-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-qm", "x")
    return repo


def test_argo_cds_matrix_excludes_and_git_files_examples_render_unchanged(
    argo_cd: Path, tmp_path: Path
) -> None:
    code, payload = render(argo_cd / "root.yaml", tmp_path, f"{ARGO_CD}={argo_cd}")
    apps = by_name(payload)
    assert code == 0, [entry["errors"] for entry in payload["apps"]]
    assert set(apps) == {
        "examples",
        "argo-workflows-engineering-dev",
        "argo-workflows-engineering-prod",
        "prometheus-operator-engineering-dev",
        "prometheus-operator-engineering-prod",
        "prometheus-operator",
        "engineering-dev-guestbook",
        "engineering-prod-guestbook",
    }
    prod = apps["argo-workflows-engineering-prod"]
    assert prod["project"] == "prod"
    assert prod["destination"]["server"] == "https://2.4.6.8"
    assert prod["objects"][0]["metadata"]["name"] == "argo-workflows"
    assert apps["engineering-dev-guestbook"]["destination"]["server"] == "https://1.2.3.4"


def test_a_broken_set_is_reported_with_its_file_object_and_field(
    argo_cd: Path, tmp_path: Path
) -> None:
    broken = argo_cd / "sets" / "git-files.yaml"
    broken.write_text(GIT_FILES.replace("files:", "filez:"), encoding="utf-8")
    git(argo_cd, "-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-qam", "b")
    code, payload = render(argo_cd / "root.yaml", tmp_path, f"{ARGO_CD}={argo_cd}")
    root = by_name(payload)["examples"]
    assert code == 1
    assert root["errors"] == [
        "sets/git-files.yaml: ApplicationSet guestbook: spec.generators[0].git: a git "
        "generator needs either `directories` or `files`. Add directories: [{path: apps/*}] "
        "or files: [{path: config/*.json}]"
    ]
    assert "engineering-prod-guestbook" not in by_name(payload)
    assert "argo-workflows-engineering-dev" in by_name(payload)


def test_the_example_tree_still_renders_when_copied_elsewhere(tmp_path: Path) -> None:
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    code, payload = render(copy / SET_ROOT, tmp_path, f"{REPO_URL}={copy}")
    assert code == 0
    assert [entry["name"] for entry in payload["apps"]] == [
        "ai-chatbot-root",
        "ai-chatbot-dev",
        "ai-chatbot-staging",
        "ai-chatbot-prod",
    ]


LIST_EXAMPLE = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - cluster: engineering-dev
        url: https://kubernetes.default.svc
      - cluster: engineering-prod
        url: https://kubernetes.default.svc
  template:
    metadata:
      name: '{{.cluster}}-guestbook'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: applicationset/examples/list-generator/guestbook/{{.cluster}}
      destination:
        server: '{{.url}}'
        namespace: guestbook
"""


def test_a_file_holding_only_an_applicationset_renders_as_kubectl_apply_would_create_it(
    argo_cd: Path, tmp_path: Path
) -> None:
    for cluster in ("engineering-dev", "engineering-prod"):
        folder = argo_cd / "applicationset/examples/list-generator/guestbook" / cluster
        folder.mkdir(parents=True)
        (folder / "ui.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ui-{cluster}}}\n"
        )
    (argo_cd / "list-example.yaml").write_text(LIST_EXAMPLE)
    code, payload = render(argo_cd / "list-example.yaml", tmp_path, f"{ARGO_CD}={argo_cd}")
    apps = by_name(payload)
    assert code == 0, payload
    assert sorted(apps) == ["engineering-dev-guestbook", "engineering-prod-guestbook"]
    assert apps["engineering-prod-guestbook"]["parent"] is None
    assert apps["engineering-prod-guestbook"]["objects"][0]["metadata"]["name"] == (
        "ui-engineering-prod"
    )
