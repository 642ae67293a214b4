"""Git webhooks: verify a provider's push delivery and say which Applications it concerns.

``parse_webhook(headers, body, secrets)`` checks the size, the signature and the shape (a
``ParseBudget``) of a delivery from GitHub, GitLab, Bitbucket Cloud or Bitbucket Server, and
returns the ``Push`` values it reports;
``matches(push, repo_url, target_revision)`` and ``paths_match(...)`` pick the apps to refresh.
Pure: it never opens a connection, and never to a URL named in a payload; the API route reads
the request and refreshes the apps.
"""

from gitward.server.webhooks.budget import (
    DEFAULT_UNSIGNED_MAX_BYTES,
    ParseBudget,
    has_secret,
    size_limit,
)
from gitward.server.webhooks.errors import WebhookError
from gitward.server.webhooks.pushes import (
    BITBUCKET,
    BITBUCKET_SERVER,
    DEFAULT_MAX_BYTES,
    GITHUB,
    GITLAB,
    Push,
    WebhookSecrets,
)
from gitward.server.webhooks.receiving import detect_provider_of, parse_webhook
from gitward.server.webhooks.refreshing import matches, paths_match, refresh_paths, same_repository

__all__ = [
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
]
