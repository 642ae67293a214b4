"""Real git repositories in temporary directories, to resolve and check out from."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from gitward.git import Repositories

_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    """Run git for test setup and return its stdout."""
    env = {**os.environ, **_IDENTITY, "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


class Upstream:
    """A repository that plays the remote: commit, branch, tag, rewrite history."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        git(path, "init", "--quiet", "-b", "main")

    @property
    def url(self) -> str:
        return str(self.path)

    def commit(self, files: Mapping[str, str], message: str = "change") -> str:
        """Write ``files`` (path -> text), commit them, return the new commit's SHA."""
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD")

    def switch(self, branch: str, *, create: bool = False) -> None:
        git(self.path, "switch", "--quiet", *(["-c"] if create else []), branch)

    def tag(self, name: str, *, annotated: bool = False, force: bool = False) -> None:
        options = [*(["-a", "-m", name] if annotated else []), *(["-f"] if force else [])]
        git(self.path, "tag", *options, name)

    def rewrite_last_commit(self, files: Mapping[str, str]) -> str:
        """Drop the branch's last commit and commit something else (a force-push)."""
        git(self.path, "reset", "--quiet", "--hard", "HEAD~1")
        return self.commit(files, "rewritten")


@pytest.fixture
def upstream(tmp_path: Path) -> Upstream:
    """A remote with one commit on main holding ``app/values.yaml``."""
    repo = Upstream(tmp_path / "upstream")
    repo.commit({"app/values.yaml": "replicas: 1\n"}, "first")
    return repo


@pytest.fixture
def repositories(tmp_path: Path) -> Repositories:
    return Repositories(tmp_path / "cache", timeout=30)
