"""Which trees a collection removes (``gitward.git.treeuses``), on directories made by hand."""

from __future__ import annotations

import os
import time
from pathlib import Path

from gitward.git.treeuses import TreeUses, delete

SHA_A = "a" * 40
SHA_B = "b" * 40


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _tree(trees: Path, name: str) -> Path:
    path = trees / name
    (path / "app").mkdir(parents=True)
    (path / "app/values.yaml").write_text("a: 1\n")
    return path


def test_a_tree_is_removed_once_unused_for_the_retention_time_and_not_before(tmp_path: Path):
    clock = Clock()
    uses = TreeUses(tmp_path, clock=clock, retention_s=100, kept=0)
    tree = _tree(tmp_path, SHA_A)
    uses.used(tree / "app", "https://git.example.com/a.git")  # a directory inside counts
    clock.now += 99

    assert uses.take_unused() == ([], 1)
    clock.now += 1
    taken, kept = uses.take_unused()
    delete(taken)

    assert (not tree.exists(), kept, taken[0].name.startswith(".removing-")) == (True, 0, True)
    assert not taken[0].exists()


def test_the_last_used_commits_of_a_repository_stay_however_old(tmp_path: Path):
    clock = Clock()
    uses = TreeUses(tmp_path, clock=clock, retention_s=100, kept=1)
    older, newer = _tree(tmp_path, SHA_A), _tree(tmp_path, SHA_B)
    uses.used(older, "https://git.example.com/a.git")
    clock.now += 1
    uses.used(newer, "https://git.example.com/a.git")
    clock.now += 1000

    delete(uses.take_unused()[0])

    assert (older.exists(), newer.exists()) == (False, True)


def test_nothing_outside_the_trees_directory_is_used_or_removed(tmp_path: Path):
    clock = Clock()
    trees = tmp_path / "trees"
    outside = _tree(tmp_path, "outside")
    trees.mkdir()
    (trees / SHA_A).symlink_to(outside, target_is_directory=True)  # not a tree: never followed
    old = clock.now - 1000
    os.utime(outside, (old, old))
    uses = TreeUses(trees, clock=clock, retention_s=100, kept=0)
    uses.used(outside, "")
    clock.now += 1000

    assert uses.take_unused() == ([], 0)
    assert (outside / "app/values.yaml").is_file() and (trees / SHA_A).is_symlink()
    assert abs(outside.stat().st_mtime - old) < 1  # the use of a path outside was not recorded
