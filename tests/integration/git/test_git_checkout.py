"""Materialising commits: once per SHA, atomically, shared by every Application."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import failing_read_tree

from gitward.errors import GitUnavailableError, RevisionNotFoundError
from gitward.git import Repositories

if TYPE_CHECKING:
    from conftest import Upstream


async def test_a_checkout_holds_the_commits_files(upstream: Upstream, repositories: Repositories):
    checkout = await repositories.checkout(upstream.url, "main")

    assert checkout.sha == upstream.head()
    assert checkout.revision == "main"
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 1\n"
    assert not (checkout.root / ".git").exists()


async def test_a_second_checkout_of_the_same_sha_reuses_the_tree(
    upstream: Upstream, repositories: Repositories
):
    first = await repositories.checkout(upstream.url, "main")
    (first.root / "marker").write_text("written once")

    second = await repositories.checkout(upstream.url, upstream.head())

    assert second.root == first.root
    assert (second.root / "marker").read_text() == "written once"


async def test_concurrent_checkouts_of_one_sha_produce_one_tree(
    upstream: Upstream, repositories: Repositories, tmp_path: Path
):
    checkouts = await asyncio.gather(
        *(repositories.checkout(upstream.url, "main") for _ in range(6))
    )

    trees = tmp_path / "cache" / "trees"
    assert {checkout.root for checkout in checkouts} == {trees / upstream.head()}
    assert [entry.name for entry in trees.iterdir()] == [upstream.head()]


async def test_each_commit_gets_its_own_tree(upstream: Upstream, repositories: Repositories):
    first = await repositories.checkout(upstream.url, "main")
    upstream.commit({"app/values.yaml": "replicas: 2\n"})

    second = await repositories.checkout(upstream.url, "main")

    assert second.root != first.root
    assert (first.root / "app/values.yaml").read_text() == "replicas: 1\n"
    assert (second.root / "app/values.yaml").read_text() == "replicas: 2\n"


async def test_a_commit_on_no_branch_is_checked_out_by_its_full_sha(
    upstream: Upstream, repositories: Repositories
):
    upstream.switch("feature", create=True)
    orphan = upstream.commit({"app/values.yaml": "replicas: 9\n"})
    upstream.switch("main")
    upstream.delete_branch("feature")

    checkout = await repositories.checkout(upstream.url, orphan)

    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 9\n"


async def test_a_full_sha_the_repository_lacks_is_an_unknown_revision(
    upstream: Upstream, repositories: Repositories
):
    missing = "0123456789abcdef0123456789abcdef01234567"

    with pytest.raises(RevisionNotFoundError) as raised:
        await repositories.checkout(upstream.url, missing)

    assert missing in raised.value.message


async def test_symlinks_in_a_commit_stay_symlinks(upstream: Upstream, repositories: Repositories):
    upstream.symlink("app/link.yaml", "values.yaml")
    upstream.symlink("escape", "/etc/passwd")
    upstream.commit({}, "links")

    checkout = await repositories.checkout(upstream.url, "main")

    assert (checkout.root / "app/link.yaml").is_symlink()
    assert str((checkout.root / "escape").readlink()) == "/etc/passwd"


async def test_a_failed_materialisation_leaves_no_tree_behind(upstream: Upstream, tmp_path: Path):
    cache = tmp_path / "cache"
    with pytest.raises(GitUnavailableError):
        await Repositories(cache, runner=failing_read_tree).checkout(upstream.url, "main")

    assert list((cache / "trees").iterdir()) == []
    checkout = await Repositories(cache).checkout(upstream.url, "main")
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 1\n"
