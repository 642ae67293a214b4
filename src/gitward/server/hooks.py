"""Webhook deliveries waiting to be handled: a bounded queue and the worker that empties it.

The route verifies and parses a delivery (``gitward.server.webhooks``) and only enqueues its
pushes; when the queue is full it refuses at once (503), so a flood costs memory for at most
``size`` deliveries. The worker takes every delivery waiting at once and reads the stored apps
once for all of them (a storm of pushes costs one pass over the apps per batch, not one per
push), letting the event loop serve requests between apps. It refreshes (hard: the revision is
resolved again) exactly the apps with a source whose repoURL and tracked revision the push
matches, and, when the app says ``manifest-generate-paths``, whose paths it changed, and the
parent apps of ApplicationSets with a git generator reading the pushed repository and revision
(Argo CD's ApplicationSet webhook: the set is expanded again at once), and expands again the
stored sets (created through the API) whose git generators read it. Nothing
here contacts a URL or host from a payload: the controller fetches the app's own repoURL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from gitward.controller.loop import Controller
from gitward.controller.refreshing import APPLICATION_SETS
from gitward.controller.storedsets import set_key
from gitward.errors import GitwardError
from gitward.model.application import Application, parse_application
from gitward.model.appsets import git_generators, parse_appset
from gitward.redaction import redact
from gitward.server.webhooks import Push, matches, paths_match
from gitward.store import AppRecord, AppSetRecord, Store

__all__ = ["WebhookQueue", "apps_to_refresh", "sets_to_expand"]

log = logging.getLogger(__name__)

MANIFEST_GENERATE_PATHS = "argocd.argoproj.io/manifest-generate-paths"


class WebhookQueue:
    """Pushes waiting for the worker (see the module docstring)."""

    def __init__(self, size: int = 100) -> None:
        self._queue: asyncio.Queue[tuple[Push, ...]] = asyncio.Queue(maxsize=max(1, size))
        self.handled = 0
        self.refreshed: deque[str] = deque(maxlen=1000)
        """The apps deliveries refreshed, most recent last (for operators and tests)."""

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    def offer(self, pushes: tuple[Push, ...]) -> bool:
        """Enqueue a delivery's pushes; False when the queue is full."""
        try:
            self._queue.put_nowait(pushes)
        except asyncio.QueueFull:
            return False
        return True

    async def work(self, store: Store, controller: Controller) -> None:
        """Handle deliveries until cancelled."""
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                batch = [await self._queue.get()]
                while not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                pushes = tuple(push for delivery in batch for push in delivery)
                try:
                    names = await apps_to_refresh(store, pushes, controller.reads.app)
                    for name in names:
                        controller.refresh(name, hard=True)
                        self.refreshed.append(name)
                    if names:
                        log.info("webhook: refreshing %s", ", ".join(names))
                    await self._expand_sets(store, controller, pushes)
                except GitwardError as err:
                    log.warning("webhook: %s", redact(err.message))
                finally:
                    self.handled += len(batch)
                    for _ in batch:
                        self._queue.task_done()

    async def _expand_sets(
        self, store: Store, controller: Controller, pushes: Sequence[Push]
    ) -> None:
        """Expand again at once the stored sets this replica owns whose git generators read
        a pushed repository and revision."""
        for record, repositories in await sets_to_expand(store, pushes):
            if not controller.owns(set_key(record.name)):
                controller.refresh(set_key(record.name), hard=True)  # asks its owner
                continue
            for repo in repositories:
                controller.revisions.forget(repo)
            await controller.stored_sets.reconcile(record)
            self.refreshed.append(f"applicationset/{record.name}")
            log.info("webhook: expanding ApplicationSet %s", record.name)

    async def drained(self) -> None:
        """Return once every delivery enqueued so far was handled."""
        await self._queue.join()


async def apps_to_refresh(
    store: Store,
    pushes: Sequence[Push],
    read_app: Callable[[str], Awaitable[AppRecord | None]] | None = None,
) -> list[str]:
    """The apps some push concerns, by name. ``read_app`` reads an app's record (a server
    passes its controller's cached reads: a push must not cost a database read per app, ~5 s
    at 10,000 apps)."""
    wanted = list(dict.fromkeys(push for push in pushes if not push.ping and push.ref))
    if not wanted:
        return []
    read = read_app or store.apps.get
    found = []
    for summary in await store.apps.list():
        await asyncio.sleep(0)  # let requests in between apps
        record = await read(summary.name)
        if record is None:
            continue
        try:
            app = parse_application(dict(record.document), file=record.file).value
        except GitwardError:
            continue
        watched = _set_repositories(record)
        if any(_concerns(push, app) for push in wanted) or any(
            matches(push, repo, revision) for push in wanted for repo, revision in watched
        ):
            found.append(app.name)
    return found


async def sets_to_expand(
    store: Store, pushes: Sequence[Push]
) -> list[tuple[AppSetRecord, list[str]]]:
    """The stored sets with a git generator some push concerns, with the repositories their
    git generators read."""
    wanted = [push for push in pushes if not push.ping and push.ref]
    found = []
    for record in await store.appsets.list() if wanted else []:
        reads = _generator_reads(record.document, None)
        if any(matches(push, repo, revision) for push in wanted for repo, revision in reads):
            found.append((record, sorted({repo for repo, _ in reads})))
    return found


def _set_repositories(record: AppRecord) -> list[tuple[str, str]]:
    """The (repoURL, revision) the git generators of the app's ApplicationSets read."""
    kept = record.status.resources.get(APPLICATION_SETS)
    found = []
    for item in kept if isinstance(kept, list) else []:
        document = item.get("document") if isinstance(item, dict) else None
        found.extend(_generator_reads(document, record.file))
    return found


def _generator_reads(document: object, file: str | None) -> list[tuple[str, str]]:
    """The (repoURL, revision) one set's git generators read (templated URLs left out)."""
    try:
        appset = parse_appset(document, file=file).value
    except GitwardError:
        return []
    return [
        (generator.repo_url, generator.revision)
        for generator in git_generators(appset.generators)
        if "{{" not in generator.repo_url
    ]


def _concerns(push: Push, app: Application) -> bool:
    paths = app.annotations.get(MANIFEST_GENERATE_PATHS, "")
    for source in app.sources:
        if not matches(push, source.repo_url, source.target_revision):
            continue
        if not paths or paths_match(paths, source.path or "/", push.changed_files):
            return True
    return False
