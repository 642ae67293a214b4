"""Commits' trees and parts are removed once no one used them lately; the recent ones, the ones
in use and those of the last few commits of a repository stay (``gitward.git.treeuses``)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from gitward.git import Repositories
from gitward.git.treeuses import TREE_RETENTION_S, TREES_KEPT

if TYPE_CHECKING:
    from conftest import Upstream


class Clock:
    """Seconds since the epoch, moved by hand (it starts now: trees' mtimes are real)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _trees(cache: Path) -> set[str]:
    return {p.name for p in (cache / "trees").iterdir() if p.name != "parts"}


async def _commits(
    upstream: Upstream, repos: Repositories, count: int, clock: Clock | None = None
) -> list[str]:
    """``count`` new commits, each checked out (a second after the one before)."""
    shas = []
    for number in range(count):
        if clock is not None:
            clock.advance(1)
        upstream.commit({"app/values.yaml": f"replicas: {number}\n"})
        shas.append((await repos.checkout_commit(upstream.url, "main")).sha or "")
    return shas


async def test_old_unused_trees_are_removed_and_the_last_few_stay(
    upstream: Upstream, tmp_path: Path
):
    clock = Clock()
    repos = Repositories(tmp_path / "cache", timeout=30, clock=clock)
    old = await _commits(upstream, repos, 6, clock)
    clock.advance(TREE_RETENTION_S + 1)

    collected = await repos.collect_trees()

    assert _trees(tmp_path / "cache") == set(old[-TREES_KEPT:])
    assert collected.removed == 6 - TREES_KEPT
    assert not [p for p in (tmp_path / "cache/trees").iterdir() if p.name.startswith(".")]


async def test_recent_trees_stay_and_a_tree_in_use_outlives_newer_unused_ones(
    upstream: Upstream, tmp_path: Path
):
    clock = Clock()
    repos = Repositories(tmp_path / "cache", timeout=30, clock=clock)
    (in_use,) = await _commits(upstream, repos, 1, clock)
    kept = await repos.checkout_commit(upstream.url, in_use)
    older = await _commits(upstream, repos, 4, clock)
    clock.advance(TREE_RETENTION_S - 60)
    recent = await _commits(upstream, repos, 4, clock)
    clock.advance(61)
    repos.used(kept)  # an app still compares against it (remembered by the controller)

    await repos.collect_trees()

    assert _trees(tmp_path / "cache") == {in_use, *recent}
    assert not any((tmp_path / "cache/trees" / sha).exists() for sha in older)


async def test_unused_parts_are_removed_with_their_commit_directory(
    upstream: Upstream, tmp_path: Path
):
    clock = Clock()
    repos = Repositories(tmp_path / "cache", timeout=30, clock=clock)
    parts = []
    for number in range(5):
        clock.advance(1)
        upstream.commit({"apps/a/one.yaml": f"a: {number}\n"})
        parts.append(await repos.checkout_commit(upstream.url, "main", only="apps/a"))
    assert not any(part.complete for part in parts)
    clock.advance(TREE_RETENTION_S + 1)

    await repos.collect_trees()

    left = {p.name for p in (tmp_path / "cache/trees/parts").iterdir()}
    assert left == {part.sha for part in parts[-TREES_KEPT:]}
    assert all(part.root.is_dir() for part in parts[-TREES_KEPT:])
    assert not any(part.root.exists() for part in parts[:-TREES_KEPT])


async def test_trees_of_a_previous_run_count_as_used_at_start(upstream: Upstream, tmp_path: Path):
    first = Repositories(tmp_path / "cache", timeout=30)
    old = await _commits(upstream, first, 5)
    for age, sha in enumerate(reversed(old)):  # written long ago, the last one last
        past = time.time() - 10 * TREE_RETENTION_S - age
        os.utime(tmp_path / "cache/trees" / sha, (past, past))
    clock = Clock()
    restarted = Repositories(tmp_path / "cache", timeout=30, clock=clock)

    await restarted.collect_trees()
    assert _trees(tmp_path / "cache") == set(old)
    clock.advance(TREE_RETENTION_S + 1)
    await restarted.collect_trees()

    assert _trees(tmp_path / "cache") == set(old[-TREES_KEPT:])


async def test_a_tree_removed_under_a_checkout_is_written_again_on_next_use(
    upstream: Upstream, tmp_path: Path
):
    clock = Clock()
    repos = Repositories(tmp_path / "cache", timeout=30, clock=clock)
    (first,) = await _commits(upstream, repos, 1, clock)
    await _commits(upstream, repos, TREES_KEPT, clock)
    clock.advance(TREE_RETENTION_S + 1)
    await repos.collect_trees()
    assert not (tmp_path / "cache/trees" / first).exists()

    again = await repos.checkout_commit(upstream.url, first)

    assert (again.root / "app/values.yaml").read_text() == "replicas: 0\n"


async def test_a_tree_another_process_removed_or_used_is_no_trouble(
    upstream: Upstream, tmp_path: Path
):
    clock = Clock()
    repos = Repositories(tmp_path / "cache", timeout=30, clock=clock)
    shas = await _commits(upstream, repos, TREES_KEPT + 2, clock)
    other = Repositories(tmp_path / "cache", timeout=30, clock=clock)  # a second replica
    clock.advance(TREE_RETENTION_S + 1)
    await other.checkout_commit(upstream.url, shas[0])  # used there, unknown here
    (tmp_path / "cache/trees" / shas[1]).rename(tmp_path / "elsewhere")  # gone meanwhile
    stray = tmp_path / "cache/trees/.removing-cut-short"
    (stray / "app").mkdir(parents=True)
    empty = tmp_path / "cache/trees/parts" / shas[0]
    empty.mkdir(parents=True)

    collected = await repos.collect_trees()

    assert _trees(tmp_path / "cache") == {shas[0], *shas[-(TREES_KEPT - 1) :]}  # last used
    assert not stray.exists() and not empty.exists()
    assert (tmp_path / "elsewhere").is_dir()  # nothing outside the trees directory is touched
    assert collected.kept == TREES_KEPT
