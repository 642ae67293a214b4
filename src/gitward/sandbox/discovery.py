"""Discovery documents: /version, /api, /apis, per-group and per-version resource lists, and
the aggregated (``apidiscovery.k8s.io/v2``) form kubectl asks for first.

Everything is derived from the :class:`Registry`, so a CRD registered a moment ago appears in
the next discovery response. This module must not serve objects.
"""

from __future__ import annotations

from typing import Any

from gitward.sandbox.kinds import SCALABLE, Registry, ResourceType

__all__ = [
    "AGGREGATED_CONTENT_TYPE",
    "aggregated",
    "api_group",
    "api_group_list",
    "api_versions",
    "resource_list",
    "version_info",
    "wants_aggregated",
]

AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_STATUS_VERBS = ["get", "patch", "update"]


def version_info() -> dict[str, str]:
    return {
        "major": "1",
        "minor": "35",
        "gitVersion": "v1.35.0-gitward-sandbox",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-12-17T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    }


def _group_entry(name: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": listed, "preferredVersion": listed[0]}


def api_group_list(registry: Registry) -> dict[str, Any]:
    groups = [_group_entry(g, vs) for g, vs in registry.groups().items() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    versions = registry.groups().get(group)
    if not group or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}


def _resource(rtype: ResourceType) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": rtype.plural,
        "singularName": rtype.singular,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": _VERBS,
    }
    if rtype.short_names:
        main["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        main["categories"] = list(rtype.categories)
    entries = [main]
    if rtype.group_resource in SCALABLE:
        entries.append(
            {
                "name": f"{rtype.plural}/scale",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": _STATUS_VERBS,
            }
        )
    if rtype.has_status:
        entries.append(
            {
                "name": f"{rtype.plural}/status",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "kind": rtype.kind,
                "verbs": _STATUS_VERBS,
            }
        )
    return entries


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    served = [t for t in registry if (t.group, t.version) == (group, version)]
    if not served:
        return None
    group_version = f"{group}/{version}" if group else version
    resources = [entry for t in served for entry in _resource(t)]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def wants_aggregated(accept: str) -> bool:
    """Whether the Accept header asks for APIGroupDiscoveryList v2."""
    return any(
        "as=APIGroupDiscoveryList" in part and "v=v2" in part and "v=v2beta1" not in part
        for part in accept.split(",")
    )


def _aggregated_resource(rtype: ResourceType) -> dict[str, Any]:
    kind = {"group": rtype.group, "version": rtype.version, "kind": rtype.kind}
    entry: dict[str, Any] = {
        "resource": rtype.plural,
        "responseKind": kind,
        "scope": "Namespaced" if rtype.namespaced else "Cluster",
        "singularResource": rtype.singular,
        "verbs": _VERBS,
    }
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    subresources = []
    if rtype.has_status:
        subresources.append({"subresource": "status", "responseKind": kind, "verbs": _STATUS_VERBS})
    if rtype.group_resource in SCALABLE:
        scale_kind = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
        subresources.append(
            {"subresource": "scale", "responseKind": scale_kind, "verbs": _STATUS_VERBS}
        )
    if subresources:
        entry["subresources"] = subresources
    return entry


def aggregated(registry: Registry, core: bool) -> dict[str, Any]:
    """The aggregated discovery document of /api (``core``) or /apis."""
    items = []
    for group, versions in registry.groups().items():
        if bool(group) == core:
            continue
        listed = [
            {
                "version": version,
                "resources": [
                    _aggregated_resource(t)
                    for t in registry
                    if (t.group, t.version) == (group, version)
                ],
                "freshness": "Current",
            }
            for version in versions
        ]
        items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": listed})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }
