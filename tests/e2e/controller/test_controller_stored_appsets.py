"""An ApplicationSet created through the API (stored, no parent app) end to end on the sandbox:
the controller's cycle expands it, writes the Applications it generates, and they sync to the
cluster; an app the set stops generating is deleted with its resources (the resources
finalizer); deleting the set deletes its apps."""

from __future__ import annotations

from typing import Any

from controller_world import World

from support.repos import new_repository

ADDONS = "https://example.com/platform/addons.git"


def configmap(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n"


def addons_set(*excluded: str) -> dict[str, Any]:
    """A git directories set over addons/*, each app synced automatically into its own
    namespace."""
    directories: list[dict[str, Any]] = [{"path": "addons/*"}]
    directories += [{"path": f"addons/{name}", "exclude": True} for name in excluded]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "addons", "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "generators": [
                {"git": {"repoURL": ADDONS, "revision": "main", "directories": directories}}
            ],
            "template": {
                "metadata": {"name": "addon-{{.path.basename}}"},
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": ADDONS,
                        "targetRevision": "main",
                        "path": "{{.path.path}}",
                    },
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": "addon-{{.path.basename}}",
                    },
                    "syncPolicy": {
                        "automated": {"prune": True},
                        "syncOptions": ["CreateNamespace=true"],
                    },
                },
            },
        },
    }


async def test_a_stored_set_deploys_its_apps_and_takes_them_away(world: World) -> None:
    new_repository(
        world.tmp / "addons",
        {"addons/metrics/cm.yaml": configmap("metrics"), "addons/logs/cm.yaml": configmap("logs")},
    )
    world.repositories[ADDONS] = world.tmp / "addons"
    await world.store.appsets.upsert("addons", "default", addons_set())
    controller = await world.start()

    for name in ("metrics", "logs"):
        app = await world.until_app(
            f"addon-{name}", sync_status="Synced", health_status="Healthy", within=90
        )
        assert app.parent is None
        assert app.document["metadata"]["ownerReferences"][0]["name"] == "addons"
        assert await world.live("ConfigMap", f"addon-{name}", name, "") is not None
    stored = await world.store.appsets.get("addons")
    assert stored is not None
    assert stored.status["applications"] == ["addon-logs", "addon-metrics"]

    record = await world.store.appsets.upsert("addons", "default", addons_set("logs"))
    await controller.stored_sets.reconcile(record)
    assert await world.store.apps.get("addon-logs") is None
    await world.until(
        lambda: _gone(world, "addon-logs", "logs"), within=60, what="logs ConfigMap deleted"
    )
    assert await world.live("ConfigMap", "addon-metrics", "metrics", "") is not None

    assert await controller.stored_sets.delete("addons") == ["addon-metrics"]
    assert await world.store.apps.get("addon-metrics") is None
    assert await world.store.appsets.get("addons") is None


async def _gone(world: World, namespace: str, name: str) -> bool:
    return await world.live("ConfigMap", namespace, name, "") is None
