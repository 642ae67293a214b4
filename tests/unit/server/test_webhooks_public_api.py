"""The webhooks package's public surface is what ``gitward.server.webhooks.__all__`` says."""

from __future__ import annotations

import gitward.server.webhooks


def test_the_public_surface_is_exactly_the_documented_names():
    assert set(gitward.server.webhooks.__all__) == {
        "BITBUCKET",
        "BITBUCKET_SERVER",
        "DEFAULT_MAX_BYTES",
        "DEFAULT_UNSIGNED_MAX_BYTES",
        "GITHUB",
        "GITLAB",
        "ParseBudget",
        "Push",
        "WebhookError",
        "WebhookSecrets",
        "detect_provider_of",
        "has_secret",
        "matches",
        "parse_webhook",
        "paths_match",
        "refresh_paths",
        "same_repository",
        "size_limit",
    }


def test_every_public_name_is_importable():
    module = gitward.server.webhooks
    missing = [name for name in module.__all__ if not hasattr(module, name)]

    assert missing == []
