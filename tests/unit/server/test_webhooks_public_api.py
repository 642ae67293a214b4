"""The webhooks package's public surface is what ``gitward.server.webhooks.__all__`` says."""

from __future__ import annotations

import gitward.server.webhooks


def test_the_public_surface_is_exactly_the_documented_names():
    assert set(gitward.server.webhooks.__all__) == {
        "BITBUCKET",
        "BITBUCKET_SERVER",
        "DEFAULT_MAX_BYTES",
        "GITHUB",
        "GITLAB",
        "Push",
        "WebhookError",
        "WebhookSecrets",
        "matches",
        "parse_webhook",
        "paths_match",
        "refresh_paths",
        "same_repository",
    }


def test_every_public_name_is_importable():
    module = gitward.server.webhooks
    missing = [name for name in module.__all__ if not hasattr(module, name)]

    assert missing == []
