"""The OpenAPI v3 documents, as far as clients need them: an index of group versions and, per
group version, the paths with their PATCH operations and query parameters.

kubectl asks for them to learn that the server validates fields itself (the ``fieldValidation``
parameter of a kind's PATCH operation) and then leaves validation to the server, so no schemas
are served. This module must not serve objects.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gitward.sandbox.kinds import Registry, ResourceType

__all__ = ["group_version_document", "index"]

_PARAMETERS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")


def _path_key(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _hash(group: str, version: str, registry: Registry) -> str:
    kinds = ",".join(t.kind for t in registry if (t.group, t.version) == (group, version))
    return hashlib.sha256(f"{group}/{version}:{kinds}".encode()).hexdigest()[:32].upper()


def index(registry: Registry) -> dict[str, Any]:
    """``/openapi/v3``: where each group version's document is."""
    paths = {}
    for group, versions in registry.groups().items():
        for version in versions:
            key = _path_key(group, version)
            paths[key] = {
                "serverRelativeURL": f"/openapi/v3/{key}?hash={_hash(group, version, registry)}"
            }
    return {"paths": paths}


def _operations(rtype: ResourceType) -> dict[str, Any]:
    prefix = f"/{_path_key(rtype.group, rtype.version)}"
    scope = "/namespaces/{namespace}" if rtype.namespaced else ""
    gvk = {"group": rtype.group, "version": rtype.version, "kind": rtype.kind}
    parameters = [
        {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
        for name in _PARAMETERS
    ]
    item = {
        "patch": {
            "operationId": f"patch{rtype.kind}",
            "parameters": parameters,
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
            "responses": {"200": {"description": "OK"}},
        }
    }
    return {f"{prefix}{scope}/{rtype.plural}/{{name}}": item}


def group_version_document(registry: Registry, path: str) -> dict[str, Any] | None:
    """``/openapi/v3/apis/apps/v1`` and the like; None for an unknown group version."""
    parts = path.strip("/").split("/")
    if parts[:1] == ["api"] and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[:1] == ["apis"] and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        return None
    served = [t for t in registry if (t.group, t.version) == (group, version)]
    if not served:
        return None
    paths: dict[str, Any] = {}
    for rtype in served:
        paths.update(_operations(rtype))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.35.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }
