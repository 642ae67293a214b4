"""Builders for webhook deliveries in tests: a documented payload, its headers, its signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"

EVENT_HEADERS = {
    "github": ("X-GitHub-Event", "push"),
    "gitlab": ("X-Gitlab-Event", "Push Hook"),
    "bitbucket": ("X-Event-Key", "repo:push"),
    "bitbucket-server": ("X-Event-Key", "repo:refs_changed"),
}

FIXTURE_FILES = {
    "github": "github_push.json",
    "gitlab": "gitlab_push.json",
    "bitbucket": "bitbucket_cloud_push.json",
    "bitbucket-server": "bitbucket_server_push.json",
}


def payload(name: str) -> dict[str, Any]:
    """A fixture payload as a fresh dict (safe to mutate)."""
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def body_of(document: Any) -> bytes:
    return json.dumps(document).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(
    provider: str, body: bytes, secret: str = "", event: str | None = None
) -> dict[str, str]:
    """The headers the provider would send, signed with ``secret`` when one is given."""
    name, default_event = EVENT_HEADERS[provider]
    result = {name: event or default_event, "Content-Type": "application/json"}
    if provider == "bitbucket":
        result["X-Hook-UUID"] = "7f0e9c1a-55b0-4a51-9bd3-5b8f3a1c2d4e"
    if secret and provider == "github":
        result["X-Hub-Signature-256"] = signature(secret, body)
    elif secret and provider == "gitlab":
        result["X-Gitlab-Token"] = secret
    elif secret:
        result["X-Hub-Signature"] = signature(secret, body)
    return result
