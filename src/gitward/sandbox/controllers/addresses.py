"""Controllers that only fill in status: LoadBalancer Services and Ingresses get an address,
PersistentVolumeClaims become Bound and CustomResourceDefinitions are Established.
This module must not create objects.
"""

from __future__ import annotations

import zlib
from typing import Any

from gitward.sandbox.controllers.base import KindReconciler
from gitward.sandbox.controllers.pods import conditions
from gitward.sandbox.objects import clone

__all__ = [
    "ClaimBinder",
    "CrdStatusController",
    "IngressStatusController",
    "LoadBalancerController",
]


def _address(obj: dict[str, Any]) -> str:
    """A stable documentation-range address (198.51.100.0/24) per object."""
    return f"198.51.100.{zlib.crc32(obj['metadata']['uid'].encode()) % 250 + 1}"


class LoadBalancerController(KindReconciler):
    name = "services"
    kind = "Service"

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        if spec.get("type") != "LoadBalancer":
            status: dict[str, Any] = {"loadBalancer": {}}
        else:
            ports = [
                {"port": p.get("port"), "protocol": p.get("protocol", "TCP")}
                for p in spec.get("ports") or []
            ]
            ingress = {"ip": _address(obj), "ipMode": "VIP", "ports": ports}
            status = {"loadBalancer": {"ingress": [ingress]}}
        self.ctx.write_status(self.rt, obj, status)
        return None


class IngressStatusController(KindReconciler):
    name = "ingresses"
    api_version = "networking.k8s.io/v1"
    kind = "Ingress"

    def sync(self, obj: dict[str, Any]) -> float | None:
        status = {"loadBalancer": {"ingress": [{"ip": _address(obj)}]}}
        self.ctx.write_status(self.rt, obj, status)
        return None


class ClaimBinder(KindReconciler):
    name = "persistentvolumeclaims"
    kind = "PersistentVolumeClaim"

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        if not spec.get("volumeName"):
            bound = clone(obj)
            bound["spec"]["volumeName"] = f"pvc-{obj['metadata']['uid']}"
            self.ctx.update(self.rt, bound)
            return None
        requested = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        status = {
            "phase": "Bound",
            "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
            "capacity": {"storage": requested},
        }
        self.ctx.write_status(self.rt, obj, status)
        return None


class CrdStatusController(KindReconciler):
    name = "customresourcedefinitions"
    api_version = "apiextensions.k8s.io/v1"
    kind = "CustomResourceDefinition"

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        names = clone(spec.get("names") or {})
        names.setdefault("singular", str(names.get("kind", "")).lower())
        names.setdefault("listKind", f"{names.get('kind', '')}List")
        previous = (obj.get("status") or {}).get("conditions")
        wanted = [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "message": "no conflicts found",
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
            },
        ]
        stored = [v["name"] for v in spec.get("versions") or [] if v.get("storage")]
        status = {
            "acceptedNames": names,
            "conditions": conditions(previous, wanted),
            "storedVersions": stored,
        }
        self.ctx.write_status(self.rt, obj, status)
        return None
