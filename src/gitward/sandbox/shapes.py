"""Type checks a real API server gets from decoding into Go structs: ``metadata.name`` is a
string, ``spec.replicas`` an integer, ``containers`` a list of objects.

A body of the wrong shape is a 400 naming the field, exactly where the real server would fail to
decode it, so that nothing downstream (defaulting, controllers) ever sees it. Only the fields the
sandbox itself reads are checked, plus a Secret's ``data`` values, which must be base64 as they
decode into bytes (the answer names the key, never the value). This module must not change
objects.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.status import bad_request

__all__ = ["check_shape"]

_OBJECT, _LIST, _STRING, _INT, _STRING_MAP, _STRING_LIST = (
    "object",
    "array",
    "string",
    "integer",
    "map of strings",
    "list of strings",
)

# Field path (``*`` for every list item) -> expected JSON type.
_METADATA: dict[str, str] = {
    "metadata": _OBJECT,
    "metadata.name": _STRING,
    "metadata.namespace": _STRING,
    "metadata.generateName": _STRING,
    "metadata.resourceVersion": _STRING,
    "metadata.labels": _STRING_MAP,
    "metadata.annotations": _STRING_MAP,
    "metadata.finalizers": _STRING_LIST,
    "metadata.ownerReferences": _LIST,
    "metadata.ownerReferences.*": _OBJECT,
    "metadata.ownerReferences.*.uid": _STRING,
    "metadata.ownerReferences.*.name": _STRING,
    "metadata.ownerReferences.*.kind": _STRING,
    "metadata.managedFields": _LIST,
    "metadata.managedFields.*": _OBJECT,
    "metadata.managedFields.*.fieldsV1": _OBJECT,
}

_POD_SPEC = {
    "containers": _LIST,
    "containers.*": _OBJECT,
    "containers.*.name": _STRING,
    "containers.*.image": _STRING,
    "containers.*.ports": _LIST,
    "containers.*.ports.*": _OBJECT,
    "containers.*.env": _LIST,
    "containers.*.env.*": _OBJECT,
    "initContainers": _LIST,
    "initContainers.*": _OBJECT,
    "volumes": _LIST,
    "volumes.*": _OBJECT,
    "nodeName": _STRING,
    "restartPolicy": _STRING,
}


def _template(prefix: str) -> dict[str, str]:
    found = {prefix: _OBJECT, f"{prefix}.metadata": _OBJECT, f"{prefix}.spec": _OBJECT}
    found.update({f"{prefix}.metadata.labels": _STRING_MAP})
    found.update({f"{prefix}.spec.{k}": v for k, v in _POD_SPEC.items()})
    return found


_WORKLOAD = {
    "spec.replicas": _INT,
    "spec.selector": _OBJECT,
    "spec.selector.matchLabels": _STRING_MAP,
    "spec.selector.matchExpressions": _LIST,
    "spec.progressDeadlineSeconds": _INT,
    "spec.revisionHistoryLimit": _INT,
    "spec.minReadySeconds": _INT,
    "spec.strategy": _OBJECT,
    "spec.updateStrategy": _OBJECT,
    "spec.volumeClaimTemplates": _LIST,
    "spec.volumeClaimTemplates.*": _OBJECT,
    "spec.volumeClaimTemplates.*.metadata": _OBJECT,
    "spec.volumeClaimTemplates.*.metadata.name": _STRING,
    **_template("spec.template"),
}

_BY_KIND: dict[str, dict[str, str]] = {
    "Deployment": _WORKLOAD,
    "ReplicaSet": _WORKLOAD,
    "StatefulSet": _WORKLOAD,
    "DaemonSet": _WORKLOAD,
    "Job": {
        "spec.completions": _INT,
        "spec.parallelism": _INT,
        "spec.backoffLimit": _INT,
        **_template("spec.template"),
    },
    "CronJob": {"spec.jobTemplate": _OBJECT, "spec.jobTemplate.spec": _OBJECT},
    "Pod": {f"spec.{k}": v for k, v in _POD_SPEC.items()},
    "Service": {"spec.type": _STRING, "spec.ports": _LIST, "spec.ports.*": _OBJECT},
    "Namespace": {"spec.finalizers": _STRING_LIST},
    "ConfigMap": {"data": _STRING_MAP, "binaryData": _STRING_MAP},
    "Secret": {"data": _STRING_MAP, "stringData": _STRING_MAP, "type": _STRING},
    "PersistentVolumeClaim": {"spec.resources": _OBJECT, "spec.accessModes": _STRING_LIST},
    "HorizontalPodAutoscaler": {"spec.minReplicas": _INT},
    "CustomResourceDefinition": {
        "spec.group": _STRING,
        "spec.names": _OBJECT,
        "spec.names.kind": _STRING,
        "spec.names.plural": _STRING,
        "spec.names.shortNames": _STRING_LIST,
        "spec.names.categories": _STRING_LIST,
        "spec.scope": _STRING,
        "spec.versions": _LIST,
        "spec.versions.*": _OBJECT,
        "spec.versions.*.name": _STRING,
        "spec.versions.*.subresources": _OBJECT,
        "spec.versions.*.additionalPrinterColumns": _LIST,
    },
}


def _fits(value: Any, expected: str) -> bool:
    if expected == _OBJECT:
        return isinstance(value, dict)
    if expected == _LIST:
        return isinstance(value, list)
    if expected == _STRING:
        return isinstance(value, str)
    if expected == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == _STRING_MAP:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _values(obj: Any, parts: list[str], trail: str) -> list[tuple[str, Any]]:
    """Every (path, value) that a pattern's ``parts`` reach in ``obj``."""
    if not parts:
        return [(trail, obj)]
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(obj, list):
            return []
        found = []
        for index, item in enumerate(obj):
            found += _values(item, rest, f"{trail}[{index}]")
        return found
    if not isinstance(obj, dict) or head not in obj or obj[head] is None:
        return []
    return _values(obj[head], rest, f"{trail}.{head}" if trail else head)


def check_shape(rtype: ResourceType, obj: dict[str, Any]) -> None:
    """Raise a 400 for the first field of ``obj`` whose JSON type is wrong."""
    kind = rtype.kind
    rules = dict(_METADATA)
    if rtype.builtin:
        rules.update({"spec": _OBJECT, "status": _OBJECT, **_BY_KIND.get(kind, {})})
    for pattern, expected in rules.items():
        for path, value in _values(obj, pattern.split("."), ""):
            if not _fits(value, expected):
                shown = type(value).__name__.replace("str", "string").replace("dict", "object")
                raise bad_request(
                    f'{kind} in version "{rtype.version}" cannot be handled as a {kind}: json: '
                    f"cannot unmarshal {shown} into field {path} of type {expected}"
                )
    if rtype.builtin and kind == "Secret":
        _check_base64(rtype, obj.get("data"))


def _check_base64(rtype: ResourceType, data: Any) -> None:
    """Secret ``data`` decodes as Go's base64.StdEncoding: padded, line breaks ignored."""
    for key, value in (data or {}).items():
        try:
            base64.b64decode(str(value).replace("\r", "").replace("\n", ""), validate=True)
        except (binascii.Error, ValueError):
            raise bad_request(
                f'Secret in version "{rtype.version}" cannot be handled as a Secret: illegal '
                f"base64 data in field data.{key}"
            ) from None
