"""Resolving targetRevisions against real repositories, as they move."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gitward.errors import RevisionNotFoundError
from gitward.git import GitResult, RefKind, Repositories, run_git

if TYPE_CHECKING:
    from conftest import Upstream


async def test_a_branch_resolves_to_its_tip(upstream: Upstream, repositories: Repositories):
    revision = await repositories.resolve(upstream.url, "main")

    assert revision.sha == upstream.head()
    assert revision.kind is RefKind.BRANCH
    assert revision.ref == "refs/heads/main"


async def test_a_full_ref_name_resolves_like_its_short_name(
    upstream: Upstream, repositories: Repositories
):
    revision = await repositories.resolve(upstream.url, "refs/heads/main")

    assert (revision.sha, revision.kind) == (upstream.head(), RefKind.BRANCH)


async def test_a_lightweight_tag_resolves_to_its_commit(
    upstream: Upstream, repositories: Repositories
):
    upstream.tag("v1.0.0")

    revision = await repositories.resolve(upstream.url, "v1.0.0")

    assert (revision.sha, revision.kind) == (upstream.head(), RefKind.TAG)


async def test_an_annotated_tag_resolves_to_the_commit_not_the_tag_object(
    upstream: Upstream, repositories: Repositories
):
    upstream.tag("v2.0.0", annotated=True)

    revision = await repositories.resolve(upstream.url, "v2.0.0")

    assert revision.sha == upstream.head()
    assert revision.ref == "refs/tags/v2.0.0"


@pytest.mark.parametrize("requested", ["HEAD", ""])
async def test_head_and_an_empty_revision_resolve_to_the_default_branch(
    upstream: Upstream, repositories: Repositories, requested: str
):
    revision = await repositories.resolve(upstream.url, requested)

    assert revision.sha == upstream.head()
    assert revision.kind is RefKind.HEAD
    assert revision.ref == "refs/heads/main"
    assert revision.requested == requested


async def test_a_short_sha_resolves_to_the_full_sha(upstream: Upstream, repositories: Repositories):
    first = upstream.head()
    upstream.commit({"app/values.yaml": "replicas: 2\n"})

    revision = await repositories.resolve(upstream.url, first[:8])

    assert (revision.sha, revision.kind) == (first, RefKind.COMMIT)


async def test_a_full_sha_resolves_without_asking_the_remote(tmp_path: Path):
    calls: list[Sequence[str]] = []

    async def recording(
        args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]
    ) -> GitResult:
        calls.append(args)
        return await run_git(args, cwd=cwd, env=env)

    repositories = Repositories(tmp_path / "cache", runner=recording)
    sha = "0123456789abcdef0123456789abcdef01234567"

    revision = await repositories.resolve("https://git.example.invalid/org/repo.git", sha)

    assert (revision.sha, revision.kind) == (sha, RefKind.COMMIT)
    assert calls == []


async def test_a_branch_wins_over_a_tag_of_the_same_name(
    upstream: Upstream, repositories: Repositories
):
    upstream.tag("release")
    upstream.switch("release", create=True)
    tip = upstream.commit({"app/values.yaml": "replicas: 3\n"})

    revision = await repositories.resolve(upstream.url, "release")

    assert (revision.sha, revision.kind) == (tip, RefKind.BRANCH)


async def test_a_branch_that_advanced_resolves_to_its_new_tip(
    upstream: Upstream, repositories: Repositories
):
    before = await repositories.resolve(upstream.url, "main")
    await repositories.fetch(upstream.url)
    advanced = upstream.commit({"app/values.yaml": "replicas: 2\n"})

    after = await repositories.resolve(upstream.url, "main")

    assert before.sha != after.sha
    assert after.sha == advanced


async def test_a_force_pushed_branch_resolves_to_the_rewritten_commit(
    upstream: Upstream, repositories: Repositories
):
    upstream.commit({"app/values.yaml": "replicas: 2\n"})
    await repositories.checkout(upstream.url, "main")
    rewritten = upstream.rewrite_last_commit({"app/values.yaml": "replicas: 5\n"})

    revision = await repositories.resolve(upstream.url, "main")
    checkout = await repositories.checkout(upstream.url, "main")

    assert revision.sha == rewritten
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 5\n"


async def test_a_moved_tag_resolves_to_its_new_commit(
    upstream: Upstream, repositories: Repositories
):
    upstream.tag("stable")
    await repositories.checkout(upstream.url, "stable")
    moved = upstream.commit({"app/values.yaml": "replicas: 7\n"})
    upstream.tag("stable", force=True)

    checkout = await repositories.checkout(upstream.url, "stable")

    assert checkout.sha == moved
    assert (checkout.root / "app/values.yaml").read_text() == "replicas: 7\n"


@pytest.mark.parametrize("requested", ["no-such-branch", "abcdef1234"])
async def test_an_unknown_revision_names_the_repository_and_the_revision(
    upstream: Upstream, repositories: Repositories, requested: str
):
    with pytest.raises(RevisionNotFoundError) as raised:
        await repositories.resolve(upstream.url, requested)

    assert requested in raised.value.message
    assert upstream.url in raised.value.message
    assert raised.value.hint
