"""Rendering an app-of-apps tree: levels, projects, self-declaration, cycles, failures."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitward.controller.preview import AppRender, TreeRenderer
from gitward.errors import GitUnavailableError, Location
from gitward.git.repo import Checkout
from gitward.model.application import Application, parse_application
from gitward.model.objects import Manifest
from gitward.model.sources import Source
from support import applications

REPO = "https://git.example.com/infra.git"
IN_CLUSTER = "https://kubernetes.default.svc"


def application(
    name: str, path: str, *, project: str = "default", wave: int = 0, namespace: str = "argocd"
) -> Manifest:
    return applications.application(
        name,
        repo_url=REPO,
        path=path,
        project=project,
        namespace=namespace,
        app_namespace="argocd",
        annotations={"argocd.argoproj.io/sync-wave": str(wave)},
    )


def project(name: str, namespace: str) -> Manifest:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name},
        "spec": {
            "sourceRepos": [REPO],
            "destinations": [{"server": IN_CLUSTER, "namespace": namespace}],
        },
    }


def config_map(name: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


class FakeWorkspace:
    """Every repository is one directory; a URL listed in ``down`` is unreachable."""

    def __init__(self, root: Path, down: frozenset[str] = frozenset()) -> None:
        self.root = root
        self.down = down

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        if repo_url in self.down:
            raise GitUnavailableError(f"cannot reach {repo_url}", where=where)
        return Checkout(root=self.root, sha="a" * 40, revision=revision)


class FakeRenderer:
    """Each source path renders to the objects listed for it."""

    def __init__(self, outputs: dict[str, list[Manifest]]) -> None:
        self.outputs = outputs
        self.rendered: list[str] = []

    async def render_source(
        self,
        app: Application,
        source: Source,
        checkout: Checkout,
        refs: Mapping[str, Checkout],
    ) -> tuple[list[tuple[Manifest, str | None]], list[str]]:
        self.rendered.append(app.name)
        return [(obj, f"{source.path}/x.yaml") for obj in self.outputs.get(source.path, [])], []


async def render(
    tmp_path: Path, outputs: dict[str, list[Manifest]], root: Manifest, **workspace: Any
) -> dict[str, AppRender]:
    tree = TreeRenderer(FakeWorkspace(tmp_path, **workspace), FakeRenderer(outputs))
    roots = [parse_application(root, file="root.yaml").value]
    return {item.name: item for item in await tree.render_tree(roots)}


async def test_the_root_app_renders_its_children_and_itself_without_a_cycle(
    tmp_path: Path,
) -> None:
    outputs = {
        "apps": [
            application("root", "apps"),
            project("dev", "dev"),
            application("dev", "chart", project="dev", wave=1, namespace="dev"),
        ],
        "chart": [config_map("settings")],
    }
    renders = await render(tmp_path, outputs, application("root", "apps"))
    assert list(renders) == ["root", "dev"]
    assert renders["root"].ok and renders["dev"].ok
    assert renders["root"].children == ["dev"]
    assert renders["dev"].parent == "root"
    assert [obj["kind"] for obj in renders["dev"].objects] == ["ConfigMap"]


async def test_children_are_ordered_by_sync_wave_then_name(tmp_path: Path) -> None:
    outputs = {
        "apps": [
            application("prod", "p", wave=3),
            application("dev", "d", wave=1),
            application("staging", "s", wave=2),
            application("audit", "a", wave=2),
        ]
    }
    renders = await render(tmp_path, outputs, application("root", "apps"))
    assert list(renders) == ["root", "dev", "audit", "staging", "prod"]


async def test_an_unknown_project_fails_only_that_app_and_names_the_known_ones(
    tmp_path: Path,
) -> None:
    outputs = {
        "apps": [application("dev", "d", project="dev"), application("ok", "o")],
        "o": [config_map("fine")],
    }
    renders = await render(tmp_path, outputs, application("root", "apps"))
    assert renders["ok"].ok
    assert renders["dev"].errors == [
        "apps/x.yaml: Application dev: spec.project: project 'dev' does not exist. Use one of "
        "the known projects (default) or declare an AppProject named 'dev'"
    ]


async def test_a_destination_outside_the_project_is_refused(tmp_path: Path) -> None:
    outputs = {"apps": [project("dev", "dev"), application("x", "d", project="dev")]}
    renders = await render(tmp_path, outputs, application("root", "apps"))
    assert (
        "destination https://kubernetes.default.svc/argocd is not permitted"
        in (renders["x"].errors[0])
    )


async def test_a_real_cycle_is_reported_with_its_loop(tmp_path: Path) -> None:
    outputs = {"a": [application("b", "b")], "b": [application("root", "a")]}
    renders = await render(tmp_path, outputs, application("root", "a"))
    assert renders["b"].errors and "root -> b -> root" in renders["b"].errors[0]


async def test_an_app_declared_twice_is_an_error_on_the_second_parent(tmp_path: Path) -> None:
    outputs = {
        "apps": [application("one", "x"), application("two", "y")],
        "x": [application("shared", "s")],
        "y": [application("shared", "s")],
    }
    renders = await render(tmp_path, outputs, application("root", "apps"))
    assert renders["one"].ok
    assert "Application shared is declared twice (also by one)" in renders["two"].errors[0]


async def test_an_unreachable_repository_fails_the_app_and_keeps_no_objects(
    tmp_path: Path,
) -> None:
    outputs = {"apps": [config_map("a")]}
    renders = await render(tmp_path, outputs, application("root", "apps"), down=frozenset({REPO}))
    assert renders["root"].objects == []
    assert "cannot reach" in renders["root"].errors[0]
