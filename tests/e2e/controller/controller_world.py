"""The world an end-to-end controller test runs in: the strategy document's repository as a
real git repository in a temp dir, a sandbox cluster over HTTP, a SQLite store, and gitward's
controller over them.

The repository keeps the example's repoURL (``https://github.com/...``) and gitward's git port
maps it to the temp clone (``Repositories(local=...)``). The controller never serves a mapped
clone "as is": it resolves ``main`` with ``git ls-remote`` on the clone and checks out the
commit it names (``checkout_commit``), so every test commit is a real new revision, exactly as
with a remote. The git runner is the real one behind a switch that makes ``ls-remote`` and
``fetch`` fail the way an unreachable remote does. Tests that need more repositories (a chart in
one, values in another) make them with ``support.repos.new_repository`` and map their URLs through
``World.repositories``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from gitward.charts import ChartRepositories
from gitward.cli.demo import EXAMPLE_CHARTS_DIR, EXAMPLE_CHARTS_URL
from gitward.controller.events import AppEvent, Subscription
from gitward.controller.loop import Controller
from gitward.errors import NotFoundError
from gitward.git.repo import Repositories
from gitward.git.running import GitResult, run_git
from gitward.kube import Backoff, ClusterAccess, Clusters, RemoteCluster
from gitward.kube.clusters import Connector
from gitward.model.objects import ResourceKey
from gitward.render import Renderer
from gitward.sandbox import Sandbox
from gitward.settings import ControllerSettings
from gitward.store import AppRecord, Store
from support.cluster import apply_file
from support.example import NAMESPACES, REPO_URL, ROOT_APP
from support.pace import QUICK_CONTROLLER
from support.repos import git

ENV_APPS = "gitops/app-of-apps/argocd-env-apps.yaml"
BACKEND = "235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend"
FAST_CACHE = Backoff(initial=0.05, cap=0.5)
FAST = replace(QUICK_CONTROLLER, reconciliation_s=2.0, jitter_s=0.5, wave_timeout_s=30.0)


class SwitchableGit:
    """The real git runner; while ``offline``, talking to the remote fails as it does when the
    host cannot be reached."""

    def __init__(self) -> None:
        self.offline = False

    async def __call__(
        self, args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]
    ) -> GitResult:
        if self.offline and any(verb in args for verb in ("ls-remote", "fetch")):
            return GitResult(
                128,
                "",
                "fatal: unable to access 'https://github.com/giridharan-official/"
                "ai-chatbot-infra.git/': Could not resolve host: github.com\n",
            )
        return await run_git(args, cwd=cwd, env=env)


@dataclass
class World:
    """Everything a test touches."""

    tmp: Path
    sandbox: Sandbox
    cluster: RemoteCluster
    access: ClusterAccess
    repo: Path
    git_runner: SwitchableGit
    store: Store
    settings: ControllerSettings = FAST
    controller: Controller | None = None
    subscription: Subscription | None = None
    controllers: list[Controller] = field(default_factory=list)
    repositories: dict[str, Path] = field(default_factory=dict)
    """More repoURLs served from local clones, besides the example's."""
    connect: Connector | None = None
    """How the controller connects to the sandbox (None: the real client, as configured)."""
    charts: ChartRepositories | None = None
    """The chart port for apps whose charts come from chart repositories (None: refused)."""
    git_clock: Callable[[], float] = time.time
    """Dates the uses of commits' trees (tests of their collection move it by hand)."""

    # -- the controller ----------------------------------------------------------------------

    def new_controller(
        self, settings: ControllerSettings | None = None, renderer: Renderer | None = None
    ) -> Controller:
        local = {REPO_URL: self.repo, **self.repositories}
        repos = Repositories(
            self.tmp / "git-cache", local=local, runner=self.git_runner, clock=self.git_clock
        )
        if self.charts is None:  # the example's mongodb, as the demo serves it
            example_charts = {EXAMPLE_CHARTS_URL: self.repo / EXAMPLE_CHARTS_DIR}
            self.charts = ChartRepositories(self.tmp / "chart-cache", local=example_charts)
        controller = Controller(
            self.store,
            repos,
            Clusters([self.access], connect=self.connect),
            renderer or Renderer(),
            settings or self.settings,
            cache_backoff=FAST_CACHE,
            charts=self.charts,
        )
        self.controllers.append(controller)
        self.controller = controller
        self.subscription = controller.events.subscribe()
        return controller

    async def start(
        self, settings: ControllerSettings | None = None, renderer: Renderer | None = None
    ) -> Controller:
        controller = self.new_controller(settings, renderer)
        await controller.start()
        return controller

    async def bootstrap(self) -> None:
        """Namespaces first (gitops/bootstrap, applied by hand), then the root app."""
        await apply_file(self.access, self.repo / NAMESPACES)
        assert self.controller is not None
        await self.controller.bootstrap(self.repo / ROOT_APP)

    # -- git -----------------------------------------------------------------------------------

    def _backend_tag(self, environment: str) -> tuple[Path, str, re.Match[str]]:
        path = self.repo / "gitops" / environment / "values.yaml"
        text = path.read_text()
        found = re.compile(r"(\n    tag: )(\S+)").search(text, text.index("backend:"))
        assert found is not None
        return path, text, found

    def backend_tag(self, environment: str) -> str:
        """The backend image tag ``gitops/<environment>/values.yaml`` sets."""
        return self._backend_tag(environment)[2].group(2)

    def set_backend_tag(self, environment: str, tag: str) -> None:
        path, text, found = self._backend_tag(environment)
        path.write_text(text[: found.start(2)] + tag + text[found.end(2) :])

    def edit_env_apps(self, edit: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
        """Rewrite gitops/app-of-apps/argocd-env-apps.yaml; ``edit`` returns None to drop an
        Application."""
        path = self.repo / ENV_APPS
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
        kept = [d for d in (edit(d) for d in documents) if d is not None]
        path.write_text(yaml.safe_dump_all(kept, sort_keys=False))

    def commit(self, message: str) -> str:
        git(self.repo, "commit", "-q", "-am", message)
        return git(self.repo, "rev-parse", "HEAD")

    # -- reading -------------------------------------------------------------------------------

    async def app(self, name: str) -> AppRecord:
        found = await self.store.apps.get(name)
        assert found is not None, f"no app {name}"
        return found

    async def live(self, kind: str, namespace: str, name: str, group: str = "apps") -> Any:
        try:
            return await self.cluster.get(ResourceKey(group, kind, namespace, name))
        except NotFoundError:
            return None

    async def backend_image(self, namespace: str) -> str | None:
        found = await self.live("Deployment", namespace, f"ai-chatbot-{namespace}-backend")
        if found is None:
            return None
        return str(found["spec"]["template"]["spec"]["containers"][0]["image"])

    # -- waiting -------------------------------------------------------------------------------

    async def until(
        self, check: Callable[[], Awaitable[bool]], within: float = 30.0, what: str = ""
    ) -> None:
        """Return once ``check()`` holds, looking again after every controller event (and at
        least every half second); fail after ``within`` seconds."""
        assert self.subscription is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not await check():
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"not within {within}s: {what or check}")
            try:
                await self.subscription.next(within=min(0.5, left))
            except TimeoutError:
                continue

    async def until_app(
        self, name: str, *, within: float = 30.0, idle: bool | None = None, **wanted: Any
    ) -> AppRecord:
        """Wait until the app's stored status has every ``wanted`` field value
        (``sync_status``, ``health_status``, ``observed_revisions``) and, with ``idle`` (the
        default when ``sync_status="Synced"`` is wanted), no operation runs: a sync's last
        step (releasing its hooks, writing history) may come after the status says Synced."""
        found: list[AppRecord] = []
        idle = wanted.get("sync_status") == "Synced" if idle is None else idle

        async def check() -> bool:
            record = await self.store.apps.get(name)
            if record is None:
                return False
            found[:] = [record]
            if not all(getattr(record.status, k) == v for k, v in wanted.items()):
                return False
            return not idle or await self.store.operations.current(name) is None

        try:
            await self.until(check, within, f"{name} {wanted}")
        except AssertionError:
            status = found[0].status if found else None
            raise AssertionError(f"{name} never reached {wanted}; last status: {status}") from None
        return found[0]

    def watch(self) -> Subscription:
        """A subscription to the current controller's events from now on."""
        assert self.controller is not None
        return self.controller.events.subscribe()

    async def close(self) -> None:
        for controller in self.controllers:
            await controller.stop()


async def drained(subscription: Subscription) -> list[AppEvent]:
    """Every event the subscription holds now, oldest first."""
    found = []
    while True:
        try:
            found.append(await subscription.next(within=0))
        except TimeoutError:
            return found


def first_healthy(seen: Sequence[AppEvent], app: str) -> int:
    """Where in ``seen`` the app first is Synced and Healthy."""
    return next(
        i
        for i, e in enumerate(seen)
        if e.app == app and e.sync_status == "Synced" and e.health_status == "Healthy"
    )


def first_operation(seen: Sequence[AppEvent], app: str) -> int:
    """Where in ``seen`` the app's first sync operation shows."""
    return next(i for i, e in enumerate(seen) if e.app == app and e.kind == "operation")
