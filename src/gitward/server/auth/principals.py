"""Who a request acts as, once authentication has decided: what RBAC and the audit log see.

A principal is a value, made only by ``accounts`` and ``oidc`` after a check passed (or, for the
anonymous principal, when anonymous access is switched on and no credentials were presented).
Nothing here checks anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ANONYMOUS", "Principal", "PrincipalKind", "project_role_subject"]


class PrincipalKind(StrEnum):
    USER = "user"
    """A person: a local account that logged in, or a single sign-on user."""
    TOKEN = "token"  # noqa: S105 - a kind of principal, not a token
    """An API token of an account or of a project role."""
    ANONYMOUS = "anonymous"
    """No credentials, where anonymous access is enabled."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The subject RBAC checks (``name``, and ``groups`` for ``g`` lines) and the actor the
    audit log names.

    ``name`` is an account name, a single sign-on user's name, a project role
    (``proj:<project>:<role>``) for its tokens, or ``anonymous``. ``token_id`` is the id of the
    session or API token the request carried, for logout, revocation and audit.
    """

    name: str
    kind: PrincipalKind
    groups: tuple[str, ...] = ()
    token_id: str | None = None
    sso: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.kind is PrincipalKind.ANONYMOUS


ANONYMOUS = Principal(name="anonymous", kind=PrincipalKind.ANONYMOUS)


def project_role_subject(project: str, role: str) -> str:
    """The subject of a project role's tokens, as Argo CD writes it: ``proj:<project>:<role>``."""
    return f"proj:{project}:{role}"
