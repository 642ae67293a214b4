"""``gitward diff`` as a pull-request check runs it: the example in its own git clone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support.example import CHARTS_URL, EXAMPLE, REPO_URL, ROOT_APP
from support.processes import run_gitward
from support.repos import identity

IDENTITY = identity("dev")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True,
        env={**os.environ, **IDENTITY},
    )  # fmt: skip
    return done.stdout


def gitward(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_gitward(args, IDENTITY, cwd=repo, timeout=300)


def diff(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    mapping = f"{REPO_URL}={repo}"
    cache = str(repo.parent / "cache")
    charts = f"{CHARTS_URL}={repo}/charts-repo"  # the example's mongodb, as the demo serves it
    return gitward(
        repo,
        "diff",
        ROOT_APP,
        "--repo",
        mapping,
        "--helm-repo",
        charts,
        "--cache-dir",
        cache,
        *args,
    )


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """The example as its own repository, one commit on main."""
    repo = tmp_path / "ai-chatbot-infra"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "--quiet", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "base")
    return repo


def test_a_prod_tag_change_shows_only_prods_objects_and_exits_1(clone: Path) -> None:
    done = gitward(
        clone, "values", "set", "gitops/prod/values.yaml", "ml.image.tag=v1.1.0", "--commit"
    )
    assert done.returncode == 0, done.stderr
    result = diff(clone, "--base", "HEAD~1", "--head", "HEAD", "-o", "json")
    assert result.returncode == 1, result.stderr
    apps = {entry["name"]: entry for entry in json.loads(result.stdout)["apps"]}
    assert {name: entry["change"] for name, entry in apps.items()} == {
        "ai-chatbot-root": "unchanged",
        "ai-chatbot-dev": "unchanged",
        "ai-chatbot-staging": "unchanged",
        "ai-chatbot-prod": "changed",
    }
    changed = {(o["kind"], o["name"]) for o in apps["ai-chatbot-prod"]["objects"]}
    assert changed == {
        ("Deployment", "ai-chatbot-prod-ml"),
        ("HorizontalPodAutoscaler", "ai-chatbot-prod-ml"),
        ("Service", "ai-chatbot-prod-ml"),
    }
    deployment = next(o for o in apps["ai-chatbot-prod"]["objects"] if o["kind"] == "Deployment")
    assert (
        "+        image: 235494787667.dkr.ecr.ap-south-1.amazonaws.com/ml:v1.1.0\n"
        in (deployment["diff"])
    )


def test_markdown_against_the_working_tree_is_a_pull_request_comment(clone: Path) -> None:
    values = clone / "gitops" / "staging" / "values.yaml"
    values.write_text(values.read_text().replace("logLevel: info", "logLevel: debug"))
    result = diff(clone, "--base", "main", "-o", "markdown")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "### gitward diff: `main` → `working tree`"
    assert "| staging | ai-chatbot-staging | 2 changed | 0 | 0 | 2 |" in lines
    assert "| prod | ai-chatbot-prod | no change | 0 | 0 | 0 |" in lines
    assert "<details><summary><b>ai-chatbot-staging</b> (staging): 2 changed</summary>" in lines
    assert "-  LOG_LEVEL: info" in lines and "+  LOG_LEVEL: debug" in lines


def test_no_change_exits_0(clone: Path) -> None:
    result = diff(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ai-chatbot-root (argocd): no change",
        "ai-chatbot-dev (dev): no change",
        "ai-chatbot-staging (staging): no change",
        "ai-chatbot-prod (prod): no change",
    ]


def test_a_head_that_breaks_an_app_exits_2_and_still_shows_the_others(clone: Path) -> None:
    (clone / "gitops" / "dev" / "values.yaml").write_text("backend: [unclosed\n")
    result = diff(clone, "--base", "HEAD")
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert "ai-chatbot-dev (dev): failed to render" in lines
    assert "ai-chatbot-prod (prod): no change" in lines


def test_an_unknown_base_is_one_error_line_and_exit_2(clone: Path) -> None:
    result = diff(clone, "--base", "no-such-branch")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "no-such-branch" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_revision_git_would_read_as_an_option_is_refused(clone: Path) -> None:
    result = diff(clone, "--base", "--output=/tmp/gitward-pwned")
    assert result.returncode == 2
    assert result.stderr == (
        "error: '--output=/tmp/gitward-pwned' is not a revision. "
        "Name a branch, tag or commit (e.g. main)\n"
    )
    assert not Path("/tmp/gitward-pwned").exists()


def test_a_commit_sha_base_is_shortened_in_the_comment_title(clone: Path) -> None:
    sha = git(clone, "rev-parse", "HEAD").strip()
    result = diff(clone, "--base", sha, "-o", "markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"### gitward diff: `{sha[:12]}` → `working tree`\n\nNo change to the 4 rendered apps.\n"
    )
