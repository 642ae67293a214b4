"""The git side of a refresh: commits checked out once and remembered, renders at each commit."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from controller_builders import application

from gitward.controller import desired
from gitward.controller.desired import GitSide
from gitward.controller.revisions import RevisionCache
from gitward.git.repo import Repositories
from gitward.git.running import GitResult, run_git
from gitward.git.trees import PARTS_PER_COMMIT
from gitward.git.treeuses import TREE_RETENTION_S, TREES_KEPT
from gitward.model.application import parse_application
from gitward.render import Renderer

REPO = "https://github.com/example/infra.git"


class CountingGit:
    """The real git runner, counting what it is asked to run."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    async def __call__(
        self, args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]
    ) -> GitResult:
        self.calls.append(tuple(args))
        return await run_git(args, cwd=cwd, env=env)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return done.stdout.decode().strip()


def commit_config_map(repo: Path, value: str) -> str:
    directory = repo / "apps" / "web"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "settings.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  colour: {value}\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", value)
    return git(repo, "rev-parse", "HEAD")


def git_side(
    tmp_path: Path, clock: Callable[[], float] = time.time
) -> tuple[GitSide, CountingGit, Path]:
    repo = tmp_path / "infra"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    runner = CountingGit()
    repos = Repositories(tmp_path / "cache", local={REPO: repo}, runner=runner, clock=clock)
    return GitSide(repos, RevisionCache(repos.resolve), Renderer()), runner, repo


async def test_rendering_again_at_a_known_commit_runs_no_git(tmp_path: Path) -> None:
    side, runner, repo = git_side(tmp_path)
    sha = commit_config_map(repo, "blue")
    app = parse_application(application("web")).value
    first = await side.render(app, (sha,))
    calls = len(runner.calls)
    again = await side.render(app, (sha,))
    assert runner.calls[calls:] == []
    assert again.objects == first.objects
    assert again.objects[0]["data"] == {"colour": "blue"}


async def test_a_new_commit_is_checked_out_and_rendered(tmp_path: Path) -> None:
    side, runner, repo = git_side(tmp_path)
    app = parse_application(application("web")).value
    await side.render(app, (commit_config_map(repo, "blue"),))
    calls = len(runner.calls)
    changed = await side.render(app, (commit_config_map(repo, "green"),))
    assert runner.calls[calls:], "the new commit was not checked out"
    assert changed.objects[0]["data"] == {"colour": "green"}


async def test_a_checkout_removed_from_disk_is_checked_out_again(tmp_path: Path) -> None:
    side, runner, repo = git_side(tmp_path)
    sha = commit_config_map(repo, "blue")
    app = parse_application(application("web")).value
    await side.render(app, (sha,))
    shutil.rmtree(tmp_path / "cache" / "trees")
    calls = len(runner.calls)
    again = await side.render(app, (sha,))
    assert any("read-tree" in call for call in runner.calls[calls:])
    trees = tmp_path / "cache" / "trees"
    assert (trees / sha).is_dir() or (trees / "parts" / sha).is_dir()  # whole, or its directory
    assert again.objects[0]["data"] == {"colour": "blue"}


async def test_a_remembered_checkout_keeps_its_commit_from_tree_collection(tmp_path: Path) -> None:
    now = [time.time()]
    side, _, repo = git_side(tmp_path, clock=lambda: now[0])
    app = parse_application(application("web")).value
    current = commit_config_map(repo, "blue")
    await side.render(app, (current,))
    for number in range(TREES_KEPT):  # newer commits rendered by other apps, then unused
        now[0] += 1
        await side.render(app, (commit_config_map(repo, f"v{number}"),))
    now[0] += TREE_RETENTION_S
    await side.render(app, (current,))  # remembered: no git, yet a use of its tree

    await side.repos.collect_trees()

    trees = tmp_path / "cache" / "trees"
    assert (trees / current).is_dir() or (trees / "parts" / current).is_dir()
    assert side.repos.trees_on_disk() == TREES_KEPT  # the oldest newer one went


async def test_apps_of_one_commit_share_its_whole_tree_however_many_there_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the commit's parts, every app is given the one whole tree, remembered once: a cycle
    over more apps than the checkouts kept runs no git (one entry per app would evict each)."""
    monkeypatch.setattr(desired, "CHECKOUTS_KEPT", PARTS_PER_COMMIT + 2)
    side, runner, repo = git_side(tmp_path)
    names = [f"web-{number}" for number in range(3 * PARTS_PER_COMMIT)]
    for name in names:
        (repo / "apps" / name).mkdir(parents=True)
        (repo / "apps" / name / "cm.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
        )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "apps")
    sha = git(repo, "rev-parse", "HEAD")
    apps = [parse_application(application(name)).value for name in names]
    for app in apps:
        await side.render(app, (sha,))
    calls = len(runner.calls)

    again = [await side.render(app, (sha,)) for app in apps]

    assert runner.calls[calls:] == []
    assert [rendered.objects[0]["metadata"]["name"] for rendered in again] == names
