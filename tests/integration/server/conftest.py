"""A running API server per test, over real HTTP: the strategy document's RBAC policy, its
projects and apps in the store, and its repository as a real git repository in a temp dir.

The controller is made but not started (``reconcile=False``): the API's own behaviour is under
test, and operations it starts are recorded, not applied. ``Api`` hands out clients for the
admin, for single sign-on users with groups (sessions issued by the server's authenticator, as
its OIDC login would), and anonymous ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from gitward.appsets.declaring import expand_declared
from gitward.appsets.expanding import Expander
from gitward.appsets.generating import Ports
from gitward.appsets.status import recorded
from gitward.cli.demo import EXAMPLE_CHARTS_DIR, EXAMPLE_CHARTS_URL
from gitward.controller.refreshing import APPLICATION_SETS
from gitward.errors import GitUnavailableError
from gitward.model.application import parse_application
from gitward.model.project import parse_project
from gitward.server.running import RunningServer, ServerConfig, run_server
from gitward.settings import ControllerSettings
from gitward.store import AppDefinition, AppStatus, ProjectDefinition
from support.applications import application, application_set
from support.example import REPO_URL, ROOT, ROOT_APP, example_repository
from support.pace import QUICK_CONTROLLER

QUICK = replace(
    QUICK_CONTROLLER,
    workers=2,
    reconciliation_s=30.0,
    jitter_s=0.1,
    self_heal_base_s=ControllerSettings().self_heal_base_s,
    error_backoff_cap_s=0.5,
    wave_timeout_s=30.0,
)
"""A reconciling server's controller for tests that watch it act on what they do: quick to
retry and to time out, but no periodic refresh of its own within a test and self-heal at its
usual pace."""


@dataclass
class Api:
    """The running server and ways to talk to it."""

    server: RunningServer
    repo: Path
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, token: str | None = None, **options: Any) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        made = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30.0, **options)
        self.clients.append(made)
        return made

    async def login(self, username: str, password: str) -> str:
        answer = await self.client().post(
            "/api/v1/session", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["token"]
        return token

    async def admin(self) -> httpx.AsyncClient:
        assert self.server.admin_password is not None
        return self.client(await self.login("admin", self.server.admin_password))

    def sso(self, name: str, *groups: str) -> httpx.AsyncClient:
        """A client for a single sign-on user in these groups."""
        session = self.server.services.authenticator.sso_session(name, tuple(groups))
        return self.client(session.token)

    async def close(self) -> None:
        for made in self.clients:
            await made.aclose()


ApiFactory = Callable[..., Awaitable[Api]]


@pytest.fixture
async def api_factory(tmp_path: Path) -> AsyncIterator[ApiFactory]:
    """Start a server with ``ServerConfig`` overrides (the example's policy and apps by default)."""
    running: list[tuple[Any, Api]] = []

    async def start(**overrides: Any) -> Api:
        repo = example_repository(tmp_path)
        config = ServerConfig(
            **{
                "data_dir": tmp_path / "data",
                "reconcile": False,
                "rbac_file": repo / "argocd-rbac-cm.yaml",
                "local_repos": {REPO_URL: repo},
                "helm_repos": {EXAMPLE_CHARTS_URL: repo / EXAMPLE_CHARTS_DIR},
                "git_cache_dir": tmp_path / "git-cache",
                **overrides,
            }
        )
        context = run_server(config)
        server = await context.__aenter__()
        api = Api(server, repo)
        running.append((context, api))
        await _seed(server, repo)
        return api

    yield start
    for context, api in reversed(running):
        await api.close()
        await context.__aexit__(None, None, None)


@pytest.fixture
async def api(api_factory: ApiFactory) -> Api:
    return await api_factory()


async def _seed(server: RunningServer, repo: Path) -> None:
    """The root app, and what it declares (projects, the three environments), in the store."""
    store = server.services.store
    await server.controller.bootstrap(repo / ROOT_APP)
    for document in _documents(repo / "gitops/app-of-apps/argocd-projects.yaml"):
        project = parse_project(document).value
        await store.projects.upsert(ProjectDefinition(project.name, document))
    children = [
        AppDefinition.of(parse_application(document).value, document, parent=ROOT)
        for document in _documents(repo / "gitops/app-of-apps/argocd-env-apps.yaml")
    ]
    await store.apps.upsert_many(children)


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


async def seed_appsets(api: Api, *sets: dict[str, Any]) -> None:
    """ApplicationSets as the root app's last refresh would have kept them (a git generator
    fails: no repository is served, and the set is kept with ErrorOccurred)."""

    class NoGit:
        async def checkout(self, repo_url: str, revision: str, **_: Any) -> Any:
            raise GitUnavailableError(f"{repo_url} is not served in this test")

    found = await expand_declared(list(sets), ["sets.yaml"] * len(sets), Ports(NoGit()), Expander())
    kept = [recorded(report, ROOT, datetime.now(UTC)) for report in found.sets]
    await api.server.services.store.apps.set_status(
        ROOT, AppStatus(resources={APPLICATION_SETS: kept})
    )


def list_appset(name: str, project: str) -> dict[str, Any]:
    """An ApplicationSet generating one app of ``project`` from a list element."""
    template = application(
        f"{name}-{{{{env}}}}",
        repo_url="https://user:hunter2@git.example.com/x.git",
        path="p",
        revision=None,
        project=project,
        namespace="x",
    )
    return application_set(
        name, [{"list": {"elements": [{"env": project}]}}], template, app_namespace="argocd"
    )


def example_directories_set(name: str, app_name: str, directories: list[Any]) -> dict[str, Any]:
    """An ApplicationSet whose git generator lists ``directories`` of the example repository;
    each directory's app is ``app_name`` (with ``{{path.basename}}``), deploying the directory
    into the namespace of its base name."""
    generator = {"git": {"repoURL": REPO_URL, "revision": "main", "directories": directories}}
    template = application(
        app_name, repo_url=REPO_URL, path="{{path}}", namespace="{{path.basename}}"
    )
    return application_set(name, [generator], template)
