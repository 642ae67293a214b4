"""A refresh that fails in a way nobody planned for still tells the user (issue 11.4): a path too
long for the file system is a located ComparisonError, and an unexpected exception (a renderer
bug, injected at the renderer seam) sets a condition with its message while its traceback is
logged once, not on every retry. Nothing is synced or pruned meanwhile."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from controller_world import World

from gitward.model.application import Application
from gitward.model.sources import Source
from gitward.render import Rendered, Renderer
from support.example import DEV

LONG = "b" * 5000


def long_dev_path(document: dict[str, Any]) -> dict[str, Any]:
    if document["metadata"]["name"] == DEV:
        document["spec"]["source"]["path"] = LONG
    return document


async def dev_condition(world: World) -> str:
    record = await world.store.apps.get(DEV)
    conditions = record.status.conditions if record is not None else ()
    return " ".join(f"{c['type']}: {c['message']}" for c in conditions)


async def test_a_source_path_too_long_for_the_disk_is_a_located_condition(world: World) -> None:
    world.edit_env_apps(long_dev_path)
    world.commit("a path no file system holds")
    await world.start()
    await world.bootstrap()

    async def conditioned() -> bool:
        return "too long" in await dev_condition(world)

    await world.until(conditioned, within=60, what="dev has a condition about its long path")
    shown = await dev_condition(world)
    assert shown.startswith("ComparisonError: ")
    assert "spec.source.path" in shown
    assert LONG not in shown
    assert (await world.app(DEV)).status.sync_status == "Unknown"
    assert await world.backend_image("dev") is None


class BrokenForDev(Renderer):
    """A renderer with a bug that only dev's source meets."""

    calls = 0

    async def render_async(
        self, app: Application, source: Source, root: Path, **kwargs: Any
    ) -> Rendered:
        if app.name == DEV:
            BrokenForDev.calls += 1
            raise RuntimeError("renderer bug: list index out of range")
        return await super().render_async(app, source, root, **kwargs)


async def test_an_unexpected_exception_sets_a_condition_and_is_logged_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="gitward.controller.unexpected")
    controller = await world.start(renderer=BrokenForDev())
    await world.bootstrap()

    async def refreshed_three_times() -> bool:
        if BrokenForDev.calls < 3:
            assert world.controller is not None
            world.controller.refresh(DEV)
            return False
        return "RuntimeError" in await dev_condition(world)

    await world.until(refreshed_three_times, within=60, what="dev refreshed three times")
    shown = await dev_condition(world)
    assert "ComparisonError: unexpected error: RuntimeError: renderer bug" in shown
    assert (await world.app(DEV)).status.sync_status == "Unknown"
    logged = [r for r in caplog.records if DEV in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert controller is world.controller


class BreaksDevSyncs(Renderer):
    """A renderer whose bug shows only once ``armed``: dev's next render (its refresh) passes,
    every later one (the sync that refresh starts) raises."""

    armed = False
    passed = 0

    async def render_async(
        self, app: Application, source: Source, root: Path, **kwargs: Any
    ) -> Rendered:
        if app.name == DEV and BreaksDevSyncs.armed:
            BreaksDevSyncs.passed += 1
            if BreaksDevSyncs.passed > 1:
                raise RuntimeError("renderer bug during a sync")
        return await super().render_async(app, source, root, **kwargs)


async def test_an_unexpected_exception_in_a_sync_ends_the_operation_in_error(
    world: World,
) -> None:
    await world.start(renderer=BreaksDevSyncs())
    await world.bootstrap()
    before = await world.until_app(DEV, sync_status="Synced", health_status="Healthy", within=90)
    image = await world.backend_image("dev")
    BreaksDevSyncs.armed = True
    world.set_backend_tag("dev", "sha-4444444")
    world.commit("ci: backend sha-4444444 to dev")
    assert world.controller is not None
    world.controller.refresh(DEV, hard=True)

    async def errored() -> bool:
        latest = await world.store.operations.latest(DEV)
        return latest is not None and latest.phase.value == "Error"

    await world.until(errored, within=60, what="dev's sync ended in Error")
    latest = await world.store.operations.latest(DEV)
    assert latest is not None
    assert "unexpected error: RuntimeError: renderer bug during a sync" in latest.message
    assert await world.backend_image("dev") == image  # nothing applied, nothing pruned
    assert before.status.observed_revisions != ()
