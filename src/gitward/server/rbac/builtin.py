"""The built-in roles every policy starts from: ``role:readonly`` and ``role:admin``.

The same grants as Argo CD's builtin-policy.csv, so a policy written for Argo CD means the same
here: ``role:readonly`` may get everything, ``role:admin`` may do everything and inherits
``role:readonly``, and the local user ``admin`` is ``role:admin``. A user policy may add to these
roles but a ``deny`` in it does not weaken them for the default role (see ``policy``).
"""

from __future__ import annotations

from gitward.errors import Location
from gitward.server.rbac.lines import PolicyLines, parse_lines

__all__ = ["ADMIN_ROLE", "BUILTIN_FILE", "BUILTIN_POLICY", "READONLY_ROLE", "builtin_lines"]

READONLY_ROLE = "role:readonly"
ADMIN_ROLE = "role:admin"
BUILTIN_FILE = "builtin-policy.csv"

_READ = "p, role:readonly, {resource}, get, {obj}, allow"
_ADMIN = "p, role:admin, {resource}, {action}, {obj}, allow"
_PROJECT_OBJECT = "*/*"

_READONLY_GRANTS = (
    ("applications", _PROJECT_OBJECT),
    ("applicationsets", _PROJECT_OBJECT),
    ("certificates", "*"),
    ("clusters", "*"),
    ("repositories", "*"),
    ("write-repositories", "*"),
    ("projects", "*"),
    ("accounts", "*"),
    ("gpgkeys", "*"),
    ("logs", _PROJECT_OBJECT),
)

_ADMIN_GRANTS = (
    ("applications", "create update update/* delete delete/* sync rollback override action/*"),
    ("applicationsets", "get create update delete"),
    ("certificates", "create update delete"),
    ("clusters", "create update delete"),
    ("repositories", "create update delete"),
    ("write-repositories", "create update delete"),
    ("projects", "create update delete"),
    ("accounts", "update"),
    ("gpgkeys", "create delete"),
    ("exec", "create debug"),
)

_PROJECT_SCOPED_OBJECTS = frozenset({"applications", "applicationsets", "exec", "logs"})


def _builtin_text() -> str:
    lines = [_READ.format(resource=resource, obj=obj) for resource, obj in _READONLY_GRANTS]
    for resource, actions in _ADMIN_GRANTS:
        obj = _PROJECT_OBJECT if resource in _PROJECT_SCOPED_OBJECTS else "*"
        lines.extend(
            _ADMIN.format(resource=resource, action=action, obj=obj) for action in actions.split()
        )
    lines += [f"g, {ADMIN_ROLE}, {READONLY_ROLE}", f"g, admin, {ADMIN_ROLE}"]
    return "\n".join(lines) + "\n"


BUILTIN_POLICY = _builtin_text()
"""The built-in policy as policy.csv text."""


def builtin_lines() -> PolicyLines:
    """The built-in policy, parsed (each line located in ``builtin-policy.csv``)."""
    return _BUILTIN


_BUILTIN = parse_lines(BUILTIN_POLICY, lambda number: Location(file=f"{BUILTIN_FILE}:{number}"))
