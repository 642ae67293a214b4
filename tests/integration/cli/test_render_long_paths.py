"""``gitward render`` never shows a traceback for a path too long for the file system (issue
11.4): a 5,000-character value file or ``spec.source.path`` fails its app with a located error,
and every other app still renders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support.example import CHARTS_URL, EXAMPLE, REPO_URL, ROOT_APP
from support.processes import run_gitward

ENV_APPS = "gitops/app-of-apps/argocd-env-apps.yaml"


@pytest.mark.parametrize(
    ("written", "replacement", "field"),
    [
        ("../../gitops/dev/values.yaml", "v" * 5000 + ".yaml", "spec.source.helm.valueFiles[0]"),
        ("path: helm/ai-chatbot", "path: " + "p" * 5000, "spec.source.path"),
    ],
)
def test_a_path_too_long_fails_its_app_with_a_located_error(
    tmp_path: Path, written: str, replacement: str, field: str
) -> None:
    repo = tmp_path / "infra"
    shutil.copytree(EXAMPLE, repo)
    apps = repo / ENV_APPS
    apps.write_text(apps.read_text().replace(written, replacement, 1))

    result = run_gitward(
        ["render", str(repo / ROOT_APP),
         "--repo", f"{REPO_URL}={repo}", "--helm-repo", f"{CHARTS_URL}={repo}/charts-repo",
         "-o", "json", "--cache-dir", str(tmp_path / "cache")]
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    apps_shown = {app["name"]: app for app in json.loads(result.stdout)["apps"]}
    [error] = apps_shown["ai-chatbot-dev"]["errors"]
    assert f"Application ai-chatbot-dev: {field}" in error
    assert "too long for a file system" in error
    assert len(error) < 500
    assert apps_shown["ai-chatbot-staging"]["errors"] == []


@pytest.mark.parametrize("where", ["root", "repo"])
def test_a_command_line_path_too_long_is_a_one_line_usage_error(tmp_path: Path, where: str) -> None:
    long = str(tmp_path / ("x" * 5000))
    root_file = long if where == "root" else str(EXAMPLE / ROOT_APP)
    args = ["--repo", f"{REPO_URL}={long}"] if where == "repo" else []

    result = run_gitward(["render", root_file, *args, "--cache-dir", str(tmp_path / "cache")])

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert "File name too long" in result.stderr
    assert len(result.stderr) < 400
