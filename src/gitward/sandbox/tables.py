"""``Table`` responses (``Accept: application/json;as=Table;g=meta.k8s.io;v=v1``), which is what
``kubectl get`` prints.

Columns are per kind for the workloads people look at, Name and Age otherwise, plus a CRD's
``additionalPrinterColumns`` when they are simple ``.status.x``/``.spec.x`` paths. This module
must not read the store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gitward.sandbox.kinds import ResourceType

__all__ = ["table", "wants_table"]

Cells = Callable[[dict[str, Any]], list[Any]]


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def _age(obj: dict[str, Any]) -> str:
    created = (obj.get("metadata") or {}).get("creationTimestamp")
    if not created:
        return "<unknown>"
    then = datetime.strptime(str(created), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return _span(int((datetime.now(UTC) - then).total_seconds()))


def _get(obj: dict[str, Any], dotted: str, default: Any = "") -> Any:
    node: Any = obj
    for part in dotted.strip(".").split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return default if node is None else node


def _deployment(obj: dict[str, Any]) -> list[Any]:
    spec_replicas = _get(obj, "spec.replicas", 0)
    ready = _get(obj, "status.readyReplicas", 0)
    return [
        f"{ready}/{spec_replicas}",
        _get(obj, "status.updatedReplicas", 0),
        _get(obj, "status.availableReplicas", 0),
    ]


def _pod(obj: dict[str, Any]) -> list[Any]:
    statuses = _get(obj, "status.containerStatuses", [])
    total = len(_get(obj, "spec.containers", []))
    ready = sum(1 for s in statuses if s.get("ready"))
    reason = _get(obj, "status.phase", "Pending")
    for status in statuses:
        waiting = (status.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
    if _get(obj, "metadata.deletionTimestamp"):
        reason = "Terminating"
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    return [f"{ready}/{total}", reason, restarts]


def _job_status(obj: dict[str, Any]) -> str:
    """kubectl's STATUS of a Job: its finishing condition, else Suspended or Running."""
    if _get(obj, "metadata.deletionTimestamp"):
        return "Terminating"
    held = {
        c.get("type")
        for c in _get(obj, "status.conditions", [])
        if isinstance(c, dict) and c.get("status") == "True"
    }
    for kind in ("Failed", "Complete", "Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if kind in held:
            return kind
    return "Running"


def _seconds(stamp: Any) -> float | None:
    if not stamp:
        return None
    return datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def _duration(obj: dict[str, Any]) -> str:
    start = _seconds(_get(obj, "status.startTime"))
    if start is None:
        return ""
    end = _seconds(_get(obj, "status.completionTime")) or datetime.now(UTC).timestamp()
    return _span(int(end - start))


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _job(obj: dict[str, Any]) -> list[Any]:
    done, wanted = _get(obj, "status.succeeded", 0), _get(obj, "spec.completions", 1)
    return [_job_status(obj), f"{done}/{wanted}", _duration(obj)]


def _ports(obj: dict[str, Any]) -> str:
    shown = []
    for port in _get(obj, "spec.ports", []):
        node = f":{port['nodePort']}" if port.get("nodePort") else ""
        shown.append(f"{port.get('port')}{node}/{port.get('protocol', 'TCP')}")
    return ",".join(shown) or "<none>"


def _service(obj: dict[str, Any]) -> list[Any]:
    ingress = _get(obj, "status.loadBalancer.ingress", [])
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress)
    if not external:
        external = "<pending>" if _get(obj, "spec.type") == "LoadBalancer" else "<none>"
    return [_get(obj, "spec.type"), _get(obj, "spec.clusterIP") or "<none>", external, _ports(obj)]


def _hpa(obj: dict[str, Any]) -> list[Any]:
    ref = _get(obj, "spec.scaleTargetRef", {})
    return [
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        "<unknown>",
        _get(obj, "spec.minReplicas", 1),
        _get(obj, "spec.maxReplicas", 0),
        _get(obj, "status.currentReplicas", 0),
    ]


def _ingress(obj: dict[str, Any]) -> list[Any]:
    hosts = [str(r.get("host") or "*") for r in _get(obj, "spec.rules", [])]
    addresses = [
        i.get("ip") or i.get("hostname", "") for i in _get(obj, "status.loadBalancer.ingress", [])
    ]
    ports = "80, 443" if _get(obj, "spec.tls", []) else "80"
    return [
        _get(obj, "spec.ingressClassName") or "<none>",
        ",".join(hosts) or "*",
        ",".join(addresses),
        ports,
    ]


def _cronjob(obj: dict[str, Any]) -> list[Any]:
    last = _get(obj, "status.lastScheduleTime")
    return [
        _get(obj, "spec.schedule"),
        _get(obj, "spec.timeZone") or "<none>",
        str(bool(_get(obj, "spec.suspend", False))),
        len(_get(obj, "status.active", [])),
        _age({"metadata": {"creationTimestamp": last}}) if last else "<none>",
    ]


def _node(obj: dict[str, Any]) -> list[Any]:
    ready: dict[str, Any] = next(
        (c for c in _get(obj, "status.conditions", []) if c.get("type") == "Ready"), {}
    )
    status = "Ready" if ready.get("status") == "True" else "NotReady"
    if _get(obj, "spec.unschedulable", False):
        status += ",SchedulingDisabled"
    return [status, "<none>", _age(obj), _get(obj, "status.nodeInfo.kubeletVersion")]


def _daemonset(obj: dict[str, Any]) -> list[Any]:
    selector = _get(obj, "spec.template.spec.nodeSelector", {})
    shown = ",".join(f"{k}={v}" for k, v in selector.items()) or "<none>"
    counts = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady")
    updated = ("updatedNumberScheduled", "numberAvailable")
    return [*(_get(obj, f"status.{c}", 0) for c in (*counts, *updated)), shown]


def _claim(obj: dict[str, Any]) -> list[Any]:
    return [
        _get(obj, "status.phase", "Pending"),
        _get(obj, "spec.volumeName"),
        _get(obj, "status.capacity.storage"),
        ",".join(_ACCESS.get(m, m) for m in _get(obj, "status.accessModes", [])),
        _get(obj, "spec.storageClassName") or "<unset>",
        "<unset>",
    ]


_ACCESS = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}


def _quota(obj: dict[str, Any]) -> list[Any]:
    hard, used = _get(obj, "status.hard", {}), _get(obj, "status.used", {})
    shown: dict[str, list[str]] = {"requests": [], "limits": []}
    for key in sorted(hard):
        side = "limits" if key.startswith("limits.") else "requests"
        shown[side].append(f"{key}: {used.get(key, 0)}/{hard[key]}")
    return [_age(obj), ", ".join(shown["requests"]), ", ".join(shown["limits"])]


_COLUMNS: dict[str, tuple[list[str], Cells]] = {
    "Deployment": (["Ready", "Up-to-date", "Available"], _deployment),
    "Pod": (["Ready", "Status", "Restarts"], _pod),
    "Namespace": (["Status"], lambda o: [_get(o, "status.phase")]),
    "Job": (["Status", "Completions", "Duration"], _job),
    "StatefulSet": (
        ["Ready"],
        lambda o: [f"{_get(o, 'status.readyReplicas', 0)}/{_get(o, 'spec.replicas', 1)}"],
    ),
    "ReplicaSet": (
        ["Desired", "Current", "Ready"],
        lambda o: [
            _get(o, "spec.replicas", 1),
            _get(o, "status.replicas", 0),
            _get(o, "status.readyReplicas", 0),
        ],
    ),
    "Secret": (
        ["Type", "Data"],
        lambda o: [_get(o, "type", "Opaque"), len(_get(o, "data", {}))],
    ),
    "ConfigMap": (
        ["Data"],
        lambda o: [len(_get(o, "data", {})) + len(_get(o, "binaryData", {}))],
    ),
    "Service": (["Type", "Cluster-IP", "External-IP", "Port(s)"], _service),
    "Ingress": (["Class", "Hosts", "Address", "Ports"], _ingress),
    "CronJob": (["Schedule", "Timezone", "Suspend", "Active", "Last Schedule"], _cronjob),
    "Node": (["Status", "Roles", "Age", "Version"], _node),
    "DaemonSet": (
        ["Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector"],
        _daemonset,
    ),
    "PersistentVolumeClaim": (
        ["Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass"],
        _claim,
    ),
    "ResourceQuota": (["Age", "Request", "Limit"], _quota),
    "ServiceAccount": (["Secrets"], lambda o: [len(_get(o, "secrets", []))]),
    "HorizontalPodAutoscaler": (
        ["Reference", "Targets", "MinPods", "MaxPods", "Replicas"],
        _hpa,
    ),
}


def _columns(rtype: ResourceType) -> tuple[list[str], Cells]:
    if rtype.builtin:
        return _COLUMNS.get(rtype.kind, ([], lambda o: []))
    printable = [c for c in rtype.printer_columns if str(c.get("jsonPath", "")).count("[") == 0]
    printable = [c for c in printable if c.get("jsonPath") != ".metadata.creationTimestamp"]
    names = [str(c.get("name", "")) for c in printable]
    return names, lambda o: [_get(o, str(c["jsonPath"])) for c in printable]


def _partial(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def _event(obj: dict[str, Any]) -> list[Any]:
    """Last Seen, Type, Reason, Object, Message, then Name (shown only with -o wide)."""
    seen = _get(obj, "lastTimestamp") or _get(obj, "eventTime") or ""
    involved = _get(obj, "involvedObject", {})
    target = f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"
    when = _age({"metadata": {"creationTimestamp": seen}}) if seen else "<unknown>"
    cells = [when, _get(obj, "type"), _get(obj, "reason"), target, _get(obj, "message")]
    return [*cells, obj["metadata"]["name"]]


_EVENT_COLUMNS = ["Last Seen", "Type", "Reason", "Object", "Message"]


def _framing(rtype: ResourceType) -> tuple[list[dict[str, Any]], Cells]:
    """Column definitions and the row function: Name, the kind's columns, Age (unless the kind
    places it); Events as kubectl shows them (no Name or Age among the default columns)."""
    if rtype.builtin and rtype.kind == "Event":
        definitions = [_column(n) for n in _EVENT_COLUMNS]
        definitions.append({**_column("Name"), "format": "name", "priority": 1})
        return definitions, _event
    names, cells = _columns(rtype)
    definitions = [{**_column("Name"), "format": "name"}, *(_column(n) for n in names)]
    if "Age" in names:  # the kind places Age itself (nodes, quotas), as kubectl shows them
        return definitions, lambda obj: [obj["metadata"]["name"], *cells(obj)]
    definitions.append(_column("Age"))
    return definitions, lambda obj: [obj["metadata"]["name"], *cells(obj), _age(obj)]


def _column(name: str) -> dict[str, Any]:
    return {"name": name, "type": "string", "format": "", "priority": 0}


def table(
    rtype: ResourceType, objects: list[dict[str, Any]], resource_version: str, whole: bool
) -> dict[str, Any]:
    """A ``meta.k8s.io/v1`` Table of ``objects`` (``whole``: rows carry full objects)."""
    definitions, cells = _framing(rtype)
    rows = [{"cells": cells(obj), "object": obj if whole else _partial(obj)} for obj in objects]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": definitions,
        "rows": rows,
    }
