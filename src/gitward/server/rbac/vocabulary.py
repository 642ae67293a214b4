"""The words of Argo CD's RBAC: resources, actions, and which resources live in a project.

A policy line names a resource and an action; gitward refuses a line whose resource or action is
not one of these words (or a pattern), because such a line can never match and is almost always
a typo (``application`` for ``applications``, ``logs`` as an action). Pure data and checks.
"""

from __future__ import annotations

import difflib

__all__ = [
    "ACTIONS",
    "PROJECT_SCOPED",
    "RESOURCES",
    "SUBRESOURCE_ACTIONS",
    "action_problem",
    "project_of",
    "resource_problem",
]

RESOURCES = frozenset(
    {
        "applications",
        "applicationsets",
        "clusters",
        "projects",
        "repositories",
        "write-repositories",
        "certificates",
        "accounts",
        "gpgkeys",
        "logs",
        "exec",
        "extensions",
    }
)
"""Every resource Argo CD's API checks (``extensions`` is for proxy extensions)."""

PROJECT_SCOPED = frozenset(
    {"applications", "applicationsets", "logs", "exec", "clusters", "repositories"}
)
"""Resources whose object is ``<project>/<name>`` and that AppProject roles may grant."""

ACTIONS = frozenset(
    {"get", "create", "update", "delete", "sync", "override", "action", "invoke", "debug"}
    | {"rollback"}
)
"""Plain actions. ``rollback`` is gitward's own: Argo CD checks ``sync`` for a rollback, and so
does gitward when no rule names ``rollback`` (see ``gitward.server.rbac.policy``)."""

SUBRESOURCE_ACTIONS = ("action/", "update/", "delete/")
"""Actions with a path: ``action/<group>/<kind>/<name>``, ``update/<group>/<kind>/<ns>/<name>``."""


def project_of(resource: str, obj: str) -> str:
    """The project a request is about, as Argo CD reads it: the first segment of
    ``<project>/<app>`` for project-scoped resources, the object itself for ``projects``."""
    if resource in PROJECT_SCOPED:
        project, slash, _ = obj.partition("/")
        return project if slash else ""
    return obj if resource == "projects" else ""


def resource_problem(resource: str) -> tuple[str, str] | None:
    """``(problem, hint)`` when a plain (non-pattern) resource is not one of Argo CD's."""
    if resource in RESOURCES:
        return None
    return f"unknown resource {resource!r}", _suggest(resource, RESOURCES, "resource")


def action_problem(action: str) -> tuple[str, str] | None:
    """``(problem, hint)`` when a plain (non-pattern) action is not one of Argo CD's."""
    if action in ACTIONS or action.startswith(SUBRESOURCE_ACTIONS):
        return None
    if action in RESOURCES:
        return (
            f"{action!r} is a resource, not an action",
            f"write it as the resource: p, <subject>, {action}, get, <project>/<app>, allow",
        )
    return f"unknown action {action!r}", _suggest(action, ACTIONS, "action")


def _suggest(word: str, known: frozenset[str], what: str) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"use one of: {', '.join(sorted(known))} (or a pattern such as *) as the {what}"
