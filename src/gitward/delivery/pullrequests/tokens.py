"""Which stored secret is the token for a Git host's API.

gitward stores repository credentials as Argo CD does (``gitward repo add URL --username U
--password P``). For HTTPS on GitHub and GitLab that password is already an API token: a GitHub
personal access token, a GitLab personal, project or group access token. Argo CD Image
Updater's git write-back and the ApplicationSet pull-request generator use it the same way, so
one stored credential both pushes the branch and opens the pull request. An SSH key opens
nothing: without a password there is no token, and the promotion prints the link instead.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["StoredCredentials", "api_token"]


class StoredCredentials(Protocol):
    """What a repository's credentials look like to this module (the git layer's and the
    store's ``Credentials`` both fit)."""

    @property
    def password(self) -> str | None: ...


def api_token(credentials: StoredCredentials | None) -> str | None:
    """The API token held by a repository's credentials; None when they hold none."""
    if credentials is None:
        return None
    return (credentials.password or "").strip() or None
