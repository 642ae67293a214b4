"""The live cache against the sandbox: warm state, indexes by app and owner, slim copies,
reconnection after dropped streams, relisting after 410, kinds whose CRD comes later."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cluster_objects import crd
from kube_builders import config_map, deployment

from gitward.errors import ClusterUnavailableError
from gitward.kube import CacheEvent, ClusterAccess, LiveCache, RemoteCluster, stamp
from gitward.kube.index import LAST_APPLIED
from gitward.model.annotations import TRACKING_ID
from gitward.model.objects import ResourceKey
from gitward.sandbox import ErrorRate, Sandbox, SandboxOptions

CONFIG_MAPS = ("", "ConfigMap")
WITHIN = 10.0


def names(objects: list[dict[str, object]]) -> list[str]:
    return [str(o["metadata"]["name"]) for o in objects]  # type: ignore[index]


def kind_state(cache: LiveCache, group: str, kind: str):  # type: ignore[no-untyped-def]
    return next(s for s in cache.state() if (s.group, s.kind) == (group, kind))


async def test_a_warm_cache_answers_by_key_and_by_app_without_copies(
    cluster: RemoteCluster, cache: LiveCache, sandbox: Sandbox
):
    await cluster.apply(stamp(config_map("a", data={"k": "1"}), "guestbook"))
    await cluster.apply(stamp(config_map("b"), "guestbook"))
    await cluster.apply(stamp(config_map("c"), "billing"))
    original = stamp(config_map("d"), "guestbook")
    await cluster.apply(config_map("copy", annotations=original["metadata"]["annotations"]))
    await cluster.apply(config_map("plain"))

    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(WITHIN)
    requests_after_warm = len(sandbox.request_log())

    assert cache.is_warm
    assert names(cache.by_app("guestbook")) == ["a", "b"]
    assert names(cache.by_app("billing")) == ["c"]
    live = cache.get(ResourceKey("", "ConfigMap", "default", "a"))
    assert live is not None and live["data"] == {"k": "1"}
    assert cache.get(ResourceKey("", "ConfigMap", "default", "copy")) is not None
    assert len(sandbox.request_log()) == requests_after_warm
    state = kind_state(cache, *CONFIG_MAPS)
    assert (state.phase, state.synced, state.lists, state.objects) == ("watching", True, 1, 5)


async def test_later_changes_reach_the_cache_and_its_listeners(
    cluster: RemoteCluster, cache: LiveCache
):
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(WITHIN)
    heard: list[CacheEvent] = []
    unsubscribe = cache.subscribe(heard.append)
    key = ResourceKey("", "ConfigMap", "default", "settings")

    await cluster.apply(stamp(config_map("settings", data={"v": "1"}), "guestbook"))
    await cluster.apply(stamp(config_map("settings", data={"v": "2"}), "guestbook"))
    await cache.wait_until(lambda: (cache.get(key) or {}).get("data") == {"v": "2"}, WITHIN)
    await cluster.delete(key)
    await cache.wait_until(lambda: cache.get(key) is None, WITHIN)
    unsubscribe()
    await cluster.apply(config_map("unheard"))
    await cache.wait_until(lambda: len(cache) == 1, WITHIN)

    assert [(e.type, e.key.name) for e in heard] == [
        ("ADDED", "settings"),
        ("MODIFIED", "settings"),
        ("DELETED", "settings"),
    ]
    assert all(e.apps == frozenset({"guestbook"}) for e in heard)
    assert cache.by_app("guestbook") == []


async def test_the_tree_of_a_deployment_is_walked_through_owner_references(
    cluster: RemoteCluster, cache: LiveCache
):
    cache.watch_kinds(("apps", "Deployment"))
    await cache.wait_warm(WITHIN)
    live = await cluster.apply(stamp(deployment("web", replicas=2), "guestbook"))
    uid = live["metadata"]["uid"]

    def pods() -> list[dict[str, object]]:
        return [pod for rs in cache.children(uid) for pod in cache.children(rs["metadata"]["uid"])]

    await cache.wait_until(lambda: len(pods()) == 2, WITHIN)

    assert {s.kind for s in cache.state()} == {"Deployment", "ReplicaSet", "Pod"}
    assert [rs["kind"] for rs in cache.children(uid)] == ["ReplicaSet"]
    assert all(pod["kind"] == "Pod" for pod in pods())
    assert cache.apps_of(pods()[0]) == frozenset({"guestbook"})
    assert names(cache.by_app("guestbook")) == ["web"]


async def test_untracked_objects_are_kept_slim_and_tracked_ones_keep_managed_fields(
    cluster: RemoteCluster, cache: LiveCache
):
    secret_note = {LAST_APPLIED: '{"big": "copy"}'}
    await cluster.apply(stamp(config_map("mine", data={"k": "v"}, annotations=secret_note), "app"))
    await cluster.apply(config_map("theirs", data={"k": "v"}, annotations=secret_note))

    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(WITHIN)
    mine = cache.get(ResourceKey("", "ConfigMap", "default", "mine"))
    theirs = cache.get(ResourceKey("", "ConfigMap", "default", "theirs"))

    assert mine is not None and theirs is not None
    assert mine["data"] == {"k": "v"}
    assert mine["metadata"]["managedFields"]
    assert LAST_APPLIED not in mine["metadata"]["annotations"]
    assert TRACKING_ID in mine["metadata"]["annotations"]
    assert "data" not in theirs
    assert "managedFields" not in theirs["metadata"]
    assert theirs["metadata"]["annotations"] == {}


@pytest.mark.parametrize("sandbox_options", [SandboxOptions(bookmark_interval=0.02)])
async def test_the_cache_watches_again_after_its_stream_is_dropped(
    cluster: RemoteCluster, cache: LiveCache, sandbox: Sandbox
):
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(WITHIN)
    await cache.wait_until(lambda: kind_state(cache, *CONFIG_MAPS).events >= 1, WITHIN)

    sandbox.faults.drop_watches()
    await cluster.apply(config_map("after-drop"))
    await cache.wait_until(lambda: len(cache) == 1, WITHIN)

    state = kind_state(cache, *CONFIG_MAPS)
    assert state.watches >= 2
    assert state.lists == 1


async def test_the_cache_reconnects_with_backoff_while_the_server_refuses_watches(
    cluster: RemoteCluster, cache: LiveCache, sandbox: Sandbox
):
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(WITHIN)
    sandbox.faults.set_error_rate(ErrorRate(1.0, status=503, verbs=frozenset({"watch"})))
    sandbox.faults.drop_watches()
    await cache.wait_until(lambda: kind_state(cache, *CONFIG_MAPS).failures >= 2, WITHIN)
    await cluster.apply(config_map("while-away"))

    sandbox.faults.set_error_rate(None)
    cache.watch_kinds(CONFIG_MAPS)  # cuts the backoff pause short
    await cache.wait_until(lambda: len(cache) == 1, WITHIN)

    state = kind_state(cache, *CONFIG_MAPS)
    assert "injected 503" in state.last_error
    assert state.error == ""
    assert state.lists == 1


@pytest.mark.parametrize("sandbox_options", [SandboxOptions(bookmark_interval=0.02)])
async def test_the_cache_comes_back_after_the_server_refused_connections(
    cluster: RemoteCluster, cache: LiveCache, sandbox: Sandbox
):
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(WITHIN)
    sandbox.faults.refuse_connections()
    await cache.wait_until(lambda: kind_state(cache, *CONFIG_MAPS).failures >= 1, WITHIN)

    sandbox.faults.accept_connections()
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_until(lambda: not kind_state(cache, *CONFIG_MAPS).error, WITHIN)
    await cluster.apply(config_map("back"))
    await cache.wait_until(lambda: len(cache) == 1, WITHIN)

    state = kind_state(cache, *CONFIG_MAPS)
    assert "did not answer" in state.last_error
    assert state.phase == "watching"


@pytest.mark.parametrize("sandbox_options", [SandboxOptions(watch_history=3)])
async def test_the_cache_lists_again_when_its_version_has_expired(
    cluster: RemoteCluster, cache: LiveCache, sandbox: Sandbox
):
    await cluster.apply(config_map("gone-while-away"))
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(WITHIN)
    sandbox.faults.set_error_rate(ErrorRate(1.0, status=503, verbs=frozenset({"watch"})))
    sandbox.faults.drop_watches()
    await cache.wait_until(lambda: kind_state(cache, *CONFIG_MAPS).failures >= 1, WITHIN)
    await cluster.delete(ResourceKey("", "ConfigMap", "default", "gone-while-away"))
    await asyncio.gather(*(cluster.apply(config_map(f"new-{i}")) for i in range(6)))

    sandbox.faults.set_error_rate(None)
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_until(lambda: len(cache) == 6, WITHIN)

    state = kind_state(cache, *CONFIG_MAPS)
    assert state.expired >= 1
    assert state.lists >= 2
    assert names(cache.of_kind(*CONFIG_MAPS)) == [f"new-{i}" for i in range(6)]


async def test_a_kind_without_its_crd_is_warm_and_empty_until_the_crd_arrives(
    cluster: RemoteCluster, cache: LiveCache
):
    widgets = ("example.com", "Widget")
    cache.watch_kinds(widgets)
    await cache.wait_warm(WITHIN)
    absent = kind_state(cache, *widgets)

    await cluster.apply(crd())
    await cluster.apply(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default"},
        }
    )
    cache.watch_kinds(widgets)
    await cache.wait_until(lambda: len(cache.of_kind(*widgets)) == 1, WITHIN)

    assert absent.phase == "absent"
    assert "Widget" in absent.error
    assert kind_state(cache, *widgets).synced


async def test_waiting_for_an_unreachable_cluster_names_the_cold_kinds(tmp_path: Path):
    access = ClusterAccess(server="http://127.0.0.1:9", bearer_token="t0ps3cret-token")
    cluster = RemoteCluster.connect(access, timeout=1.0)
    try:
        async with LiveCache(cluster) as cache:
            cache.watch_kinds(CONFIG_MAPS)
            with pytest.raises(ClusterUnavailableError) as caught:
                await cache.wait_warm(within=0.5)
    finally:
        await cluster.close()

    assert "not warm" in caught.value.message
    assert "ConfigMap:" in caught.value.message
    assert "t0ps3cret-token" not in caught.value.message
    assert not cache.is_warm
