"""What a git provider's webhook says happened: a ``Push`` per ref, and the secrets to check it.

Values only. A ``Push`` carries every URL the payload gives for the repository (web page, HTTPS
and SSH clone URLs) exactly as written; gitward compares them with Applications' repoURLs and
never contacts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BITBUCKET",
    "BITBUCKET_SERVER",
    "BRANCH_PREFIX",
    "DEFAULT_MAX_BYTES",
    "GITHUB",
    "GITLAB",
    "PROVIDERS",
    "TAG_PREFIX",
    "Push",
    "WebhookSecrets",
]

GITHUB = "github"
GITLAB = "gitlab"
BITBUCKET = "bitbucket"
BITBUCKET_SERVER = "bitbucket-server"
PROVIDERS = (GITHUB, GITLAB, BITBUCKET, BITBUCKET_SERVER)

BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Argo CD's default ``webhook.maxPayloadSizeMB`` (50 MB)."""


@dataclass(frozen=True, slots=True)
class Push:
    """One ref a delivery changed (or a provider's ping, with ``ping=True`` and no ref).

    ``changed_files`` holds the paths the commits added, modified or removed; it is empty when
    the payload does not say (Bitbucket, a tag, a truncated commit list), which means "assume
    anything changed". ``default_branch`` is the repository's default branch when the payload
    names it. ``deleted`` is true when the push removed the ref.
    """

    provider: str
    repo_urls: tuple[str, ...]
    ref: str = ""
    revision: str = ""
    changed_files: frozenset[str] = field(default_factory=frozenset)
    ping: bool = False
    default_branch: str | None = None
    deleted: bool = False

    @property
    def ref_name(self) -> str:
        """``main`` for ``refs/heads/main``, ``v1`` for ``refs/tags/v1``."""
        return self.ref.removeprefix(BRANCH_PREFIX).removeprefix(TAG_PREFIX)

    @property
    def is_branch(self) -> bool:
        return self.ref.startswith(BRANCH_PREFIX)

    @property
    def is_tag(self) -> bool:
        return self.ref.startswith(TAG_PREFIX)


@dataclass(frozen=True, slots=True, repr=False)
class WebhookSecrets:
    """The shared secrets, one per provider; an empty one means "do not check".

    ``github``: HMAC key of ``X-Hub-Signature-256``. ``gitlab``: the ``X-Gitlab-Token``.
    ``bitbucket``: HMAC key of Bitbucket Cloud's ``X-Hub-Signature``; ``bitbucket_uuid``: the
    ``X-Hook-UUID`` Argo CD's ``webhook.bitbucket.uuid`` checks. ``bitbucket_server``: HMAC key
    of Bitbucket Server's ``X-Hub-Signature``.
    """

    github: str = ""
    gitlab: str = ""
    bitbucket: str = ""
    bitbucket_uuid: str = ""
    bitbucket_server: str = ""

    def __repr__(self) -> str:
        configured = [name for name in self.__slots__ if getattr(self, name)]
        return f"WebhookSecrets(configured={configured})"
