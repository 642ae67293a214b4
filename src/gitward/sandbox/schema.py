"""How lists merge: the few schema facts that server-side apply and strategic merge need.

Real Kubernetes reads these from its OpenAPI schema (``x-kubernetes-list-type``,
``patchMergeKey``). The sandbox keeps a small table keyed by the field name and its parent's
name, which is enough to tell container ports (keyed by ``containerPort``) from Service ports
(keyed by ``port``). Every list not named here is atomic: replaced whole. This module must not
touch objects; it only answers questions about field paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ListRule", "list_rule"]


@dataclass(frozen=True, slots=True)
class ListRule:
    """``kind`` is "map" (items keyed by ``keys``), "set" (scalar items) or "atomic".

    ``patch_key`` is the strategic-merge-patch key (one field), ``defaults`` fills key fields
    that the server would default (a port's protocol) so that keys compare equal.
    """

    kind: str
    keys: tuple[str, ...] = ()
    patch_key: str = ""
    defaults: tuple[tuple[str, Any], ...] = ()

    def key_of(self, item: Any) -> dict[str, Any] | None:
        """The identifying fields of a list item, or None when it has none."""
        if not isinstance(item, dict):
            return None
        found = {k: item[k] for k in self.keys if k in item}
        for key, value in self.defaults:
            if key in self.keys and key not in found and found:
                found[key] = value
        return found or None


ATOMIC = ListRule("atomic")
_TCP = (("protocol", "TCP"),)
_BY_NAME = ListRule("map", ("name",), "name")

# (parent field, field) or ("*", field) -> rule; a parent of "*" matches any parent.
_RULES: dict[tuple[str, str], ListRule] = {
    ("*", "containers"): _BY_NAME,
    ("*", "initContainers"): _BY_NAME,
    ("*", "ephemeralContainers"): _BY_NAME,
    ("*", "volumes"): _BY_NAME,
    ("*", "env"): _BY_NAME,
    ("*", "imagePullSecrets"): _BY_NAME,
    ("*", "resourceClaims"): _BY_NAME,
    ("*", "volumeMounts"): ListRule("map", ("mountPath",), "mountPath"),
    ("*", "volumeDevices"): ListRule("map", ("devicePath",), "devicePath"),
    ("*", "hostAliases"): ListRule("map", ("ip",), "ip"),
    ("containers", "ports"): ListRule("map", ("containerPort", "protocol"), "containerPort", _TCP),
    ("initContainers", "ports"): ListRule(
        "map", ("containerPort", "protocol"), "containerPort", _TCP
    ),
    ("spec", "ports"): ListRule("map", ("port", "protocol"), "port", _TCP),
    ("metadata", "ownerReferences"): ListRule("map", ("uid",), "uid"),
    ("metadata", "finalizers"): ListRule("set", patch_key="$set"),
    ("status", "conditions"): ListRule("map", ("type",), "type"),
}

# Lists under these top-level fields of a kind are atomic even when a rule above matches.
_ATOMIC_PARENTS = {"ingress", "egress", "rules", "subjects"}


def list_rule(names: tuple[str, ...]) -> ListRule:
    """The rule for the list at field path ``names`` (field names only, no indexes)."""
    if not names:
        return ATOMIC
    field = names[-1]
    parent = names[-2] if len(names) > 1 else ""
    if parent in _ATOMIC_PARENTS:
        return ATOMIC
    if parent == "spec" and field == "ports" and len(names) > 2:
        return ATOMIC
    return _RULES.get((parent, field)) or _RULES.get(("*", field)) or ATOMIC
