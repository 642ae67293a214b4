"""The controller's render cache holds every app it refreshes: a no-op cycle renders nothing
afresh, however many apps there are (an LRU smaller than the apps misses on every refresh of a
cycle that visits them in turn)."""

from __future__ import annotations

from controller_world import World

from gitward.controller.loop import RENDERS_KEPT_PER_APP
from gitward.render import ManifestCache, Renderer
from support.example import DEV, ROOT, STAGING


async def test_a_cycle_over_more_apps_than_the_render_cache_held_renders_nothing_again(
    world: World,
) -> None:
    renderer = Renderer(cache=ManifestCache(max_entries=1))  # fewer than the example's apps
    await world.start(renderer=renderer)
    await world.bootstrap()
    for app in (ROOT, DEV, STAGING):
        await world.until_app(app, sync_status="Synced", health_status="Healthy", within=60)
    stored = len(await world.store.apps.list())
    cache = renderer.cache

    async def room_for_every_app() -> bool:
        return cache.max_entries >= RENDERS_KEPT_PER_APP * stored

    await world.until(room_for_every_app, what="the next cycle's list of apps")
    # Renders evicted while the cache held one are put back as each app is next refreshed:
    # two cycles' worth of lookups after the room was made, and the cache holds every app.
    asked = cache.stats.hits + cache.stats.misses

    async def every_app_rendered_again() -> bool:
        return cache.stats.hits + cache.stats.misses >= asked + 2 * stored

    await world.until(every_app_rendered_again, within=30, what="a cycle that fills the cache")
    await world.until_app(STAGING, sync_status="Synced", idle=True)  # no sync left to render
    hits, misses = cache.stats.hits, cache.stats.misses

    async def two_cycles_of_hits() -> bool:
        return cache.stats.hits >= hits + 2 * stored

    await world.until(two_cycles_of_hits, within=30, what="two cycles of refreshes")
    assert cache.stats.misses == misses
