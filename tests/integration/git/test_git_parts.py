"""Parts of a commit: one directory checked out alone for an app that reads nothing else."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import failing_read_tree

from gitward.errors import GitUnavailableError
from gitward.git import Repositories
from gitward.git.trees import PARTS_PER_COMMIT

if TYPE_CHECKING:
    from conftest import GitCommand, Upstream


def _files(directory: Path) -> dict[str, str]:
    return {
        path.relative_to(directory).as_posix(): path.read_text()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


async def test_a_part_holds_the_directory_and_nothing_else(
    upstream: Upstream, repositories: Repositories
):
    upstream.commit({"apps/a/one.yaml": "a: 1\n", "apps/a/deep/two.yaml": "a: 2\n"})
    upstream.commit({"apps/b/one.yaml": "b: 1\n"})

    checkout = await repositories.checkout_commit(upstream.url, "main", only="apps/a")

    assert not checkout.complete
    assert checkout.sha == upstream.head()
    assert _files(checkout.root) == {"apps/a/one.yaml": "a: 1\n", "apps/a/deep/two.yaml": "a: 2\n"}


async def test_a_new_commit_gets_a_part_with_exactly_its_files_and_modes(
    upstream: Upstream, repositories: Repositories, git: GitCommand
):
    upstream.commit({"apps/a/keep.yaml": "k: 1\n", "apps/a/gone.yaml": "g: 1\n"})
    (upstream.path / "apps/a/run.sh").write_text("#!/bin/sh\n")
    (upstream.path / "apps/a/run.sh").chmod(0o755)
    upstream.commit({})
    before = await repositories.checkout_commit(upstream.url, "main", only="apps/a")
    git(upstream.path, "rm", "--quiet", "apps/a/gone.yaml")
    (upstream.path / "apps/a/run.sh").chmod(0o644)
    after_sha = upstream.commit({"apps/a/keep.yaml": "k: 2\n", "apps/a/new.yaml": "n: 1\n"})

    after = await repositories.checkout_commit(upstream.url, "main", only="apps/a")

    assert after.sha == after_sha and after.root != before.root
    assert _files(after.root) == {
        "apps/a/keep.yaml": "k: 2\n",
        "apps/a/new.yaml": "n: 1\n",
        "apps/a/run.sh": "#!/bin/sh\n",
    }
    assert git(upstream.path, "ls-tree", "HEAD", "apps/a/run.sh").startswith("100644")
    assert (after.root / "apps/a/run.sh").stat().st_mode & 0o111 == 0
    assert (before.root / "apps/a/run.sh").stat().st_mode & 0o111 == 0o111
    assert (before.root / "apps/a/gone.yaml").read_text() == "g: 1\n"  # the old part is intact


async def test_a_directory_holding_a_symlink_gets_the_whole_commit(
    upstream: Upstream, repositories: Repositories
):
    upstream.commit({"shared/base.yaml": "s: 1\n"})
    upstream.symlink("apps/a/base.yaml", "../../shared/base.yaml")
    upstream.commit({}, "link")

    checkout = await repositories.checkout_commit(upstream.url, "main", only="apps/a")

    assert checkout.complete
    assert (checkout.root / "apps/a/base.yaml").is_symlink()
    assert (checkout.root / "apps/a/base.yaml").read_text() == "s: 1\n"


@pytest.mark.parametrize("only", ["missing", "app/values.yaml", ".", "..", "app/../app", ""])
async def test_no_part_for_what_is_no_plain_directory_of_the_commit(
    upstream: Upstream, repositories: Repositories, only: str
):
    checkout = await repositories.checkout_commit(upstream.url, "main", only=only)

    assert checkout.complete
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 1\n"


async def test_after_enough_parts_of_a_commit_its_whole_tree_is_written_and_shared(
    upstream: Upstream, repositories: Repositories
):
    count = PARTS_PER_COMMIT + 2
    upstream.commit({f"apps/{n}/o.yaml": f"n: {n}\n" for n in range(count)})

    checkouts = [
        await repositories.checkout_commit(upstream.url, "main", only=f"apps/{n}")
        for n in range(count)
    ]

    assert [c.complete for c in checkouts] == [False] * PARTS_PER_COMMIT + [True, True]
    assert checkouts[-1].root == checkouts[-2].root
    again = await repositories.checkout_commit(upstream.url, "main", only="apps/0")
    assert again.root == checkouts[0].root  # a part once written is served as it is
    other = await repositories.checkout_commit(upstream.url, "main", only="app")
    assert other.complete  # the whole tree exists: no new part


async def test_concurrent_parts_of_one_directory_are_one_directory(
    upstream: Upstream, repositories: Repositories
):
    checkouts = await asyncio.gather(
        *(repositories.checkout_commit(upstream.url, "main", only="app") for _ in range(6))
    )

    assert len({c.root for c in checkouts}) == 1
    assert not checkouts[0].complete
    parent = checkouts[0].root.parent
    assert [entry.name for entry in parent.iterdir()] == [checkouts[0].root.name]


async def test_a_failed_part_falls_back_to_the_whole_commit_and_its_error(
    upstream: Upstream, tmp_path: Path
):
    cache = tmp_path / "cache"
    failing = Repositories(cache, runner=failing_read_tree)
    with pytest.raises(GitUnavailableError):
        await failing.checkout_commit(upstream.url, "main", only="app")

    assert [p.name for p in (cache / "trees").rglob("*") if p.name.startswith(".incoming")] == []
    assert not (cache / "trees" / "parts").exists()
