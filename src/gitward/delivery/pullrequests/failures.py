"""How a call to a Git host's API fails: refused for good, or unavailable for now.

::

    GitwardError
    └── GitHostError                    the Git host's API did not open the pull request
        ├── GitHostRefusedError *       401, 403, 404, 422 and the like: asking again won't help
        └── GitHostUnavailableError †   5xx, 429, rate limit, refused connection, timeout

    * also a ConfigError; † also a TransientError (see ``gitward.errors``).

Messages name the host and the repository and say what to do; they never carry the token.
"""

from __future__ import annotations

from gitward.errors import ConfigError, GitwardError, TransientError

__all__ = ["GitHostError", "GitHostRefusedError", "GitHostUnavailableError"]


class GitHostError(GitwardError):
    """The Git host's API did not open (or find) the pull request."""


class GitHostRefusedError(GitHostError, ConfigError):
    """The host refused the request: a token without access, a repository it does not show,
    a branch it does not know. Nothing changes until the token or the repository does."""


class GitHostUnavailableError(GitHostError, TransientError):
    """The host could not answer now (5xx, 429, rate limit, network); try again later."""
