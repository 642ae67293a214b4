"""The notifications package's public surface is what ``gitward.notify.__all__`` says, and all
of it exists."""

from __future__ import annotations

import gitward.notify


def test_the_public_surface_is_exactly_the_documented_names() -> None:
    assert set(gitward.notify.__all__) == {
        "AppDocuments",
        "Notifier",
        "NotifyConfig",
        "NotifyConfigError",
        "NotifyFiles",
        "load_notify_config",
    }


def test_every_public_name_is_importable() -> None:
    missing = [name for name in gitward.notify.__all__ if not hasattr(gitward.notify, name)]

    assert missing == []
