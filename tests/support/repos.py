"""Real git repositories for test worlds, on branch ``main`` with a committer of their own, so
that every commit a test makes is a real new revision gitward resolves as it would a remote's."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path


def identity(name: str, email: str = "") -> dict[str, str]:
    """The environment that makes git author and commit as ``name`` (``name@example.com``
    unless ``email`` says otherwise), for clones and processes that have no committer of their
    own."""
    address = email or f"{name}@example.com"
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": address,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": address,
    }


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """``git -C repo ARGS``'s output, stripped; a failing command raises."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    )
    return done.stdout.strip()


def init_repository(repo: Path) -> None:
    """``repo`` made a repository on branch main, committing as ``CI <ci@example.com>``."""
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")


def write_files(repo: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` (path in the work tree -> text), making their folders."""
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit_all(repo: Path, message: str) -> str:
    """Commit every change of the work tree (new and deleted files too); the new commit."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def new_repository(repo: Path, files: Mapping[str, str]) -> str:
    """A fresh repository on branch main holding ``files`` (path -> text); its first commit."""
    repo.mkdir(parents=True)
    init_repository(repo)
    write_files(repo, files)
    return commit_all(repo, "initial")
