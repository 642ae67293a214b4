"""The manifest and chart caches, and the Renderer's use of them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from render_builders import (
    application,
    chart_files,
    configmap,
    directory_source,
    helm_source,
    write,
)

from gitward.render import ChartCache, ManifestCache, Renderer

SHA = "0" * 40


def test_a_hit_returns_an_equal_but_independent_copy() -> None:
    cache: ManifestCache[dict[str, list[int]]] = ManifestCache()
    cache.put("k", {"a": [1]})
    first = cache.get("k")
    assert first == {"a": [1]}
    assert first is not None
    first["a"].append(2)
    assert cache.get("k") == {"a": [1]}
    assert (cache.stats.hits, cache.stats.misses) == (2, 0)


def test_a_miss_is_counted_and_returns_none() -> None:
    cache: ManifestCache[str] = ManifestCache()
    assert cache.get("absent") is None
    assert cache.stats.misses == 1


def test_the_least_recently_used_entry_is_evicted_by_count() -> None:
    cache: ManifestCache[str] = ManifestCache(max_entries=2)
    cache.put("a", "1")
    cache.put("b", "2")
    cache.get("a")
    cache.put("c", "3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("1", None, "3")


def test_holding_more_entries_keeps_a_whole_cycle_of_keys_and_never_shrinks() -> None:
    cache: ManifestCache[str] = ManifestCache(max_entries=2)
    cache.hold(4)
    cache.hold(3)
    assert cache.max_entries == 4
    for _cycle in range(2):  # in turn, as a controller's cycle asks: each one a hit the 2nd time
        for key in "abcd":
            if cache.get(key) is None:
                cache.put(key, key)
    assert (cache.stats.hits, cache.stats.misses) == (4, 4)


def test_entries_are_evicted_to_stay_under_the_byte_bound() -> None:
    cache: ManifestCache[str] = ManifestCache(max_bytes=2_500)
    for index in range(5):
        cache.put(index, "x" * 1_000)
    assert len(cache) == 2
    assert cache.size_bytes <= 2_500
    assert cache.get(4) is not None
    assert cache.get(0) is None


def test_a_value_larger_than_the_whole_cache_is_not_stored() -> None:
    cache: ManifestCache[str] = ManifestCache(max_bytes=100)
    cache.put("big", "x" * 1_000)
    assert len(cache) == 0


def test_the_chart_cache_loads_once_per_key_and_can_forget() -> None:
    charts: ChartCache[object] = ChartCache(max_entries=1)
    loads: list[str] = []

    def load(name: str) -> object:
        loads.append(name)
        return object()

    first = charts.get_or_load("a", lambda: load("a"))
    assert charts.get_or_load("a", lambda: load("a")) is first
    charts.get_or_load("b", lambda: load("b"))
    charts.get_or_load("a", lambda: load("a"))
    charts.discard("a")
    charts.get_or_load("a", lambda: load("a"))
    assert loads == ["a", "b", "a", "a"]


@pytest.fixture
def chart_repo(repo: Path) -> Path:
    return write(repo, chart_files(values="tier: one\n"))


def test_rendering_the_same_commit_again_is_a_cache_hit(chart_repo: Path) -> None:
    renderer = Renderer()
    source = helm_source()
    app = application(source)
    cold = renderer.render(app, source, chart_repo, sha=SHA)
    warm = renderer.render(app, source, chart_repo, sha=SHA)
    assert (cold.cached, warm.cached) == (False, True)
    assert warm.objects == cold.objects
    assert warm.origins == cold.origins
    warm.objects[0]["metadata"]["name"] = "edited"
    assert renderer.render(app, source, chart_repo, sha=SHA).objects == cold.objects


def test_a_working_directory_without_a_sha_is_never_cached(chart_repo: Path) -> None:
    renderer = Renderer()
    source = helm_source()
    app = application(source)
    renderer.render(app, source, chart_repo, sha=None)
    write(chart_repo, {"chart/values.yaml": "tier: two\n"})
    again = renderer.render(app, source, chart_repo, sha=None)
    assert not again.cached
    assert '"tier":"two"' in again.objects[0]["data"]["values.json"]
    assert len(renderer.cache) == 0


@pytest.mark.parametrize(
    "change",
    ["sha", "values", "app name", "namespace"],
)
def test_anything_that_changes_the_output_misses_the_cache(chart_repo: Path, change: str) -> None:
    renderer = Renderer()
    source = helm_source()
    renderer.render(application(source), source, chart_repo, sha=SHA)
    sha, name, namespace = SHA, "demo", "demo"
    if change == "sha":
        sha = "1" * 40
    elif change == "values":
        source = helm_source(values="tier: other\n")
    elif change == "app name":
        name = "other"
    else:
        namespace = "elsewhere"
    app = application(source, name=name, namespace=namespace)
    assert not renderer.render(app, source, chart_repo, sha=sha).cached


def test_a_source_reading_another_sources_files_is_cached_only_with_that_sources_sha(
    chart_repo: Path, tmp_path: Path
) -> None:
    config = write(tmp_path / "config", {"values.yaml": "tier: ref\n"})
    renderer = Renderer()
    source = helm_source(value_files=("$config/values.yaml",))
    app = application(source)
    refs = {"config": config}
    renderer.render(app, source, chart_repo, sha=SHA, refs=refs)
    assert not renderer.render(app, source, chart_repo, sha=SHA, refs=refs).cached
    shas = {"config": "c" * 40}
    renderer.render(app, source, chart_repo, sha=SHA, refs=refs, ref_shas=shas)
    assert renderer.render(app, source, chart_repo, sha=SHA, refs=refs, ref_shas=shas).cached
    other = {"config": "d" * 40}
    assert not renderer.render(app, source, chart_repo, sha=SHA, refs=refs, ref_shas=other).cached


def test_loaded_charts_are_reused_across_apps_of_the_same_commit(chart_repo: Path) -> None:
    renderer = Renderer()
    source = helm_source()
    for name in ("one", "two", "three"):
        renderer.render(application(source, name=name), source, chart_repo, sha=SHA)
    assert (renderer.charts.stats.misses, renderer.charts.stats.hits) == (1, 2)


def test_directory_renders_are_cached_too(repo: Path) -> None:
    write(repo, {"manifests/a.yaml": configmap("a")})
    renderer = Renderer()
    source = directory_source()
    renderer.render(application(source), source, repo, sha=SHA)
    assert renderer.render(application(source), source, repo, sha=SHA).cached


async def test_the_async_wrapper_renders_off_the_event_loop(chart_repo: Path) -> None:
    renderer = Renderer()
    source = helm_source()
    apps = [application(source, name=f"app-{index}") for index in range(4)]
    results = await asyncio.gather(
        *(renderer.render_async(app, source, chart_repo, sha=SHA) for app in apps)
    )
    assert [r.objects[0]["metadata"]["name"] for r in results] == [
        f"app-{index}-values" for index in range(4)
    ]
