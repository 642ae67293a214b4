"""Serving repoURLs from directories on this machine: as they are, or at a revision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gitward.errors import SourceError
from gitward.git import Repositories

if TYPE_CHECKING:
    from conftest import GitCommand, Upstream

REPO_URL = "https://github.com/org/infra.git"


def serving(tmp_path: Path, directory: Path) -> Repositories:
    return Repositories(tmp_path / "cache", local={REPO_URL: directory})


async def test_a_plain_directory_is_served_as_it_is(tmp_path: Path):
    plain = tmp_path / "plain"
    (plain / "app").mkdir(parents=True)
    (plain / "app/values.yaml").write_text("replicas: 4\n")

    checkout = await serving(tmp_path, plain).checkout(REPO_URL, "main")

    assert checkout.sha is None
    assert checkout.root == plain.resolve()
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 4\n"


async def test_any_spelling_of_the_mapped_url_is_served_locally(tmp_path: Path):
    plain = tmp_path / "plain"
    plain.mkdir()

    checkout = await serving(tmp_path, plain).checkout("HTTPS://GitHub.com/org/infra/", "")

    assert checkout.root == plain.resolve()


async def test_a_work_tree_is_served_with_its_uncommitted_changes(
    upstream: Upstream, tmp_path: Path
):
    clone = upstream.clone(tmp_path / "clone")
    (clone / "app/values.yaml").write_text("replicas: 8\n")

    checkout = await serving(tmp_path, clone).checkout(REPO_URL, "main")

    assert checkout.sha is None
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 8\n"


async def test_a_work_tree_can_be_checked_out_at_a_revision(
    upstream: Upstream, tmp_path: Path, git: GitCommand
):
    clone = upstream.clone(tmp_path / "clone")
    (clone / "app/values.yaml").write_text("replicas: 8\n")
    committed = git(clone, "rev-parse", "HEAD")

    checkout = await serving(tmp_path, clone).checkout_commit(REPO_URL, "HEAD")

    assert checkout.sha == committed
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 1\n"


async def test_a_local_branch_of_a_work_tree_resolves_without_the_remote(
    upstream: Upstream, tmp_path: Path, git: GitCommand
):
    clone = upstream.clone(tmp_path / "clone")
    git(clone, "switch", "--quiet", "-c", "experiment")
    (clone / "app/values.yaml").write_text("replicas: 6\n")
    git(clone, "commit", "--quiet", "-am", "experiment")

    checkout = await serving(tmp_path, clone).checkout_commit(REPO_URL, "experiment")

    assert checkout.sha == git(clone, "rev-parse", "experiment")
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 6\n"


async def test_a_directory_inside_a_work_tree_is_checked_out_as_that_directory(
    upstream: Upstream, tmp_path: Path
):
    clone = upstream.clone(tmp_path / "clone")

    checkout = await serving(tmp_path, clone / "app").checkout_commit(REPO_URL, "main")

    assert checkout.root.name == "app"
    assert (checkout.root / "values.yaml").read_text() == "replicas: 1\n"


async def test_a_plain_directory_has_no_revisions_to_check_out(tmp_path: Path):
    plain = tmp_path / "plain"
    plain.mkdir()

    with pytest.raises(SourceError) as raised:
        await serving(tmp_path, plain).checkout_commit(REPO_URL, "main")

    assert "not a git clone" in raised.value.message


async def test_a_mapping_to_a_missing_directory_is_a_source_error(tmp_path: Path):
    with pytest.raises(SourceError) as raised:
        await serving(tmp_path, tmp_path / "absent").checkout(REPO_URL, "main")

    assert str(tmp_path / "absent") in raised.value.message


async def test_worktree_info_names_the_root_and_the_remotes(
    upstream: Upstream, tmp_path: Path, git: GitCommand
):
    clone = upstream.clone(tmp_path / "clone")
    git(clone, "remote", "add", "github", "https://bot:s3cr3t@github.com/org/infra.git")

    info = await Repositories(tmp_path / "cache").worktree_info(clone / "app/values.yaml")

    assert info is not None
    assert info.root == clone.resolve()
    assert info.has_remote("git@github.com:org/infra.git") is False
    assert info.has_remote(REPO_URL)
    assert info.has_remote(upstream.url)
    assert not any("s3cr3t" in remote for remote in info.remotes)


async def test_worktree_info_is_none_outside_any_work_tree(tmp_path: Path):
    (tmp_path / "plain").mkdir()

    assert await Repositories(tmp_path / "cache").worktree_info(tmp_path / "plain") is None
