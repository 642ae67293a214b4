"""The render layer's public surface is what ``gitward.render.__all__`` says, all of it real."""

from __future__ import annotations

import inspect

import gitward.render
from gitward.render import Renderer


def test_the_public_surface_is_exactly_the_documented_names() -> None:
    assert set(gitward.render.__all__) == {
        "DEFAULT_LIMITS",
        "ChartCache",
        "Limits",
        "ManifestCache",
        "Origin",
        "Rendered",
        "Renderer",
        "manifests",
    }


def test_every_public_name_is_importable() -> None:
    assert [name for name in gitward.render.__all__ if not hasattr(gitward.render, name)] == []


def test_render_and_its_async_twin_take_the_same_arguments() -> None:
    sync = inspect.signature(Renderer.render).parameters
    asynchronous = inspect.signature(Renderer.render_async).parameters
    assert list(sync) == list(asynchronous)
    assert list(sync) == [
        "self",
        "app",
        "source",
        "root",
        "sha",
        "refs",
        "file",
        "ref_shas",
        "capabilities",
        "dependencies",
    ]
