"""Builders for the objects health tests need, so each test states only what matters to it."""

from __future__ import annotations

from typing import Any

from gitward.model.objects import Manifest


def deployment(
    name: str = "web", *, replicas: int = 3, available: int | None = None, **annotations: str
) -> Manifest:
    """A Deployment whose rollout is finished except for ``available`` replicas."""
    ready = replicas if available is None else available
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "generation": 1,
            "annotations": annotations,
        },
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "availableReplicas": ready,
        },
    }


def pvc(name: str = "data", *, phase: str = "Bound") -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "shop"},
        "status": {"phase": phase},
    }


def hook_job(name: str = "migrate", *, failed: bool = True, helm: bool = False) -> Manifest:
    annotation = {"helm.sh/hook": "pre-install"} if helm else {"argocd.argoproj.io/hook": "PreSync"}
    conditions = [{"type": "Failed", "status": "True", "message": "backoff"}] if failed else []
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "shop", "annotations": annotation},
        "status": {"conditions": conditions},
    }


def application(
    name: str = "api-dev",
    *,
    health: str | None = "Healthy",
    sync: str = "Synced",
    revision: str = "aaaa111",
    reconciled_at: str | None = None,
    **status: Any,
) -> Manifest:
    """A child Application; ``health=None`` leaves its status out entirely."""
    obj: Manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {"source": {"repoURL": "https://git.example.com/infra.git", "path": name}},
    }
    if health is not None:
        obj["status"] = {
            "health": {"status": health},
            "sync": {"status": sync, "revision": revision},
            **status,
        }
        if reconciled_at:
            obj["status"]["reconciledAt"] = reconciled_at
    return obj
