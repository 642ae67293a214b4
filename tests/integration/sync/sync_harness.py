"""Driving syncs against the sandbox the way the controller will: a fresh context (live objects
read again) for every step, the state stored as JSON in between."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from gitward.kube import RemoteCluster
from gitward.model.application import parse_application
from gitward.model.objects import ResourceKey
from gitward.sandbox import Sandbox
from gitward.sync import (
    SyncContext,
    SyncOperation,
    SyncRequest,
    read_live,
    step,
    utc_now,
)
from gitward.sync.calls import fresh
from support import applications

WAVE = "argocd.argoproj.io/sync-wave"
HOOK = "argocd.argoproj.io/hook"
DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
OPTIONS = "argocd.argoproj.io/sync-options"
LEFTOVER_KINDS = [("", "ConfigMap"), ("apps", "Deployment"), ("", "Namespace"), ("batch", "Job")]


def application(
    name: str = "web", namespace: str = "dev", options: tuple[str, ...] = (), **policy: Any
):
    document = applications.application(
        name,
        repo_url="https://example.com/repo.git",
        path="app",
        revision=None,
        namespace=namespace,
        app_namespace="argocd",
        syncPolicy={"syncOptions": list(options), **policy},
    )
    return parse_application(document).value


def notes(manifest: dict[str, Any], **annotations: str) -> dict[str, Any]:
    metadata = manifest["metadata"]
    metadata["annotations"] = {**metadata.get("annotations", {}), **annotations}
    return manifest


def waved(manifest: dict[str, Any], wave: int) -> dict[str, Any]:
    return notes(manifest, **{WAVE: str(wave)})


def config_map(name: str, namespace: str = "dev", **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": dict(data),
    }


def deployment(
    name: str, namespace: str = "dev", image: str = "nginx:1.27", replicas: int = 2
) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "progressDeadlineSeconds": 120,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


def job_hook(phase: str, name: str = "", generate_name: str = "", **more: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"namespace": "dev", "annotations": {HOOK: phase, **more}}
    if generate_name:
        metadata["generateName"] = generate_name
    else:
        metadata["name"] = name
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "run", "image": "busybox:1.36"}],
                }
            }
        },
    }


def pod_hook(phase: str, name: str, image: str, **more: str) -> dict[str, Any]:
    """A long-running pod as a hook: Degraded at once when its image cannot be pulled."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "dev", "annotations": {HOOK: phase, **more}},
        "spec": {"restartPolicy": "Always", "containers": [{"name": "run", "image": image}]},
    }


def widget(name: str, group: str = "example.com", kind: str = "Widget") -> dict[str, Any]:
    return {
        "apiVersion": f"{group}/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "dev"},
        "spec": {"size": 1},
    }


class Harness:
    """One sandbox, one client, one app; syncs driven step by step."""

    def __init__(self, sandbox: Sandbox, cluster: RemoteCluster, app_name: str = "web") -> None:
        self.sandbox = sandbox
        self.cluster = cluster
        self.app = application(app_name)
        self.steps = 0

    async def namespace(self, name: str) -> None:
        await self.cluster.apply(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        )

    async def context(self, desired: list[dict[str, Any]], **fields: Any) -> SyncContext:
        live = await read_live(self.cluster, desired, self.app.name, kinds=LEFTOVER_KINDS)
        return SyncContext(
            cluster=self.cluster,
            app=fields.pop("app", self.app),
            desired=desired,
            live=live,
            poll_interval_s=0.02,
            crd_ready_timeout_s=5.0,
            **fields,
        )

    def start(self, request: SyncRequest | None = None) -> SyncOperation:
        return SyncOperation.start(request or SyncRequest(revision="0123456789"), now=utc_now())

    async def step(
        self, state: SyncOperation, desired: list[dict[str, Any]], **fields: Any
    ) -> SyncOperation:
        """One step with a fresh context; the state goes through JSON, as the store keeps it."""
        stored = json.loads(json.dumps(state.to_dict()))
        self.steps += 1
        return await step(SyncOperation.from_dict(stored), await self.context(desired, **fields))

    async def run(
        self,
        desired: list[dict[str, Any]],
        request: SyncRequest | None = None,
        state: SyncOperation | None = None,
        within: float = 20.0,
        **fields: Any,
    ) -> SyncOperation:
        """Step until completed or waiting for a person; fail after ``within`` seconds."""
        state = state or self.start(request)
        async with asyncio.timeout(within):
            while True:
                state = await self.step(state, desired, **fields)
                if state.completed or state.wake_at is None:
                    return state
                await asyncio.sleep(0.01)

    async def get(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        return await fresh(self.cluster, ResourceKey.of(manifest))

    def writes(self, *, dry_run: bool = False) -> list[tuple[str, str, str]]:
        """``(verb, kind, name)`` of every apply, create, update and delete, in order."""
        return [
            (record.verb, record.kind, record.name)
            for record in self.sandbox.request_log()
            if record.verb in ("apply", "create", "update", "patch", "delete")
            and record.dry_run is dry_run
            and record.field_manager in ("gitward", "")
            and record.namespace in ("dev", "")
            and record.kind != "Namespace"
        ]

    def applied(self) -> list[tuple[str, str]]:
        """``(kind, name)`` of every real apply, in order."""
        return [(kind, name) for verb, kind, name in self.writes() if verb == "apply"]


def results(state: SyncOperation) -> dict[str, tuple[str, str]]:
    """``kind/name`` -> (status, code) of every result."""
    return {
        f"{r.key.kind}/{r.key.name}": (r.status.value, r.code.value if r.code else "")
        for r in state.results
    }
