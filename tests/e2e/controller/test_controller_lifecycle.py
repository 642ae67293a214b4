"""Operations over an app's life: rollback, terminate, apps removed from Git, and deletion with
and without the resources finalizer."""

from __future__ import annotations

import pytest
from controller_world import BACKEND, World

from gitward.errors import ConfigError
from gitward.model.annotations import HOOK_FINALIZER
from gitward.model.objects import ResourceKey
from support.example import DEV, PROD, ROOT, STAGING

FINALIZER = "resources-finalizer.argocd.argoproj.io"


async def deployed(world: World) -> None:
    await world.start()
    await world.bootstrap()
    await world.until_app(ROOT, sync_status="Synced", health_status="Healthy", within=60)
    await world.until_app(DEV, sync_status="Synced", health_status="Healthy")
    await world.until_app(STAGING, sync_status="Synced", health_status="Healthy")


async def test_rollback_deploys_a_recorded_revision_and_is_refused_while_automated(
    world: World,
) -> None:
    await deployed(world)
    assert world.controller is not None
    await world.controller.sync(PROD, initiated_by="alice")
    await world.until_app(PROD, sync_status="Synced", health_status="Healthy")
    first_tag = world.backend_tag("prod")
    world.set_backend_tag("prod", "v2.0.0")
    world.commit("release backend v2.0.0 to prod")
    await world.controller.repository_changed(
        "https://github.com/giridharan-official/ai-chatbot-infra"
    )
    await world.until_app(PROD, sync_status="OutOfSync")
    await world.controller.sync(PROD, initiated_by="bob")
    await world.until_app(PROD, sync_status="Synced", health_status="Healthy")
    assert await world.backend_image("prod") == f"{BACKEND}:v2.0.0"
    history = await world.store.history.list(PROD)
    assert [(h.id, h.initiated_by) for h in history] == [(2, "bob"), (1, "alice")]

    await world.controller.rollback(PROD, 1, initiated_by="carol")

    async def rolled_back() -> bool:
        return await world.backend_image("prod") == f"{BACKEND}:{first_tag}"

    await world.until(rolled_back, what="prod back at the first release")
    await world.until_app(PROD, sync_status="OutOfSync", idle=True)  # Git still says v2.0.0
    newest = (await world.store.history.list(PROD))[0]
    assert (newest.id, newest.initiated_by, newest.commit_sha) == (
        3,
        "carol",
        history[1].commit_sha,
    )
    audit = await world.store.audit.list(target=f"Application {PROD}")
    assert [(a.actor, a.action.value) for a in audit][:1] == [("carol", "rollback")]
    with pytest.raises(ConfigError, match="rollback cannot be initiated when auto-sync is enabled"):
        await world.controller.rollback(DEV, 1, initiated_by="carol")


async def test_terminate_stops_a_running_sync_at_its_next_step(world: World) -> None:
    await deployed(world)
    assert world.controller is not None
    world.sandbox.faults.mark_image_missing(f"{BACKEND}:{world.backend_tag('prod')}")
    await world.controller.sync(PROD, initiated_by="alice")

    async def waiting_on_the_hook() -> bool:
        current = await world.store.operations.current(PROD)
        return current is not None and "hook" in current.message

    await world.until(waiting_on_the_hook, what="prod's sync waiting for its migration hook")
    assert await world.controller.terminate(PROD, initiated_by="alice") is not None

    async def terminated() -> bool:
        latest = await world.store.operations.latest(PROD)
        return latest is not None and latest.phase.completed

    await world.until(terminated, what="prod's sync terminated")
    latest = await world.store.operations.latest(PROD)
    assert latest is not None and latest.message == "Operation terminated"
    assert await world.live("Job", "prod", "ai-chatbot-prod-db-migrate", group="batch") is None
    assert await world.backend_image("prod") is None


async def test_apps_removed_from_git_are_deleted_with_their_resources_only_with_the_finalizer(
    world: World,
) -> None:
    await deployed(world)
    assert world.controller is not None
    await world.controller.sync(PROD, initiated_by="alice")
    await world.until_app(PROD, sync_status="Synced", health_status="Healthy")

    def finalize_dev(document: dict) -> dict:
        if document["metadata"]["name"] == DEV:
            document["metadata"]["finalizers"] = [FINALIZER]
        return document

    world.edit_env_apps(finalize_dev)
    world.commit("dev: delete resources with the app")

    async def dev_has_the_finalizer() -> bool:
        return FINALIZER in (await world.app(DEV)).document["metadata"].get("finalizers", [])

    await world.until(dev_has_the_finalizer, what="the root app applied dev's finalizer")
    config = ResourceKey("", "ConfigMap", "dev", "ai-chatbot-dev-app-config")
    keep = {"metadata": {"annotations": {"argocd.argoproj.io/sync-options": "Delete=false"}}}
    await world.cluster.patch(config, keep)

    world.edit_env_apps(lambda d: None if d["metadata"]["name"] in (DEV, PROD) else d)
    world.commit("retire dev and prod")

    async def both_gone() -> bool:
        return (await world.store.apps.get(DEV)) is None and (
            await world.store.apps.get(PROD)
        ) is None

    await world.until(both_gone, what="dev and prod pruned by the root app")

    async def dev_resources_deleted() -> bool:
        return await world.backend_image("dev") is None

    await world.until(dev_resources_deleted, what="dev's Deployments deleted")
    assert await world.live("ConfigMap", "dev", "ai-chatbot-dev-app-config", group="") is not None
    assert await world.backend_image("prod") is not None  # no finalizer: left in place
    assert await world.backend_image("staging") is not None
    await world.until_app(ROOT, sync_status="Synced")
    deletions = await world.store.audit.list(action="delete")
    assert {(a.target, a.details["cascade"]) for a in deletions} == {
        (f"Application {DEV}", True),
        (f"Application {PROD}", False),
    }


async def test_deleting_an_app_mid_sync_leaves_no_hook_stuck_on_its_finalizer(
    world: World,
) -> None:
    await deployed(world)
    assert world.controller is not None
    world.sandbox.faults.mark_image_missing(f"{BACKEND}:{world.backend_tag('prod')}")
    await world.controller.sync(PROD, initiated_by="alice")
    hook = ("Job", "prod", "ai-chatbot-prod-db-migrate")

    async def hook_holds_the_finalizer() -> bool:
        job = await world.live(*hook, group="batch")
        return job is not None and HOOK_FINALIZER in job["metadata"].get("finalizers", [])

    await world.until(hook_holds_the_finalizer, what="prod's migration hook running")

    assert await world.controller.delete(PROD, cascade=True, initiated_by="alice")

    async def hook_gone() -> bool:
        return await world.live(*hook, group="batch") is None

    await world.until(hook_gone, what="the hook deleted, not left Terminating")
