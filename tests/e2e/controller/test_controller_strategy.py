"""The strategy document's promises, end to end: root app -> projects, dev, staging, prod."""

from __future__ import annotations

from controller_world import DEV, PROD, ROOT, STAGING, World


async def test_the_root_app_creates_the_environments_and_syncs_dev_and_staging(world: World) -> None:
    await world.start()
    await world.bootstrap()
    await world.until_app(ROOT, sync_status="Synced", within=60)
    dev = await world.until_app(DEV, sync_status="Synced", health_status="Healthy")
    await world.until_app(STAGING, sync_status="Synced", health_status="Healthy")
    prod = await world.until_app(PROD, sync_status="OutOfSync")
    assert dev.parent == ROOT and prod.parent == ROOT
    assert await world.backend_image("prod") is None
