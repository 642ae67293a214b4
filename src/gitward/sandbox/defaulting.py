"""Server-side defaults, so live objects differ from manifests the way real ones do.

A real API server fills ``replicas: 1``, ``imagePullPolicy``, a Service's ``clusterIP`` and much
more; a diff engine tested only against objects without them would be tested against a cluster
that does not exist. Only the common defaults are here. Defaults never overwrite a value that is
set, and a Service keeps the clusterIP it was given. This module must not validate.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from typing import Any

from gitward.sandbox.objects import clone

__all__ = ["apply_defaults", "carry_over"]

_cluster_ips = itertools.count(1)
_node_ports = itertools.count(30000)


def _set(obj: dict[str, Any], key: str, value: Any) -> None:
    if key not in obj:
        obj[key] = value


def _container(container: dict[str, Any]) -> None:
    image = str(container.get("image", ""))
    tag = image.rsplit("/", 1)[-1]
    latest = "@" not in tag and (":" not in tag or tag.endswith(":latest"))
    _set(container, "imagePullPolicy", "Always" if latest else "IfNotPresent")
    _set(container, "terminationMessagePath", "/dev/termination-log")
    _set(container, "terminationMessagePolicy", "File")
    _set(container, "resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            _set(port, "protocol", "TCP")


def _pod_spec(spec: dict[str, Any], restart: str = "Always") -> None:
    _set(spec, "restartPolicy", restart)
    _set(spec, "dnsPolicy", "ClusterFirst")
    _set(spec, "schedulerName", "default-scheduler")
    _set(spec, "securityContext", {})
    _set(spec, "terminationGracePeriodSeconds", 30)
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                _container(container)


def _template(spec: dict[str, Any], restart: str = "Always") -> None:
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        _pod_spec(template["spec"], restart)


def _deployment(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "replicas", 1)
    _set(spec, "revisionHistoryLimit", 10)
    _set(spec, "progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        _set(rolling, "maxSurge", "25%")
        _set(rolling, "maxUnavailable", "25%")
    _template(spec)


def _statefulset(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "replicas", 1)
    _set(spec, "revisionHistoryLimit", 10)
    _set(spec, "podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _set(strategy, "rollingUpdate", {"partition": 0})
    _template(spec)


def _daemonset(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "revisionHistoryLimit", 10)
    strategy = spec.setdefault("updateStrategy", {})
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _set(strategy, "rollingUpdate", {"maxSurge": 0, "maxUnavailable": 1})
    _template(spec)


def _replicaset(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "replicas", 1)
    _template(spec)


def _job(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "backoffLimit", 6)
    _set(spec, "completions", 1)
    _set(spec, "parallelism", 1)
    _set(spec, "completionMode", "NonIndexed")
    _set(spec, "suspend", False)
    uid = str((obj.get("metadata") or {}).get("uid", ""))
    name = str((obj.get("metadata") or {}).get("name", ""))
    if uid and not spec.get("manualSelector"):
        ids = {"batch.kubernetes.io/controller-uid": uid}
        _set(spec, "selector", {"matchLabels": dict(ids)})
        template = spec.setdefault("template", {})
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        for key, value in {**ids, "batch.kubernetes.io/job-name": name}.items():
            _set(labels, key, value)
    _template(spec, "Never")


def _cronjob(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "concurrencyPolicy", "Allow")
    _set(spec, "suspend", False)
    _set(spec, "successfulJobsHistoryLimit", 3)
    _set(spec, "failedJobsHistoryLimit", 1)
    job_spec = (spec.get("jobTemplate") or {}).get("spec")
    if isinstance(job_spec, dict):
        _set(job_spec, "backoffLimit", 6)
        _template(job_spec, "Never")


def _service(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "type", "ClusterIP")
    _set(spec, "sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        if "clusterIP" not in spec:
            n = next(_cluster_ips)
            spec["clusterIP"] = f"10.96.{n // 250 % 250}.{n % 250 + 1}"
        _set(spec, "clusterIPs", [spec["clusterIP"]])
        _set(spec, "ipFamilies", ["IPv4"])
        _set(spec, "ipFamilyPolicy", "SingleStack")
        _set(spec, "internalTrafficPolicy", "Cluster")
    external = spec["type"] in ("NodePort", "LoadBalancer")
    if external:
        _set(spec, "externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        _set(spec, "allocateLoadBalancerNodePorts", True)
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            _set(port, "protocol", "TCP")
            _set(port, "targetPort", port.get("port"))
            if external:
                _set(port, "nodePort", next(_node_ports))


def _pod(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _pod_spec(spec)
    _set(obj, "status", {"phase": "Pending", "qosClass": "BestEffort"})


def _secret(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    """``stringData`` is write-only: the server merges it into ``data`` as base64."""
    _set(obj, "type", "Opaque")
    plain = obj.pop("stringData", None)
    if isinstance(plain, dict) and plain:
        current = obj.get("data")
        data: dict[str, Any] = current if isinstance(current, dict) else {}
        for key, value in plain.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data


def _pvc(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "volumeMode", "Filesystem")
    _set(obj, "status", {"phase": "Pending"})


def _namespace(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    _set(spec, "finalizers", ["kubernetes"])
    _set(obj, "status", {"phase": "Active"})


_BY_KIND: dict[tuple[str, str], Callable[[dict[str, Any], dict[str, Any]], None]] = {
    ("apps", "Deployment"): _deployment,
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _daemonset,
    ("apps", "ReplicaSet"): _replicaset,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cronjob,
    ("", "Service"): _service,
    ("", "Pod"): _pod,
    ("", "Secret"): _secret,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "Namespace"): _namespace,
}

_NO_SPEC = {("", "Secret")}


def apply_defaults(group: str, kind: str, obj: dict[str, Any]) -> None:
    """Fill server defaults into ``obj`` in place (built-in kinds only)."""
    fill = _BY_KIND.get((group, kind))
    if fill is None:
        return
    if (group, kind) in _NO_SPEC:
        fill(obj, {})
        return
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        fill(obj, spec)


def carry_over(group: str, kind: str, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """Keep what the server allocated (a Service's cluster IPs and node ports) when a write
    leaves it out, as the real server does."""
    if old is None or (group, kind) != ("", "Service"):
        return
    old_spec, new_spec = old.get("spec") or {}, new.get("spec")
    if not isinstance(new_spec, dict):
        return
    for key in ("clusterIP", "clusterIPs"):
        if key in old_spec and key not in new_spec:
            new_spec[key] = clone(old_spec[key])
    old_ports = {p.get("port"): p for p in old_spec.get("ports") or [] if isinstance(p, dict)}
    for port in new_spec.get("ports") or []:
        if isinstance(port, dict) and "nodePort" not in port:
            previous = old_ports.get(port.get("port"), {})
            if "nodePort" in previous:
                port["nodePort"] = previous["nodePort"]
