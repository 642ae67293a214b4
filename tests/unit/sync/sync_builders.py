"""Builders for the sync engine's unit tests: objects, apps and contexts without a cluster."""

from __future__ import annotations

from typing import Any

from gitward.kube.tracking import stamp
from gitward.model.application import parse_application
from gitward.sync import SyncContext, SyncRequest, plan_sync
from support import applications

WAVE = "argocd.argoproj.io/sync-wave"
HOOK = "argocd.argoproj.io/hook"
OPTIONS = "argocd.argoproj.io/sync-options"


def obj(
    kind: str,
    name: str,
    namespace: str | None = "dev",
    api_version: str = "v1",
    wave: int | None = None,
    **annotations: str,
) -> dict[str, Any]:
    notes = {key.replace("__", "/").replace("_", "-"): value for key, value in annotations.items()}
    if wave is not None:
        notes[WAVE] = str(wave)
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if notes:
        metadata["annotations"] = notes
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


def annotated(manifest: dict[str, Any], **notes: str) -> dict[str, Any]:
    metadata = manifest["metadata"]
    metadata["annotations"] = {**metadata.get("annotations", {}), **notes}
    return manifest


def config_map(name: str, namespace: str = "dev", wave: int | None = None) -> dict[str, Any]:
    return obj("ConfigMap", name, namespace, wave=wave)


def deployment(name: str, namespace: str = "dev", wave: int | None = None) -> dict[str, Any]:
    return obj("Deployment", name, namespace, "apps/v1", wave=wave)


def namespace(name: str, wave: int | None = None) -> dict[str, Any]:
    return obj("Namespace", name, None, wave=wave)


def crd(
    group: str = "example.com", kind: str = "Widget", wave: int | None = None
) -> dict[str, Any]:
    found = obj(
        "CustomResourceDefinition",
        f"{kind.lower()}s.{group}",
        None,
        "apiextensions.k8s.io/v1",
        wave=wave,
    )
    found["spec"] = {
        "group": group,
        "scope": "Namespaced",
        "names": {"kind": kind, "plural": f"{kind.lower()}s"},
    }
    return found


def hook(
    phase: str, name: str = "", generate_name: str = "", wave: int | None = None, **notes: str
) -> dict[str, Any]:
    job = obj("Job", name or "x", "dev", "batch/v1", wave=wave)
    job["metadata"]["annotations"] = {**job["metadata"].get("annotations", {}), HOOK: phase}
    job["metadata"]["annotations"].update(notes)
    if generate_name:
        del job["metadata"]["name"]
        job["metadata"]["generateName"] = generate_name
    return job


def tracked(manifest: dict[str, Any], app: str = "web") -> dict[str, Any]:
    """``manifest`` as live, marked as ``app``'s."""
    live = stamp(manifest, app)
    live["metadata"]["uid"] = f"uid-{manifest['metadata']['name']}"
    live["metadata"]["resourceVersion"] = "1"
    return live


def app(
    name: str = "web",
    namespace: str = "dev",
    options: tuple[str, ...] = (),
    **policy: Any,
):
    spec_policy: dict[str, Any] = dict(policy)
    if options:
        spec_policy["syncOptions"] = list(options)
    document = applications.application(
        name,
        repo_url="https://example.com/repo.git",
        path="app",
        revision=None,
        namespace=namespace,
        app_namespace="argocd",
        syncPolicy=spec_policy,
    )
    return parse_application(document).value


class NoCluster:
    """A cluster that must not be called: planning never talks to one."""

    name = "none"

    def __getattr__(self, item: str) -> Any:
        raise AssertionError(f"planning called the cluster ({item})")


def context(desired, live=(), application=None, **fields: Any) -> SyncContext:
    return SyncContext(
        cluster=NoCluster(),  # type: ignore[arg-type]
        app=application or app(),
        desired=desired,
        live=live,
        **fields,
    )


def plan(desired, live=(), request: SyncRequest | None = None, application=None, **fields: Any):
    return plan_sync(
        request or SyncRequest(revision="0123456789abcdef", prune=True),
        context(desired, live, application, **fields),
        operation_id="op1",
    )


def names(found) -> list[str]:
    """``stage/wave Kind name`` per task, in plan order."""
    return [f"{t.stage.label}/{t.wave} {t.key.kind} {t.key.name}" for t in found.tasks]
