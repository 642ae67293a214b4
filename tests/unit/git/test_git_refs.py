"""Choosing a commit from what ``git ls-remote`` advertises, as Argo CD does."""

from __future__ import annotations

import pytest

from gitward.git.refs import RefKind, match_revision, parse_ls_remote

MAIN = "1" * 40
RELEASE = "2" * 40
TAG_OBJECT = "3" * 40
TAGGED = "4" * 40
PULL = "5" * 40

LISTING = f"""ref: refs/heads/main\tHEAD
{MAIN}\tHEAD
{MAIN}\trefs/heads/main
{RELEASE}\trefs/heads/release
{PULL}\trefs/pull/7/head
{TAG_OBJECT}\trefs/tags/release
{TAG_OBJECT}\trefs/tags/v1.0.0
{TAGGED}\trefs/tags/v1.0.0^{{}}
"""


@pytest.mark.parametrize(
    ("requested", "sha", "kind", "ref"),
    [
        ("", MAIN, RefKind.HEAD, "refs/heads/main"),
        ("HEAD", MAIN, RefKind.HEAD, "refs/heads/main"),
        ("main", MAIN, RefKind.BRANCH, "refs/heads/main"),
        ("refs/heads/release", RELEASE, RefKind.BRANCH, "refs/heads/release"),
        ("release", RELEASE, RefKind.BRANCH, "refs/heads/release"),
        ("refs/tags/release", TAG_OBJECT, RefKind.TAG, "refs/tags/release"),
        ("v1.0.0", TAGGED, RefKind.TAG, "refs/tags/v1.0.0"),
        ("refs/pull/7/head", PULL, RefKind.REF, "refs/pull/7/head"),
        ("ABCDEF" + "0" * 34, "abcdef" + "0" * 34, RefKind.COMMIT, "abcdef" + "0" * 34),
    ],
)
def test_a_revision_matches_the_advertised_ref_it_names(
    requested: str, sha: str, kind: RefKind, ref: str
):
    revision = match_revision(parse_ls_remote(LISTING), requested)

    assert revision is not None
    assert (revision.sha, revision.kind, revision.ref) == (sha, kind, ref)
    assert revision.requested == requested


@pytest.mark.parametrize("requested", ["abc1234", "feature", "pull/7/head", "heads/main"])
def test_a_revision_naming_no_advertised_ref_matches_nothing(requested: str):
    assert match_revision(parse_ls_remote(LISTING), requested) is None


def test_head_without_a_symbolic_ref_still_resolves():
    revision = match_revision(parse_ls_remote(f"{MAIN}\tHEAD\n"), "HEAD")

    assert revision is not None
    assert (revision.sha, revision.ref) == (MAIN, "HEAD")


def test_an_empty_repository_resolves_nothing():
    assert match_revision(parse_ls_remote(""), "HEAD") is None
