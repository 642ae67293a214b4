"""Decide whether a user may do an action on an object: Argo CD's RBAC, as one pure call.

``Policy.allowed(subject, resource, action, obj)`` answers with a ``Decision`` that names the line
that decided (for the audit log; API responses keep their 403 message generic). The order is
Argo CD's:

1. The default role (``policy.default``) is checked first; what it allows is allowed, and no
   ``deny`` can take it away.
2. Then the user's own name and each of the user's groups that some ``g`` line maps (Argo CD
   skips groups no ``g`` line names: a ``p`` line whose subject is only an SSO group needs a
   ``g, <group>, <group>`` line, as the strategy document's ``g, security-team, security-team``
   does). A matching ``deny`` for any of them beats every ``allow`` (Argo CD lets one group's
   ``allow`` win over another group's ``deny``; gitward is stricter).
3. When the object belongs to a project (``<project>/<app>``, or the project itself for
   ``projects``), that project's role policies are in force too (see ``projects``). A project
   token (subject ``proj:<project>:<role>``) acts only on objects of its own project.

``rollback`` is its own action: a line naming it (or a pattern matching it) decides; with no such
line, a rollback needs ``sync``, which is the only thing Argo CD ever checks for a rollback.

Casbin enforcers are built once per project and kept; a ``Policy`` is immutable and safe to
share. Nothing here does I/O (``from_file`` reads the one file it is given and logs what is
wrong with it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitward.model.project import AppProject
from gitward.server.rbac import loading, vocabulary
from gitward.server.rbac.builtin import READONLY_ROLE, builtin_lines
from gitward.server.rbac.enforcing import ALLOW, DENY, Enforcer, Verdict
from gitward.server.rbac.lines import PolicyLines
from gitward.server.rbac.loading import DEFAULT_SCOPES, PolicySource
from gitward.server.rbac.projects import project_lines

log = logging.getLogger(__name__)

__all__ = ["Decision", "Policy", "Subject", "subject_from_claims"]

ROLLBACK = "rollback"
SYNC = "sync"


@dataclass(frozen=True, slots=True)
class Subject:
    """Who asks: a user name (empty when anonymous) and the user's SSO groups."""

    user: str = ""
    groups: tuple[str, ...] = ()

    def __str__(self) -> str:
        who = self.user or "anonymous"
        return f"{who} (groups: {', '.join(self.groups)})" if self.groups else who


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer, and why: ``reason`` names the deciding line and who it matched; ``rule`` is
    that line as written (empty when no line matched)."""

    allowed: bool
    reason: str
    rule: str = ""


def subject_from_claims(
    claims: Mapping[str, Any], scopes: Iterable[str] = DEFAULT_SCOPES
) -> Subject:
    """The subject of a verified token's claims: the user is ``federated_claims.user_id``
    (Dex) or ``sub``; groups are the string values of each claim named in ``scopes``."""
    if isinstance(scopes, str):
        scopes = (scopes,)
    federated = claims.get("federated_claims")
    user = federated.get("user_id") if isinstance(federated, Mapping) else None
    if not isinstance(user, str) or not user:
        user = claims.get("sub")
    groups: list[str] = []
    for scope in scopes:
        value = claims.get(scope)
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        groups.extend(v for v in values if isinstance(v, str) and v and v not in groups)
    return Subject(user if isinstance(user, str) else "", tuple(groups))


class Policy:
    """An RBAC policy: the built-in roles, the user policy, and the AppProjects' roles."""

    def __init__(self, source: PolicySource, projects: Iterable[AppProject] = ()) -> None:
        self.source = source
        self._projects = {project.name: project for project in projects}
        self._project_lines = {name: project_lines(p) for name, p in self._projects.items()}
        self._global = Enforcer(builtin_lines() + source.lines, source.match_mode)
        self._by_project: dict[str, Enforcer] = {}
        self._lock = threading.Lock()
        self.warnings = (
            source.warnings + self._default_role_warnings() + _user_only_subjects(source.lines)
        )
        for lines in self._project_lines.values():
            self.warnings += lines.warnings

    @classmethod
    def from_csv(
        cls,
        text: str,
        *,
        default_role: str = "",
        scopes: Iterable[str] = DEFAULT_SCOPES,
        match_mode: str = "glob",
        file: str = "policy.csv",
    ) -> Policy:
        """A policy.csv text; raises ``ConfigError`` naming ``file`` and the bad line."""
        return cls(
            loading.read_csv(
                text,
                file=file,
                default_role=default_role,
                scopes=(scopes,) if isinstance(scopes, str) else tuple(scopes),
                match_mode=match_mode,
            )
        )

    @classmethod
    def from_configmap(cls, yaml_text: str, *, file: str = "argocd-rbac-cm.yaml") -> Policy:
        """An argocd-rbac-cm ConfigMap (YAML text)."""
        return cls(loading.read_configmap(yaml_text, file=file))

    @classmethod
    def from_file(cls, path: str | Path) -> Policy:
        """A policy.csv file or an argocd-rbac-cm ConfigMap file; each warning is logged
        (at start and at every reload: this is the one path that reads the file)."""
        policy = cls(loading.read_file(path))
        for warning in policy.warnings:
            log.warning("RBAC policy %s: %s", path, warning)
        return policy

    @property
    def default_role(self) -> str:
        return self.source.default_role

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.source.scopes

    def with_projects(self, projects: Iterable[AppProject]) -> Policy:
        """The same policy with these AppProjects' roles (replacing any given before)."""
        return Policy(self.source, projects)

    def subject(self, claims: Mapping[str, Any]) -> Subject:
        """The subject of a token's claims, with groups read from this policy's ``scopes``."""
        return subject_from_claims(claims, self.source.scopes)

    def allowed(self, subject: Subject, resource: str, action: str, obj: str) -> Decision:
        """Whether ``subject`` may do ``action`` on ``resource`` ``obj`` (``<project>/<app>``
        for applications, applicationsets, logs and exec)."""
        project = vocabulary.project_of(resource, obj)
        refusal = _foreign_project_token(subject, project)
        if refusal is not None:
            return refusal
        enforcer = self._enforcer(project)
        if action != ROLLBACK:
            decision = self._decide(enforcer, subject, (resource, action, obj))
            return decision or _nothing(subject, resource, action, obj)
        explicit = self._decide(enforcer, subject, (resource, ROLLBACK, obj))
        if explicit is not None:
            return explicit
        via_sync = self._decide(enforcer, subject, (resource, SYNC, obj))
        if via_sync is None:
            return _nothing(subject, resource, f"{ROLLBACK} (or {SYNC})", obj)
        return Decision(
            via_sync.allowed, f"rollback follows sync: {via_sync.reason}", via_sync.rule
        )

    def _decide(
        self, enforcer: Enforcer, subject: Subject, request: tuple[str, str, str]
    ) -> Decision | None:
        """The decision of the first matching line, or ``None`` when no line matches."""
        if self.default_role:
            verdict = enforcer.check(self.default_role, *request)
            if verdict.effect == ALLOW:
                return _decision(verdict, f"the default role {self.default_role}")
        verdicts = [
            (f"{kind} {name}", enforcer.check(name, *request))
            for kind, name in _candidates(subject, enforcer)
        ]
        for effect in (DENY, ALLOW):
            for who, verdict in verdicts:
                if verdict.effect == effect:
                    return _decision(verdict, who)
        return None

    def _enforcer(self, project: str) -> Enforcer:
        extra = self._project_lines.get(project)
        if extra is None:
            return self._global
        with self._lock:
            enforcer = self._by_project.get(project)
            if enforcer is None:
                lines = builtin_lines() + self.source.lines + extra
                enforcer = Enforcer(lines, self.source.match_mode)
                self._by_project[project] = enforcer
            return enforcer

    def _default_role_warnings(self) -> tuple[str, ...]:
        role = self.source.default_role
        if not role or self._global.grants_anything(role):
            return ()
        return (
            f"policy.default names {role!r}, which is not built in and which no p line grants "
            f"anything: the default role grants nothing (Argo CD does the same). Use "
            f"{READONLY_ROLE} for read-only access, or define {role} with p lines",
        )


def _user_only_subjects(lines: PolicyLines) -> tuple[str, ...]:
    """Warn about p lines whose subject no g line names: they match only a user of that name."""
    linked = {link.member for link in lines.links} | {link.role for link in lines.links}
    linked |= {link.role for link in builtin_lines().links}
    warnings, seen = [], set()
    for rule in lines.rules:
        subject = rule.subject
        if subject in linked or subject in seen or subject.startswith(("role:", "proj:")):
            continue
        seen.add(subject)
        warnings.append(
            f"{rule.origin}: no g line names {subject!r}, so its p lines apply only to a user "
            f"named {subject}; for an SSO group add 'g, {subject}, {subject}' (Argo CD checks "
            f"only the groups that g lines name)"
        )
    return tuple(warnings)


def _candidates(subject: Subject, enforcer: Enforcer) -> list[tuple[str, str]]:
    names = [("user", subject.user)] if subject.user else []
    for group in subject.groups:
        if group in enforcer.members and group != subject.user:
            names.append(("group", group))
    return names


def _foreign_project_token(subject: Subject, project: str) -> Decision | None:
    parts = subject.user.split(":")
    if len(parts) != 3 or parts[0] != "proj" or not project or parts[1] == project:
        return None
    return Decision(
        False, f"a token of project {parts[1]} cannot act on objects of project {project}"
    )


def _decision(verdict: Verdict, who: str) -> Decision:
    allowed = verdict.effect == ALLOW
    verb = "allowed" if allowed else "denied"
    if verdict.rule is None:
        return Decision(allowed, f"{verb} for {who}")
    return Decision(
        allowed, f"{verb} for {who} by {verdict.rule.origin}: {verdict.rule}", str(verdict.rule)
    )


def _nothing(subject: Subject, resource: str, action: str, obj: str) -> Decision:
    return Decision(False, f"no rule allows {action} on {resource} {obj} for {subject}")
