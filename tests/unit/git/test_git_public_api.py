"""The git layer's public surface is what ``gitward.git.__all__`` says, and all of it exists."""

from __future__ import annotations

import gitward.git


def test_the_public_surface_is_exactly_the_documented_names():
    assert set(gitward.git.__all__) == {
        "Checkout",
        "Credentials",
        "CredentialsLookup",
        "GitResult",
        "GitRunner",
        "LocalRepoPolicy",
        "RefKind",
        "Repositories",
        "Revision",
        "WorkTree",
        "check_tree_inside",
        "join_source_path",
        "looks_like_url",
        "normalize_repo_url",
        "resolve_inside",
        "run_git",
        "same_repo_url",
    }


def test_every_public_name_is_importable():
    missing = [name for name in gitward.git.__all__ if not hasattr(gitward.git, name)]

    assert missing == []
