"""Values the API server fills in that Git never wrote, so they are not drift.

A live Deployment carries ``revisionHistoryLimit: 10``, ``imagePullPolicy: IfNotPresent`` and a
dozen more fields its manifest never set. :func:`prune_defaults` removes such a field from the
live object when it holds the server's default *and* the desired object does not set it. A field
the desired object sets is always compared; a live field holding a non-default value is left for
the comparison to judge (a field removed from Git is drift unless the server would put the same
value back).

The table is data: one :class:`Default` per field, with a path pattern in which ``"[]"`` stands
for every element of a list (elements are paired with the desired object's by merge key).
Pure: no I/O, and it must not guess at custom resources it knows nothing about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from gitward.diff import lists

__all__ = ["ANY", "Default", "defaults_for", "prune_defaults"]

ANY: Final = object()
"""A default the server picks per object (``clusterIP``, a generated selector): any value."""

_NONE: Final = object()

EACH: Final = "[]"


@dataclass(frozen=True, slots=True)
class Default:
    """A field at ``path`` that the server sets to ``value`` (or ``value(parent)``) when absent."""

    path: tuple[str, ...]
    value: Any


def _image_pull_policy(container: dict[str, Any]) -> str:
    image = str(container.get("image", ""))
    if "@" in image:
        return "IfNotPresent"
    name = image.rsplit("/", 1)[-1]
    tag = name.partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _target_port(port: dict[str, Any]) -> Any:
    return port.get("port")


def _service_account(spec: dict[str, Any]) -> Any:
    return spec.get("serviceAccountName", ANY)


def _under(prefix: tuple[str, ...], defaults: Sequence[Default]) -> tuple[Default, ...]:
    return tuple(Default(prefix + item.path, item.value) for item in defaults)


_PROBE: Final = (
    Default(("timeoutSeconds",), 1),
    Default(("periodSeconds",), 10),
    Default(("successThreshold",), 1),
    Default(("failureThreshold",), 3),
    Default(("httpGet", "scheme"), "HTTP"),
)
_LIFECYCLE: Final = (
    Default(("postStart", "httpGet", "scheme"), "HTTP"),
    Default(("preStop", "httpGet", "scheme"), "HTTP"),
)
_CONTAINER: Final = (
    Default(("imagePullPolicy",), _image_pull_policy),
    Default(("terminationMessagePath",), "/dev/termination-log"),
    Default(("terminationMessagePolicy",), "File"),
    Default(("ports", EACH, "protocol"), "TCP"),
    Default(("env", EACH, "valueFrom", "fieldRef", "apiVersion"), "v1"),
    *_under(("livenessProbe",), _PROBE),
    *_under(("readinessProbe",), _PROBE),
    *_under(("startupProbe",), _PROBE),
    *_under(("lifecycle",), _LIFECYCLE),
)
_POD_SPEC: Final = (
    Default(("restartPolicy",), "Always"),
    Default(("dnsPolicy",), "ClusterFirst"),
    Default(("schedulerName",), "default-scheduler"),
    Default(("terminationGracePeriodSeconds",), 30),
    Default(("serviceAccount",), _service_account),
    Default(("enableServiceLinks",), True),
    Default(("volumes", EACH, "configMap", "defaultMode"), 420),
    Default(("volumes", EACH, "secret", "defaultMode"), 420),
    Default(("volumes", EACH, "projected", "defaultMode"), 420),
    Default(("volumes", EACH, "downwardAPI", "defaultMode"), 420),
    Default(("volumes", EACH, "hostPath", "type"), ""),
    *_under(("containers", EACH), _CONTAINER),
    *_under(("initContainers", EACH), _CONTAINER),
    *_under(("ephemeralContainers", EACH), _CONTAINER),
)
_POD_TEMPLATE: Final = _under(("spec", "template", "spec"), _POD_SPEC)

_DEPLOYMENT: Final = (
    Default(("spec", "replicas"), 1),
    Default(("spec", "revisionHistoryLimit"), 10),
    Default(("spec", "progressDeadlineSeconds"), 600),
    Default(("spec", "strategy", "rollingUpdate", "maxSurge"), "25%"),
    Default(("spec", "strategy", "rollingUpdate", "maxUnavailable"), "25%"),
    Default(("spec", "strategy", "type"), "RollingUpdate"),
    *_POD_TEMPLATE,
)
_STATEFUL_SET: Final = (
    Default(("spec", "replicas"), 1),
    Default(("spec", "revisionHistoryLimit"), 10),
    Default(("spec", "podManagementPolicy"), "OrderedReady"),
    Default(("spec", "updateStrategy", "rollingUpdate", "partition"), 0),
    Default(("spec", "updateStrategy", "type"), "RollingUpdate"),
    Default(("spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"), "Retain"),
    Default(("spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"), "Retain"),
    Default(("spec", "volumeClaimTemplates", EACH, "apiVersion"), "v1"),
    Default(("spec", "volumeClaimTemplates", EACH, "kind"), "PersistentVolumeClaim"),
    Default(("spec", "volumeClaimTemplates", EACH, "spec", "volumeMode"), "Filesystem"),
    Default(("spec", "volumeClaimTemplates", EACH, "status"), ANY),
    *_POD_TEMPLATE,
)
_DAEMON_SET: Final = (
    Default(("spec", "revisionHistoryLimit"), 10),
    Default(("spec", "updateStrategy", "rollingUpdate", "maxUnavailable"), 1),
    Default(("spec", "updateStrategy", "rollingUpdate", "maxSurge"), 0),
    Default(("spec", "updateStrategy", "type"), "RollingUpdate"),
    *_POD_TEMPLATE,
)
_JOB_SPEC: Final = (
    Default(("backoffLimit",), 6),
    Default(("completions",), 1),
    Default(("parallelism",), 1),
    Default(("completionMode",), "NonIndexed"),
    Default(("suspend",), False),
    Default(("manualSelector",), False),
    Default(("podReplacementPolicy",), "TerminatingOrFailed"),
    Default(("selector",), ANY),
)
_JOB: Final = (*_under(("spec",), _JOB_SPEC), *_POD_TEMPLATE)
_CRON_JOB: Final = (
    Default(("spec", "concurrencyPolicy"), "Allow"),
    Default(("spec", "suspend"), False),
    Default(("spec", "successfulJobsHistoryLimit"), 3),
    Default(("spec", "failedJobsHistoryLimit"), 1),
    *_under(("spec", "jobTemplate", "spec", "template", "spec"), _POD_SPEC),
)
_SERVICE: Final = (
    Default(("spec", "type"), "ClusterIP"),
    Default(("spec", "sessionAffinity"), "None"),
    Default(("spec", "clusterIP"), ANY),
    Default(("spec", "clusterIPs"), ANY),
    Default(("spec", "ipFamilies"), ANY),
    Default(("spec", "ipFamilyPolicy"), ANY),
    Default(("spec", "internalTrafficPolicy"), "Cluster"),
    Default(("spec", "externalTrafficPolicy"), "Cluster"),
    Default(("spec", "allocateLoadBalancerNodePorts"), True),
    Default(("spec", "healthCheckNodePort"), ANY),
    Default(("spec", "ports", EACH, "protocol"), "TCP"),
    Default(("spec", "ports", EACH, "targetPort"), _target_port),
    Default(("spec", "ports", EACH, "nodePort"), ANY),
)
_PVC: Final = (
    Default(("spec", "volumeMode"), "Filesystem"),
    Default(("spec", "storageClassName"), ANY),
    Default(("spec", "volumeName"), ANY),
)

_TABLE: Final[dict[tuple[str, str], tuple[Default, ...]]] = {
    ("apps", "Deployment"): _DEPLOYMENT,
    ("apps", "StatefulSet"): _STATEFUL_SET,
    ("apps", "DaemonSet"): _DAEMON_SET,
    ("apps", "ReplicaSet"): (Default(("spec", "replicas"), 1), *_POD_TEMPLATE),
    ("batch", "Job"): _JOB,
    ("batch", "CronJob"): _CRON_JOB,
    ("", "Pod"): (
        *_under(("spec",), _POD_SPEC),
        Default(("spec", "serviceAccountName"), "default"),
    ),
    ("", "ReplicationController"): (Default(("spec", "replicas"), 1), *_POD_TEMPLATE),
    ("", "Service"): _SERVICE,
    ("", "PersistentVolumeClaim"): _PVC,
    ("", "Secret"): (Default(("type",), "Opaque"),),
    ("", "Namespace"): (Default(("spec", "finalizers"), ["kubernetes"]),),
}


def defaults_for(group: str, kind: str) -> tuple[Default, ...]:
    """The server defaults of one built-in kind; custom resources have none here."""
    return _TABLE.get((group, kind), ())


@dataclass
class _Node:
    """The defaults table of one kind as a trie, so one walk visits every field once."""

    value: Any = _NONE
    children: dict[str, _Node] = field(default_factory=dict)
    each: _Node | None = None


def _compile(table: Sequence[Default]) -> _Node:
    root = _Node()
    for default in table:
        node = root
        for part in default.path:
            if part == EACH:
                node.each = node.each or _Node()
                node = node.each
            else:
                node = node.children.setdefault(part, _Node())
        node.value = default.value
    return root


_TRIES: Final = {group_kind: _compile(table) for group_kind, table in _TABLE.items()}


def prune_defaults(live: dict[str, Any], desired: dict[str, Any] | None, group: str) -> None:
    """Remove, in place, each field of ``live`` that holds the server default while
    ``desired`` does not set it."""
    trie = _TRIES.get((group, str(live.get("kind", ""))))
    if trie is not None:
        _prune(live, desired if isinstance(desired, dict) else {}, trie)


def _prune(live: dict[str, Any], desired: dict[str, Any], node: _Node) -> None:
    for name, child in node.children.items():
        if name not in live:
            continue
        current = live[name]
        wanted = desired.get(name)
        if child.each is not None and isinstance(current, list):
            _prune_each(current, wanted if isinstance(wanted, list) else [], name, child.each)
        if child.children and isinstance(current, dict):
            _prune(current, wanted if isinstance(wanted, dict) else {}, child)
        if (
            child.value is not _NONE
            and name not in desired
            and _is_default(current, child.value, live)
        ):
            del live[name]


def _prune_each(live: list[Any], desired: list[Any], name: str, node: _Node) -> None:
    for i, j in lists.pair_elements(name, live, desired):
        if i is not None and isinstance(live[i], dict):
            counterpart = desired[j] if j is not None else None
            _prune(live[i], counterpart if isinstance(counterpart, dict) else {}, node)


def _is_default(current: Any, value: Any, parent: dict[str, Any]) -> bool:
    if value is ANY:
        return True
    if callable(value):
        expected = value(parent)
        return expected is ANY or current == expected
    return bool(current == value)
