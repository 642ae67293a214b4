"""The ResourceQuota controller: ``status.hard`` and ``status.used`` for what a quota limits, so
``kubectl describe quota`` shows usage against limits (the strategy document's "Resource quota
exceeded" check). Usage counts objects (``pods``, ``services``, ``count/deployments.apps``, ...)
and sums the requests and limits of the pods still running. Quotas are reported, not enforced.
This module must not change anything but a quota's status.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from fractions import Fraction
from typing import Any

from gitward.sandbox.controllers.base import KindReconciler, is_active
from gitward.sandbox.store import Event

__all__ = ["QuotaController", "parse_quantity"]

_COUNTED = {
    "pods": ("", "pods"),
    "services": ("", "services"),
    "configmaps": ("", "configmaps"),
    "secrets": ("", "secrets"),
    "persistentvolumeclaims": ("", "persistentvolumeclaims"),
    "resourcequotas": ("", "resourcequotas"),
}
_SUFFIXES = {
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
}
_QUANTITY = re.compile(r"^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")


def parse_quantity(text: Any) -> Fraction:
    """A Kubernetes quantity (``500m``, ``2``, ``1Gi``) as an exact number; junk counts as 0."""
    match = _QUANTITY.match(str(text).strip())
    if match is None:
        return Fraction(0)
    return Fraction(match.group(1)) * _SUFFIXES.get(match.group(2) or "", Fraction(1))


def _format(value: Fraction, like: str) -> str:
    """``value`` in the unit its hard limit was written in, when exact."""
    for suffix in ("Gi", "Mi", "Ki", "G", "M", "k"):
        size = _SUFFIXES[suffix]
        if str(like).endswith(suffix) and value and (value / size).denominator == 1:
            return f"{value / size}{suffix}"
    if value.denominator == 1:
        return str(value)
    return f"{value * 1000}m" if (value * 1000).denominator == 1 else str(float(value))


def _pod_total(pods: list[dict[str, Any]], kind: str, resource: str) -> Fraction:
    total = Fraction(0)
    for pod in pods:
        for container in (pod.get("spec") or {}).get("containers") or []:
            amounts = ((container.get("resources") or {}).get(kind)) or {}
            total += parse_quantity(amounts.get(resource, 0))
    return total


class QuotaController(KindReconciler):
    name = "resourcequotas"
    kind = "ResourceQuota"
    component = "resourcequota-controller"

    def keys_for(self, event: Event) -> Iterable[Hashable]:
        """Its own objects, and every quota of a namespace where something changed."""
        if event.resource in (self.rt.group_resource, ("", "events")):
            return super().keys_for(event)
        namespace = (event.obj.get("metadata") or {}).get("namespace")
        if not namespace:
            return []
        return [
            (str(namespace), str(q["metadata"]["name"]))
            for q in self.ctx.cluster.store.scan(self.rt.group_resource, namespace)
        ]

    def sync(self, obj: dict[str, Any]) -> float | None:
        hard = dict(((obj.get("spec") or {}).get("hard")) or {})
        namespace = str(obj["metadata"].get("namespace") or "")
        used = {key: _format(self._used(namespace, key), str(hard[key])) for key in hard}
        self.ctx.write_status(self.rt, obj, {"hard": hard, "used": used})
        return None

    def _count(self, namespace: str, resource: tuple[str, str]) -> Fraction:
        found = list(self.ctx.cluster.store.scan(resource, namespace))
        if resource == ("", "pods"):
            found = [p for p in found if is_active(p)]
        return Fraction(len(found))

    def _used(self, namespace: str, key: str) -> Fraction:
        if key in _COUNTED:
            return self._count(namespace, _COUNTED[key])
        if key.startswith("count/"):
            plural, _, group = key.removeprefix("count/").partition(".")
            return self._count(namespace, (group, plural))
        kind, _, resource = key.rpartition(".")
        if kind not in ("", "requests", "limits") or resource not in ("cpu", "memory"):
            return Fraction(0)
        pods = [p for p in self.ctx.cluster.store.scan(("", "pods"), namespace) if is_active(p)]
        return _pod_total(pods, kind or "requests", resource)
