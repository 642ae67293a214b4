"""The health engine's public surface is what ``gitward.health.__all__`` says, all of it real."""

from __future__ import annotations

import gitward.health


def test_the_public_surface_is_exactly_the_documented_names():
    assert set(gitward.health.__all__) == {
        "Health",
        "HealthCustomizations",
        "HealthStatus",
        "LuaLimits",
        "ManagedResource",
        "aggregate",
        "assess",
        "is_worse",
    }


def test_every_public_name_is_importable_and_documented():
    missing = [name for name in gitward.health.__all__ if not hasattr(gitward.health, name)]
    undocumented = [name for name in gitward.health.__all__ if name not in gitward.health.__doc__]

    assert (missing, undocumented) == ([], [])
