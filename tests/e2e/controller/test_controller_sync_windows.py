"""Sync windows end to end: a nightly freeze on dev's project holds its automated sync (the app
says why) and refuses a person's sync; when the window ends the controller looks again by itself
and deploys. A sync running when a window opens waits, still Running, and goes on when it ends.

The controller's clock is real time moved to a chosen night (it keeps ticking from there), so a
window "ends in two seconds" without the test waiting for wall-clock time to pass.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from controller_world import BACKEND, FAST, FAST_CACHE, World, drained

from gitward.charts import ChartRepositories
from gitward.cli.demo import EXAMPLE_CHARTS_DIR, EXAMPLE_CHARTS_URL
from gitward.controller.conditions import SYNC_WINDOW_BLOCKED
from gitward.controller.loop import Controller
from gitward.errors import SyncWindowError
from gitward.git.repo import Repositories
from gitward.kube import Clusters
from gitward.render import Renderer
from gitward.store import AppRecord, ProjectDefinition
from gitward.sync import utc_now
from support.example import DEV, REPO_URL

NOON = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
"""A Monday."""
NIGHT = datetime(2030, 1, 7, 23, 0, tzinfo=UTC)
MORNING = datetime(2030, 1, 8, 6, 0, tzinfo=UTC)
"""When the freeze (22:00 for 8 h) ends."""
FREEZE = {
    "kind": "deny",
    "schedule": "0 22 * * *",
    "duration": "8h",
    "applications": [DEV],
    "description": "nightly freeze",
}
QUIET = replace(FAST, reconciliation_s=600.0)
"""No periodic refresh during a test: only the controller's own re-check may wake dev up."""


class Clock:
    """Real time, moved to a chosen moment; it goes on ticking from there."""

    def __init__(self, at: datetime) -> None:
        self.set(at)

    def set(self, at: datetime) -> None:
        self._offset = at - utc_now()

    def __call__(self) -> datetime:
        return utc_now() + self._offset


def documents(world: World, path: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((world.repo / path).read_text()) if d]


async def frozen_dev(world: World, clock: Clock, *, automated: bool = True) -> Controller:
    """The dev namespace, dev's project with the nightly freeze, and a controller over them."""
    for document in documents(world, "gitops/bootstrap/namespace.yaml"):
        await world.cluster.apply(document, force=True)
    project = documents(world, "gitops/app-of-apps/argocd-projects.yaml")[0]
    project["spec"]["syncWindows"] = [FREEZE]
    await world.store.projects.upsert(ProjectDefinition("dev", project, "projects.yaml"))
    repos = Repositories(world.tmp / "git-cache", local={REPO_URL: world.repo})
    controller = Controller(
        world.store,
        repos,
        Clusters([world.access]),
        Renderer(),
        QUIET,
        clock=clock,
        cache_backoff=FAST_CACHE,
        charts=ChartRepositories(
            world.tmp / "chart-cache",
            local={EXAMPLE_CHARTS_URL: world.repo / EXAMPLE_CHARTS_DIR},
        ),
    )
    world.controllers.append(controller)
    world.controller = controller
    world.subscription = controller.events.subscribe()
    app = documents(world, "gitops/app-of-apps/argocd-env-apps.yaml")[0]
    if not automated:
        app["spec"].pop("syncPolicy")
    await controller.bootstrap(app)
    return controller


def held(record: AppRecord) -> str:
    found = [c for c in record.status.conditions if c["type"] == SYNC_WINDOW_BLOCKED]
    return str(found[0]["message"]) if found else ""


async def test_a_deny_window_holds_dev_until_it_ends_and_dev_then_syncs_by_itself(
    world: World,
) -> None:
    clock = Clock(NIGHT)
    controller = await frozen_dev(world, clock)
    await controller.start()

    async def dev_held() -> bool:
        return bool(held(await world.app(DEV)))

    await world.until(dev_held, within=60, what="dev held by the freeze")
    record = await world.app(DEV)
    assert record.status.sync_status == "OutOfSync"
    assert held(record).startswith("automated sync blocked by sync window of project 'dev': ")
    assert 'deny window "0 22 * * *" for 8h (UTC) "nightly freeze" is open until ' in held(record)
    assert "2030-01-08 06:00 UTC" in held(record)
    assert await world.backend_image("dev") is None
    assert await world.store.operations.latest(DEV) is None
    with pytest.raises(SyncWindowError, match=r"cannot sync Application ai-chatbot-dev"):
        await controller.sync(DEV, initiated_by="alice")
    assert await world.store.operations.latest(DEV) is None

    clock.set(MORNING - timedelta(seconds=2))
    controller.refresh(DEV)  # still frozen: dev is told to look again when the window ends
    record = await world.until_app(DEV, sync_status="Synced", health_status="Healthy", within=60)
    assert not held(record)
    synced = await world.store.operations.latest(DEV)
    assert synced is not None and synced.requested_by == "automated"
    assert datetime.fromisoformat(str(synced.state["startedAt"])) >= MORNING
    assert await world.backend_image("dev") is not None


async def test_a_sync_running_when_a_window_opens_waits_for_it_to_end(world: World) -> None:
    clock = Clock(NOON)
    controller = await frozen_dev(world, clock, automated=False)
    started = await controller.sync(DEV, initiated_by="alice")
    clock.set(MORNING - timedelta(seconds=4))
    watching = world.watch()
    await controller.start()

    await world.until_app(DEV, sync_status="Synced", health_status="Healthy", within=60)
    said = [e.message for e in await drained(watching) if e.kind == "operation"]
    blocked = [m for m in said if m.startswith("Sync operation blocked by sync window: ")]
    assert blocked, said
    assert "is open until 2030-01-08 06:00 UTC" in blocked[0]
    assert said.index(blocked[0]) < len(said) - 1
    finished = await world.store.operations.latest(DEV)
    assert finished is not None and finished.id == started.id
    assert finished.phase.value == "Succeeded"


async def test_the_time_a_window_holds_a_wave_does_not_count_toward_its_timeout(
    world: World,
) -> None:
    clock = Clock(NIGHT.replace(hour=21, minute=59, second=50))
    controller = await frozen_dev(world, clock, automated=False)
    image = f"{BACKEND}:{world.backend_tag('dev')}"
    world.sandbox.faults.mark_image_missing(image)  # the migration hook waits for it
    await controller.start()
    started = await controller.sync(DEV, initiated_by="alice")

    async def message_says(text: str) -> bool:
        current = await world.store.operations.current(DEV)
        return current is not None and text in current.message

    await world.until(lambda: message_says("hook"), what="dev's sync waiting on its hook")
    clock.set(NIGHT.replace(hour=22, minute=0, second=0))  # the freeze begins
    controller.refresh(DEV)
    await world.until(lambda: message_says("blocked by sync window"), what="dev's sync held")
    clock.set(MORNING)  # eight hours later the freeze ends; the wave's timeout is 30 s
    world.sandbox.faults.restore_image(image)
    controller.refresh(DEV)

    await world.until_app(DEV, sync_status="Synced", health_status="Healthy", within=60)
    finished = await world.store.operations.latest(DEV)
    assert finished is not None and finished.id == started.id
    assert finished.phase.value == "Succeeded", finished.message
