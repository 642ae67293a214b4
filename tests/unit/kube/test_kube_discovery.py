"""Discovery on a scripted API: preferred versions, one fetch per list, one fresh look on a miss."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.errors import NotFoundError, UnknownKindError
from gitward.kube.discovery import Discovery


class ScriptedApi:
    """Discovery documents by path, and a log of the paths asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.docs: dict[str, dict[str, Any]] = {
            "/api": {"versions": ["v1"]},
            "/apis": {
                "groups": [
                    {
                        "name": "autoscaling",
                        "preferredVersion": {"version": "v2"},
                        "versions": [{"version": "v1"}, {"version": "v2"}],
                    }
                ]
            },
            "/api/v1": {
                "resources": [
                    {"name": "pods", "kind": "Pod", "namespaced": True, "verbs": ["get"]},
                    {"name": "pods/status", "kind": "Pod", "namespaced": True},
                    {"name": "namespaces", "kind": "Namespace", "namespaced": False},
                ]
            },
            "/apis/autoscaling/v2": {
                "resources": [
                    {
                        "name": "horizontalpodautoscalers",
                        "kind": "HorizontalPodAutoscaler",
                        "namespaced": True,
                    }
                ]
            },
            "/apis/autoscaling/v1": {
                "resources": [{"name": "scales", "kind": "Scale", "namespaced": True}]
            },
        }

    async def fetch(self, path: str, purpose: str) -> dict[str, Any]:
        self.asked.append(path)
        if path not in self.docs:
            raise NotFoundError(f"no {path}")
        return self.docs[path]


@pytest.fixture
def api() -> ScriptedApi:
    return ScriptedApi()


async def test_the_preferred_version_of_a_group_is_chosen(api: ScriptedApi):
    found = await Discovery(api.fetch, cluster="c").resolve(
        "autoscaling", "HorizontalPodAutoscaler"
    )

    assert (found.version, found.plural, found.api_version) == (
        "v2",
        "horizontalpodautoscalers",
        "autoscaling/v2",
    )


async def test_a_kind_only_in_another_version_of_its_group_is_still_found(api: ScriptedApi):
    found = await Discovery(api.fetch, cluster="c").resolve("autoscaling", "Scale")

    assert found.version == "v1"


async def test_subresources_are_not_kinds_and_scope_is_read(api: ScriptedApi):
    discovery = Discovery(api.fetch, cluster="c")

    pods = await discovery.resolve("", "Pod")
    namespaces = await discovery.resolve("", "Namespace")

    assert (pods.plural, pods.namespaced, pods.verbs) == ("pods", True, frozenset({"get"}))
    assert (namespaces.plural, namespaces.namespaced) == ("namespaces", False)
    assert namespaces.path("ignored", "prod") == "/api/v1/namespaces/prod"


async def test_each_document_is_fetched_once_while_kinds_are_found(api: ScriptedApi):
    discovery = Discovery(api.fetch, cluster="c")

    for _ in range(3):
        await discovery.resolve("", "Pod")
        await discovery.resolve("", "Namespace")

    assert sorted(api.asked) == ["/api", "/api/v1", "/apis"]


async def test_a_miss_looks_again_once_and_finds_a_group_that_appeared(api: ScriptedApi):
    discovery = Discovery(api.fetch, cluster="c")
    await discovery.resolve("", "Pod")
    api.docs["/apis"]["groups"].append(
        {
            "name": "example.com",
            "preferredVersion": {"version": "v1"},
            "versions": [{"version": "v1"}],
        }
    )
    api.docs["/apis/example.com/v1"] = {
        "resources": [{"name": "widgets", "kind": "Widget", "namespaced": True}]
    }

    widgets = await discovery.resolve("example.com", "Widget")

    assert widgets.plural == "widgets"


async def test_a_kind_still_missing_after_the_fresh_look_is_unknown_and_names_the_cluster(
    api: ScriptedApi,
):
    discovery = Discovery(api.fetch, cluster="prod-eu")

    with pytest.raises(UnknownKindError) as caught:
        await discovery.resolve("example.com", "Widget", "v1")

    assert caught.value.message.startswith("cluster prod-eu: the cluster serves no kind Widget")
    assert api.asked.count("/apis") == 2


async def test_forgetting_makes_the_next_lookup_ask_again(api: ScriptedApi):
    discovery = Discovery(api.fetch, cluster="c")
    await discovery.resolve("", "Pod")

    discovery.forget()
    await discovery.resolve("", "Pod")

    assert api.asked.count("/api/v1") == 2
