"""``gitward promote --repo DIR`` with no server: real CLI processes, real git, the example in a
local bare repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support.example import DEV, EXAMPLE, PROD, STAGING
from support.processes import run_gitward
from support.repos import identity

IDENTITY = identity("rm")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, **IDENTITY},
    )  # fmt: skip
    return done.stdout.strip()


def gitward(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_gitward(args, IDENTITY, cwd=cwd)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of a bare origin holding the example, dev's backend at v1.2.0."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    work = tmp_path / "work"
    shutil.copytree(EXAMPLE, work)
    git(work, "init", "-q", "-b", "main")
    git(work, "remote", "add", "origin", str(origin))
    values = work / "gitops/dev/values.yaml"
    text = values.read_text()
    at = text.index("tag: latest", text.index("backend:"))
    values.write_text(text[:at] + "tag: v1.2.0" + text[at + len("tag: latest") :])
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "initial")
    git(work, "push", "-q", "origin", "main")
    return work


def test_offline_promotion_commits_to_an_automated_target_in_origin(clone: Path) -> None:
    done = gitward("promote", STAGING, "--from", DEV, "--repo", str(clone), "--force", cwd=clone)
    assert done.returncode == 0, done.stderr
    assert "backend.image.tag: latest -> v1.2.0" in done.stdout
    origin = clone.parent / "origin.git"
    staging = git(origin, "show", "main:gitops/staging/values.yaml")
    assert staging.count("tag: v1.2.0") == 1
    message = git(origin, "log", "-1", "--format=%B", "main")
    assert "Gitward-Promotion-Forced: true" in message
    assert f"Gitward-Promoted-From: {DEV}@{git(clone, 'rev-parse', 'HEAD')}" in message
    again = gitward("promote", STAGING, "--from", DEV, "--repo", str(clone), "--force", cwd=clone)
    assert again.returncode == 0, again.stderr
    assert "already has the values" in again.stdout


def test_offline_promotion_into_a_manual_target_pushes_a_branch(clone: Path) -> None:
    done = gitward(
        "promote", PROD, "--from", DEV, "--keys", "backend.image.tag", "--repo", str(clone),
        "--force", cwd=clone,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    origin = clone.parent / "origin.git"
    branch = git(origin, "branch", "--list", "--format=%(refname:short)", "gitward/*")
    assert branch.startswith(f"gitward/promote/{PROD}/")
    assert "tag: v1.0.0" in git(origin, "show", "main:gitops/prod/values.yaml")
    assert "tag: v1.2.0" in git(origin, "show", f"{branch}:gitops/prod/values.yaml")
    assert f"Open a pull request from {branch} into main." in done.stdout


def test_offline_promotion_needs_force_and_keeps_the_semver_rule(clone: Path) -> None:
    unforced = gitward("promote", STAGING, "--from", DEV, "--repo", str(clone), cwd=clone)
    assert unforced.returncode == 2
    assert "offline, gitward cannot see whether ai-chatbot-dev is Synced and Healthy" in (
        unforced.stderr
    )
    latest = gitward("promote", PROD, "--from", DEV, "--repo", str(clone), "--force", cwd=clone)
    assert latest.returncode == 1
    assert "frontend.image.tag=latest is not a semantic version tag" in latest.stderr
