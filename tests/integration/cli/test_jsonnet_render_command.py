"""``gitward render`` and ``gitward check`` on a git repository whose apps are Jsonnet directories.

The apps read their Jsonnet from a commit of a real git repository (``--revision main``), are
given ``tlas``, ``extVars`` (with Argo CD's build variables) and ``libs``, and one imports a file
outside the repository: that app fails naming its file, the others render.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from support import applications
from support.processes import run_gitward

REPO_URL = "https://git.example.com/team/jsonnet-apps.git"

GUESTBOOK = """
local k = import 'k.libsonnet';
function(replicas, tier='frontend') [
  k.deployment(std.extVar('app'), replicas, tier),
  { apiVersion: 'v1', kind: 'List', items: [k.service(std.extVar('app'))] },
]
"""

LIB = """
{
  deployment(name, replicas, tier):: {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: name, labels: { tier: tier } },
    spec: {
      replicas: replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  },
  service(name):: {
    apiVersion: 'v1', kind: 'Service', metadata: { name: name },
    spec: { selector: { app: name }, ports: [{ port: 80 }] },
  },
}
"""


def application(name: str, path: str, jsonnet: dict[str, Any] | None = None) -> dict[str, Any]:
    """An app of ``path`` into web, rendered with ``jsonnet`` options when given."""
    more = {} if jsonnet is None else {"directory": {"jsonnet": jsonnet}}
    return applications.application(
        name, repo_url=REPO_URL, path=path, source=more, namespace="web", app_namespace="argocd"
    )


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def jsonnet_repository(repo: Path) -> None:
    """A committed repository: a guestbook in Jsonnet, its library, and an app that escapes."""
    files = {
        "guestbook/guestbook.jsonnet": GUESTBOOK,
        "guestbook/params.libsonnet": "error 'libsonnet files are only imported'",
        "vendor/k.libsonnet": LIB,
        "escape/steal.jsonnet": "importstr '../../../../../../etc/hostname'",
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    guestbook = {
        "tlas": [{"name": "replicas", "value": "3", "code": True}],
        "extVars": [{"name": "app", "value": "$ARGOCD_APP_NAME-ui"}],
        "libs": ["vendor"],
    }
    apps = [application("guestbook", "guestbook", guestbook), application("escape", "escape")]
    (repo / "apps.yaml").write_text("---\n".join(json.dumps(doc) + "\n" for doc in apps))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "jsonnet apps")
    git(repo, "remote", "add", "origin", REPO_URL)
    (repo / "vendor" / "k.libsonnet").write_text("error 'only the commit is rendered'")


def gitward(repo: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_gitward([*args, "--cache-dir", str(cache)], cwd=repo)


def test_render_evaluates_the_committed_jsonnet_and_refuses_an_escaping_import(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    jsonnet_repository(repo)

    result = gitward(
        repo, tmp_path / "cache", "render", "apps.yaml", "-o", "json", "--revision", "main"
    )

    assert result.returncode == 1, result.stderr
    apps = {entry["name"]: entry for entry in json.loads(result.stdout)["apps"]}
    guestbook = apps["guestbook"]
    assert guestbook["errors"] == []
    shown = {(o["kind"], o["metadata"]["name"]): o for o in guestbook["objects"]}
    assert sorted(shown) == [("Deployment", "guestbook-ui"), ("Service", "guestbook-ui")]
    deployment = shown[("Deployment", "guestbook-ui")]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["labels"] == {"tier": "frontend"}
    assert deployment["metadata"]["namespace"] == "web"
    [error] = apps["escape"]["errors"]
    assert error.startswith("escape/steal.jsonnet: Application escape: the Jsonnet evaluation")
    assert "leaves the repository" in error
    assert apps["escape"]["objects"] == []


def test_check_renders_the_jsonnet_apps_and_names_the_one_it_cannot(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    jsonnet_repository(repo)

    result = gitward(repo, tmp_path / "cache", "check", "apps.yaml", "--revision", "main")

    assert result.returncode == 2  # an app could not be rendered
    assert "2 apps checked: 0 denied, 0 warnings, 1 not rendered" in result.stdout
    assert "ERROR  escape: escape/steal.jsonnet: Application escape:" in result.stderr
    assert "Traceback" not in result.stderr
