"""One Casbin enforcer over a set of policy lines, with Argo CD's model.

Argo CD's model, with the match function chosen by ``policy.matchMode``::

    r = sub, res, act, obj
    p = sub, res, act, obj, eft
    g = _, _
    e = some(where (p.eft == allow)) && !some(where (p.eft == deny))
    m = g(r.sub, p.sub) && match(r.res, p.res) && match(r.act, p.act) && match(r.obj, p.obj)

``check`` answers for one subject and says which line decided. Building an enforcer costs
milliseconds, so ``policy.Policy`` builds one per set of lines and keeps it; ``check`` only reads
and, like Argo CD's cached Casbin enforcer, remembers its answers (bounded), since the lines of an
enforcer never change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import casbin  # type: ignore[import-untyped]

from gitward.server.rbac import matching
from gitward.server.rbac.lines import PolicyLines, Rule

__all__ = ["ALLOW", "DENY", "NO_MATCH", "Enforcer", "Verdict"]

ALLOW = "allow"
DENY = "deny"
NO_MATCH = "none"
CACHE_SIZE = 65_536

_MODEL = """
[request_definition]
r = sub, res, act, obj

[policy_definition]
p = sub, res, act, obj, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub) && match(r.res, p.res) && match(r.act, p.act) && match(r.obj, p.obj)
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the lines say for one subject: ``allow``, ``deny`` or ``none``, and the line."""

    effect: str
    rule: Rule | None = None


class Enforcer:
    """Casbin over ``lines``; read-only once built, safe to share between requests."""

    def __init__(self, lines: PolicyLines, mode: str = matching.GLOB) -> None:
        self._rules: dict[tuple[str, ...], Rule] = {}
        for rule in lines.rules:
            self._rules.setdefault(rule.key, rule)
        self._casbin = casbin.Enforcer(casbin.Enforcer.new_model(text=_MODEL))
        self._casbin.add_function("match", matching.matcher(mode))
        if self._rules:
            self._casbin.add_policies([list(key) for key in self._rules])
        pairs = dict.fromkeys((link.member, link.role) for link in lines.links)
        if pairs:
            self._casbin.add_grouping_policies([list(pair) for pair in pairs])
        self.members = frozenset(member for member, _ in pairs)
        """Every name that a ``g`` line gives a role to (Argo CD only checks these groups)."""
        self._remembered = functools.lru_cache(maxsize=CACHE_SIZE)(self._check)

    def check(self, subject: str, resource: str, action: str, obj: str) -> Verdict:
        """The verdict of the lines for ``subject`` and its roles on this request."""
        return self._remembered(subject, resource, action, obj)

    def _check(self, subject: str, resource: str, action: str, obj: str) -> Verdict:
        allowed, explained = self._casbin.enforce_ex(subject, resource, action, obj)
        if not explained:
            return Verdict(ALLOW if allowed else NO_MATCH)
        rule = self._rules.get(tuple(explained))
        return Verdict(ALLOW if allowed else DENY, rule)

    def grants_anything(self, subject: str) -> bool:
        """Whether ``subject`` (through its roles too) has at least one ``allow`` line."""
        permissions = self._casbin.get_implicit_permissions_for_user(subject)
        return any(row and row[-1] == ALLOW for row in permissions)
