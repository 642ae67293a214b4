"""The diff engine's public surface is what ``gitward.diff.__all__`` says, and all of it exists."""

from __future__ import annotations

import gitward.diff


def test_the_public_surface_is_exactly_the_documented_names() -> None:
    assert set(gitward.diff.__all__) == {
        "MASK",
        "AppDiff",
        "Change",
        "JqRunner",
        "JqWorker",
        "ResourceDiff",
        "ResourceStatus",
        "SyncStatus",
        "compare",
        "compare_app",
        "hide_secret_data",
        "normalize",
        "resource_key",
        "respect_ignored",
    }


def test_every_public_name_is_importable() -> None:
    missing = [name for name in gitward.diff.__all__ if not hasattr(gitward.diff, name)]

    assert missing == []
