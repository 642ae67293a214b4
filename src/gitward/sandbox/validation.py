"""The minimal validation a real API server would also do, reported as ``Invalid`` causes.

Names must be DNS-1123 (labels for namespaces and services, subdomains otherwise), workload
selectors must exist and match their template's labels, every container needs a name and an
image, label values must be well formed. Anything else is accepted as the server stores it.
This module must not change objects.
"""

from __future__ import annotations

import re
from typing import Any

from gitward.sandbox import selectors
from gitward.sandbox.kinds import ResourceType

__all__ = ["Cause", "validate"]

Cause = tuple[str, str, str]  # (reason, field, message)

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAMES = {"Namespace", "Service"}
_SELECTED_WORKLOADS = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _name_causes(rtype: ResourceType, name: str) -> list[Cause]:
    if not name:
        return [("FieldValueRequired", "metadata.name", "Required value: name or generateName")]
    if rtype.builtin and rtype.kind in _LABEL_NAMES:
        if len(name) > 63 or not _LABEL.match(name):
            return [
                (
                    "FieldValueInvalid",
                    "metadata.name",
                    f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of lower '
                    "case alphanumeric characters or '-', and must start and end with an "
                    "alphanumeric character",
                )
            ]
    elif len(name) > 253 or not _SUBDOMAIN.match(name):
        return [
            (
                "FieldValueInvalid",
                "metadata.name",
                f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower '
                "case alphanumeric characters, '-' or '.', and must start and end with an "
                "alphanumeric character",
            )
        ]
    return []


def _label_causes(labels: Any, field: str) -> list[Cause]:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [("FieldValueInvalid", field, "Invalid value: labels must be a map of strings")]
    return [
        ("FieldValueInvalid", f"{field}", f'Invalid value: "{value}": a valid label value')
        for value in labels.values()
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value)
    ]


def _container_causes(pod_spec: Any, field: str) -> list[Cause]:
    if not isinstance(pod_spec, dict):
        return [("FieldValueRequired", field, "Required value")]
    containers = pod_spec.get("containers")
    if not isinstance(containers, list) or not containers:
        return [("FieldValueRequired", f"{field}.containers", "Required value")]
    causes: list[Cause] = []
    for key in ("initContainers", "containers"):
        for index, container in enumerate(pod_spec.get(key) or []):
            where = f"{field}.{key}[{index}]"
            if not isinstance(container, dict) or not container.get("name"):
                causes.append(("FieldValueRequired", f"{where}.name", "Required value"))
            if not isinstance(container, dict) or not str(container.get("image", "")).strip():
                causes.append(("FieldValueRequired", f"{where}.image", "Required value"))
    return causes


def _workload_causes(spec: dict[str, Any]) -> list[Cause]:
    selector = spec.get("selector")
    template = _as_dict(spec.get("template"))
    labels = _as_dict(template.get("metadata")).get("labels") or {}
    causes: list[Cause] = []
    if not isinstance(selector, dict) or not (
        selector.get("matchLabels") or selector.get("matchExpressions")
    ):
        causes.append(("FieldValueRequired", "spec.selector", "Required value"))
    elif not selectors.matches_label_selector_object(selector, labels):
        causes.append(
            (
                "FieldValueInvalid",
                "spec.template.metadata.labels",
                f"Invalid value: {labels!r}: `selector` does not match template `labels`",
            )
        )
    return causes + _container_causes(template.get("spec"), "spec.template.spec")


def _crd_causes(obj: dict[str, Any], spec: dict[str, Any]) -> list[Cause]:
    names = _as_dict(spec.get("names"))
    group, plural = spec.get("group") or "", names.get("plural") or ""
    causes: list[Cause] = [
        ("FieldValueRequired", f"spec.{field}", "Required value")
        for field, value in (
            ("group", group),
            ("names.plural", plural),
            ("names.kind", names.get("kind")),
        )
        if not value
    ]
    versions = spec.get("versions") or []
    if not versions:
        causes.append(("FieldValueRequired", "spec.versions", "Required value"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            (
                "FieldValueInvalid",
                "spec.versions",
                "Invalid value: must have exactly one version marked as storage version",
            )
        )
    for index, version in enumerate(versions):
        if not version.get("name"):
            causes.append(("FieldValueRequired", f"spec.versions[{index}].name", "Required value"))
    name = str(_as_dict(obj.get("metadata")).get("name") or "")
    if group and plural and name != f"{plural}.{group}":
        causes.append(
            (
                "FieldValueInvalid",
                "metadata.name",
                f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
            )
        )
    if spec.get("scope", "Namespaced") not in ("Namespaced", "Cluster"):
        causes.append(("FieldValueNotSupported", "spec.scope", "Unsupported value"))
    return causes


def _spec_causes(rtype: ResourceType, obj: dict[str, Any]) -> list[Cause]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    if rtype.kind == "CustomResourceDefinition":
        return _crd_causes(obj, spec)
    if rtype.kind in _SELECTED_WORKLOADS:
        return _workload_causes(spec)
    if rtype.kind == "Pod":
        return _container_causes(spec, "spec")
    if rtype.kind == "Job":
        return _container_causes(_as_dict(spec.get("template")).get("spec"), "spec.template.spec")
    return []


def validate(rtype: ResourceType, obj: dict[str, Any]) -> list[Cause]:
    """Every problem with ``obj``; empty when it may be stored."""
    meta = _as_dict(obj.get("metadata"))
    causes = _name_causes(rtype, str(meta.get("name") or ""))
    causes += _label_causes(meta.get("labels"), "metadata.labels")
    if rtype.builtin:
        causes += _spec_causes(rtype, obj)
    return causes
