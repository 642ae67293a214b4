"""Kubernetes API paths -> what they address: resource type, namespace, name, subresource.

``/api/v1/namespaces/web/pods/p1/status`` and ``/apis/apps/v1/deployments`` are parsed here,
once, including the ambiguity of ``/api/v1/namespaces/x/status`` (the namespace's own status,
not a resource called "status"), the legacy ``/watch/`` prefix, and the verb a request means.
This module must not execute anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitward.sandbox.kinds import Registry, ResourceType

__all__ = ["Target", "parse", "verb_of"]

_NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass(frozen=True, slots=True)
class Target:
    """What a resource URL addresses. ``namespace`` is None for cluster-wide URLs."""

    group: str
    version: str
    plural: str
    rtype: ResourceType | None
    namespace: str | None = None
    name: str = ""
    subresource: str = ""
    watch_prefix: bool = False


def _group_version(parts: list[str]) -> tuple[str, str, list[str]] | None:
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    return None


def parse(path: str, registry: Registry) -> Target | None:
    """The target of a resource path, or None for any other path (discovery, unknown)."""
    parts = [p for p in path.split("/") if p]
    found = _group_version(parts)
    if found is None:
        return None
    group, version, rest = found
    watch_prefix = bool(rest) and rest[0] == "watch"
    if watch_prefix:
        rest = rest[1:]
    if not rest:
        return None
    namespace: str | None = None
    namespaced_path = (
        rest[0] == "namespaces"
        and len(rest) >= 3
        and (len(rest) > 3 or rest[2] not in _NAMESPACE_SUBRESOURCES)
    )
    if namespaced_path:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    rtype = registry.by_url(group, version, plural)
    return Target(group, version, plural, rtype, namespace, name, subresource, watch_prefix)


def verb_of(method: str, target: Target, watch: bool, content_type: str) -> str:
    """The Kubernetes verb of a request (``apply`` for server-side apply)."""
    method = method.upper()
    if method == "GET":
        if watch or target.watch_prefix:
            return "watch"
        return "get" if target.name else "list"
    if method == "PATCH":
        return "apply" if "apply-patch" in content_type else "patch"
    if method == "DELETE":
        return "delete" if target.name else "deletecollection"
    return {"POST": "create", "PUT": "update"}.get(method, method.lower())
