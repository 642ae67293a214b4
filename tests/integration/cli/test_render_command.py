"""``gitward render`` driven as a user drives it, on the example repository and on broken copies."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gitward.cli.main import app
from support import applications
from support.example import CHARTS_URL, EXAMPLE, REPO_URL, ROOT_APP
from support.processes import run_gitward


def gitward(*args: str, cwd: Path | None = None, cache: Path) -> subprocess.CompletedProcess[str]:
    return run_gitward([*args, "--cache-dir", str(cache)], cwd=cwd)


def render_json(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        app,
        [
            "render",
            str(repo / ROOT_APP),
            "--repo",
            f"{REPO_URL}={repo}",
            "--helm-repo",
            f"{CHARTS_URL}={repo}/charts-repo",
            "-o",
            "json",
            "--cache-dir",
            str(tmp_path / "cache"),
            *extra,
        ],
    )
    return result.exit_code, json.loads(result.stdout)


def by_name(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in payload["apps"]}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_the_example_renders_every_app_in_wave_order_as_a_table(tmp_path: Path) -> None:
    result = gitward(
        "render",
        str(EXAMPLE / ROOT_APP),
        "--repo",
        f"{REPO_URL}={EXAMPLE}",
        "--helm-repo",
        f"{CHARTS_URL}={EXAMPLE}/charts-repo",
        cache=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "APP", "PROJECT", "DESTINATION", "WAVE", "SYNC", "POLICY", "OBJECTS", "STATUS",
    ]  # fmt: skip
    rows = [line.split("   ") for line in lines[1:5]]
    assert [row[0].strip() for row in rows] == [
        "ai-chatbot-root",
        "ai-chatbot-dev",
        "ai-chatbot-staging",
        "ai-chatbot-prod",
    ]
    assert "https://kubernetes.default.svc/prod      3      manual" in lines[4]
    assert lines[2].rstrip().endswith("ok")
    assert lines[5] == (
        "warning ai-chatbot-prod: gitops/app-of-apps/argocd-env-apps.yaml: Application "
        "ai-chatbot-prod: spec.syncPolicy.manual: `manual` is not an Argo CD field (Argo CD "
        "ignores it); gitward reads it as manual sync, which is what an Application without "
        "`automated` already gets"
    )


def test_json_output_carries_each_apps_policy_wave_and_objects(tmp_path: Path) -> None:
    code, payload = render_json(EXAMPLE, tmp_path)
    apps = by_name(payload)
    assert code == 0
    assert [entry["syncWave"] for entry in payload["apps"]] == [0, 1, 2, 3]
    assert apps["ai-chatbot-dev"]["syncPolicy"] == {
        "automated": True,
        "prune": True,
        "selfHeal": True,
        "syncOptions": [],
    }
    assert apps["ai-chatbot-staging"]["syncPolicy"]["prune"] is False
    assert apps["ai-chatbot-prod"]["syncPolicy"]["automated"] is False
    assert apps["ai-chatbot-prod"]["destination"]["namespace"] == "prod"
    assert apps["ai-chatbot-dev"]["parent"] == "ai-chatbot-root"
    kinds = {obj["kind"] for obj in apps["ai-chatbot-root"]["objects"]}
    assert kinds == {"Application", "AppProject"}
    for name in ("ai-chatbot-dev", "ai-chatbot-staging", "ai-chatbot-prod"):
        namespace = apps[name]["destination"]["namespace"]
        assert all(obj["metadata"]["namespace"] == namespace for obj in apps[name]["objects"])


def test_yaml_output_groups_objects_under_a_header_per_app(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            *(
                "render",
                str(EXAMPLE / ROOT_APP),
                "--repo",
                f"{REPO_URL}={EXAMPLE}",
                "--helm-repo",
                f"{CHARTS_URL}={EXAMPLE}/charts-repo",
            ),
            *("-o", "yaml", "--app", "ai-chatbot-staging", "--cache-dir", str(tmp_path)),
        ],
    )
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "# Application ai-chatbot-staging (project staging, destination "
        "https://kubernetes.default.svc/staging, 18 objects)\n"
    )
    assert result.stdout.count("kind: HorizontalPodAutoscaler") == 4


def test_one_broken_app_fails_the_command_but_every_other_app_is_still_rendered(
    example: Path, tmp_path: Path
) -> None:
    values = example / "gitops" / "staging" / "values.yaml"
    values.write_text(values.read_text() + "\nbroken: [unclosed\n")
    code, payload = render_json(example, tmp_path)
    apps = by_name(payload)
    assert code == 1
    assert apps["ai-chatbot-staging"]["objects"] == []
    assert "gitops/staging/values.yaml" in apps["ai-chatbot-staging"]["errors"][0]
    assert len(apps["ai-chatbot-dev"]["objects"]) == 14
    assert len(apps["ai-chatbot-prod"]["objects"]) == 18


def test_an_app_naming_an_unknown_project_fails_with_the_known_projects(
    example: Path, tmp_path: Path
) -> None:
    apps_file = example / "gitops" / "app-of-apps" / "argocd-env-apps.yaml"
    apps_file.write_text(apps_file.read_text().replace("project: prod", "project: production"))
    code, payload = render_json(example, tmp_path)
    assert code == 1
    assert by_name(payload)["ai-chatbot-prod"]["errors"] == [
        "gitops/app-of-apps/argocd-env-apps.yaml: Application ai-chatbot-prod: spec.project: "
        "project 'production' does not exist. Use one of the known projects (default, dev, "
        "prod, staging) or declare an AppProject named 'production'"
    ]


def test_a_value_file_outside_the_repository_is_refused(example: Path, tmp_path: Path) -> None:
    apps_file = example / "gitops" / "app-of-apps" / "argocd-env-apps.yaml"
    text = apps_file.read_text().replace("../../gitops/dev/values.yaml", "../../../secrets.yaml")
    apps_file.write_text(text)
    (example.parent / "secrets.yaml").write_text("password: hunter2\n")
    code, payload = render_json(example, tmp_path)
    error = by_name(payload)["ai-chatbot-dev"]["errors"][0]
    assert code == 1
    assert "spec.source.helm.valueFiles[0]" in error
    assert "out of the repository" in error
    assert "hunter2" not in json.dumps(payload)


def test_a_work_tree_serves_its_own_remote_and_revision_renders_a_commit(
    example: Path, tmp_path: Path
) -> None:
    git(example, "init", "-q", "-b", "main")
    git(example, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    git(example, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")
    git(example, "remote", "add", "origin", REPO_URL)
    values = example / "gitops" / "prod" / "values.yaml"
    values.write_text(values.read_text().replace("tag: v1.0.0", "tag: v1.0.1"))

    def prod_images(*extra: str) -> set[str]:
        charts = ("--helm-repo", f"{CHARTS_URL}={example}/charts-repo")
        result = gitward(
            "render", ROOT_APP, "-o", "json", *charts, *extra, cwd=example, cache=tmp_path
        )
        assert result.returncode == 0, result.stderr
        objects = by_name(json.loads(result.stdout))["ai-chatbot-prod"]["objects"]
        return {
            container["image"].rsplit(":", 1)[1]
            for obj in objects
            if obj["kind"] == "Deployment"
            for container in obj["spec"]["template"]["spec"]["containers"]
        }

    assert prod_images() == {"v1.0.1"}  # the uncommitted edit
    assert prod_images("--revision", "main") == {"v1.0.0"}  # the commit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml"], "error: missing.yaml: no such file"),
        ([ROOT_APP, "--repo", "no-equals-sign"], "error: --repo 'no-equals-sign' is not URL=DIR"),
        ([ROOT_APP, "--app", "nope"], "error: no application named 'nope' in the tree"),
        (["gitops/dev/nginx.yaml"], "error: gitops/dev/nginx.yaml: no Application found"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = gitward(
        "render",
        *args,
        "--repo",
        f"{REPO_URL}={EXAMPLE}",
        "--helm-repo",
        f"{CHARTS_URL}={EXAMPLE}/charts-repo",
        cwd=EXAMPLE,
        cache=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def _unrenderable_sources(repo: Path) -> Path:
    """A repository whose app names a source gitward cannot render, as one of Argo CD's example
    apps does (a config management plugin), beside plain manifests."""
    (repo / "guestbook").mkdir(parents=True)
    (repo / "guestbook" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: b\n"
    )
    sources = {
        "plugin-app": {"path": "guestbook", "plugin": {"name": "my-plugin"}},
        "plain": {"path": "guestbook"},
    }
    documents = [
        applications.application(name, repo_url=REPO_URL, source=source, app_namespace="argocd")
        for name, source in sources.items()
    ]
    apps = repo / "apps.yaml"
    apps.write_text("---\n".join(json.dumps(document) + "\n" for document in documents))
    return apps


def test_a_source_gitward_cannot_render_fails_the_command_naming_the_field(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    apps = _unrenderable_sources(repo)
    cache = str(tmp_path / "cache")
    result = CliRunner().invoke(
        app,
        [
            "render",
            str(apps),
            "--repo",
            f"{REPO_URL}={repo}",
            "-o",
            "json",
            "--cache-dir",
            cache,
        ],
    )

    assert result.exit_code == 1
    found = by_name(json.loads(result.stdout))
    assert found["plugin-app"]["objects"] == []
    assert len(found["plain"]["objects"]) == 1 and not found["plain"]["errors"]
    [plugin] = found["plugin-app"]["errors"]
    assert "Application plugin-app: spec.source.plugin: config management plugins" in plugin


def test_value_file_globs_expand_in_sorted_order_inside_the_repository(
    example: Path, tmp_path: Path
) -> None:
    overrides = example / "gitops" / "dev" / "overrides"
    overrides.mkdir()
    (overrides / "10-replicas.yaml").write_text("backend:\n  replicaCount: 5\n")
    (overrides / "20-replicas.yaml").write_text("backend:\n  replicaCount: 7\n")
    apps_file = example / "gitops" / "app-of-apps" / "argocd-env-apps.yaml"
    text = apps_file.read_text().replace(
        "        - ../../gitops/dev/values.yaml\n",
        "        - ../../gitops/dev/values.yaml\n        - ../../gitops/dev/overrides/*.yaml\n",
    )
    apps_file.write_text(text)

    code, payload = render_json(example, tmp_path)

    assert code == 0
    dev = by_name(payload)["ai-chatbot-dev"]
    backend = [
        o
        for o in dev["objects"]
        if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("backend")
    ]
    assert [o["spec"]["replicas"] for o in backend] == [7]


def test_an_unreachable_repository_says_to_serve_a_local_copy_and_promises_no_retry(
    example: Path, tmp_path: Path
) -> None:
    root = example / ROOT_APP
    root.write_text(root.read_text().replace(REPO_URL, "https://git.invalid/team/infra.git"))

    result = gitward("render", str(root), cwd=tmp_path, cache=tmp_path / "cache")

    assert result.returncode == 1
    assert "https://git.invalid/team/infra.git" in result.stdout
    assert result.stdout.rstrip().endswith("or render a local copy of it: --repo URL=DIR")
    assert "retries" not in result.stdout
