"""The notifications controller: follows app changes, records what is due, delivers it.

Three tasks, each with its own pace. :meth:`Notifier.follow` reads the controller's event stream
through its own bounded subscription (publishing never waits for it; when it falls behind it
re-reads every app), evaluates the subscribed triggers over the app's Argo CD JSON, renders the
templates of what is newly due and stores it as pending in the store, in the same write that
records it as sent. :meth:`Notifier.deliver` sends pending notifications, each service's in
order and services side by side, retrying transient failures with backoff (three attempts),
and marks each sent or failed. Each attempt is counted in the store before it is made, so a
notification a stopped process left unconfirmed is sent again after a restart (at least once,
at most :data:`MAX_ATTEMPTS` times in all), and what was recorded is never asked for again.
:meth:`Notifier.tidy` prunes finished records of deleted apps and those older than the
retention whose condition no longer holds (evaluation keeps the others current). The app's
JSON comes through ``documents``, a function the server gives (this package does not know the
API's shapes).
It must not slow the controller down nor log a secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from gitward.controller.events import AppEvent, EventStream
from gitward.errors import GitwardError
from gitward.notify.config import NotifyConfig, Service
from gitward.notify.delivery import DeliveryError, DeliveryRetryError, Sender
from gitward.notify.expr import ExpressionError, Function
from gitward.notify.exprfunctions import GLOBALS
from gitward.notify.templatecalls import needs_commits
from gitward.notify.templatedata import app_details, app_revisions, reveal_secrets, template_data
from gitward.notify.templates import TemplateError, TemplateRenderer, render_templates
from gitward.notify.triggers import Due, decide
from gitward.redaction import redact
from gitward.store import Store
from gitward.store.notifications import PendingNotification, StoredNotification

__all__ = ["AppDocuments", "CommitMetadata", "Notifier"]

log = logging.getLogger(__name__)

AppDocuments = Callable[[str], Awaitable[tuple[Mapping[str, Any], Mapping[str, Any]] | None]]
"""An app's Argo CD JSON and its project's annotations, or None when the app is gone."""

CommitMetadata = Callable[[str, str], Awaitable[Mapping[str, Any]]]
"""Argo CD's ``CommitMetadata`` (``Author``, ``Message``, ``Date``, ``Tags``) of a commit of a
repository, for templates' ``call .repo.GetCommitMetadata``."""

QUEUE = 1_000
ATTEMPTS = 3
POLL_S = 5.0
PAGE = 100
COMMIT_TIMEOUT_S = 15.0
MAX_ATTEMPTS = 6
"""Attempts at one notification in all, across restarts."""
RETENTION = timedelta(days=30)
"""How long a finished record whose condition no longer holds is kept."""
REFRESH_AFTER = timedelta(days=1)
PRUNE_EVERY_S = 3600.0
COMMITS_KEPT = 512
_PREFIX = "notifications.argoproj.io/"


class Notifier:
    """Follows events and delivers notifications (see the module docstring)."""

    def __init__(
        self,
        config: Callable[[], NotifyConfig],
        store: Store,
        documents: AppDocuments,
        *,
        sender: Sender | None = None,
        renderer: TemplateRenderer | None = None,
        commits: CommitMetadata | None = None,
        backoff_s: float = 1.0,
        retention: timedelta = RETENTION,
    ) -> None:
        self._config = config
        self._store = store
        self._documents = documents
        self._sender = sender or Sender()
        self._renderer = renderer or TemplateRenderer()
        self._backoff_s = backoff_s
        self._commits = commits
        self._known_commits: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._retention = retention
        self._wake = asyncio.Event()
        self._health = HealthTransitions()
        self._last: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}

    async def follow(self, events: EventStream) -> None:
        """Evaluate every app now, then each app as it changes, until cancelled."""
        with events.subscribe(QUEUE) as subscription:
            await self.sweep()
            seen_dropped = 0
            async for event in subscription:
                if subscription.dropped != seen_dropped:
                    seen_dropped = subscription.dropped
                    await self.sweep()
                await self._guarded(self.consider, event)

    async def sweep(self) -> None:
        for summary in await self._store.apps.list():
            await self._guarded(self.consider, AppEvent(app=summary.name, kind="status"))

    async def consider(self, event: AppEvent) -> None:
        """Record and wake delivery for what ``event``'s app is now due."""
        if event.kind == "deleted":
            last = self._last.pop(event.app, None)
            if last is not None:
                await self._evaluate(_deleting(last[0]), last[1])
            await self._store.notifications.forget_app(event.app)
            self._health.forget(event.app)
            return
        found = await self._documents(event.app)
        if found is None:
            return
        await self._evaluate(self._health.stamp(found[0]), found[1])

    async def _evaluate(self, app: Mapping[str, Any], project: Mapping[str, Any]) -> None:
        config = self._config()
        verdict = decide(config, app, project, await self._lent(config, app))
        name = str(app["metadata"]["name"])
        if _subscribed(app, project, config):
            self._last[name] = (app, project)
        known = await self._store.notifications.known(due.key for due in verdict.due)
        if known:  # what still holds stays recorded however old (else it would fire again)
            await self._store.notifications.refresh(known, REFRESH_AFTER)
        added = [
            await self._pending(config, name, app, due)
            for due in verdict.due
            if due.key not in known
        ]
        await self._store.notifications.record(added, verdict.rearmed)
        if added:
            self._wake.set()

    async def _pending(
        self, config: NotifyConfig, name: str, app: Mapping[str, Any], due: Due
    ) -> PendingNotification:
        destination = due.destination
        service = config.services.get(destination.service)
        payload: dict[str, Any]
        if service is None:
            payload = {"error": f"no service.<type>.{destination.service} in the ConfigMap"}
        else:
            data = template_data(
                app,
                context=config.context,
                service_type=service.type,
                recipient=destination.recipient,
                secret_keys=config.named_secrets,
                commits=await self._commit_metadata(config, due.templates, app, service.type),
            )
            try:
                payload = {
                    "rendered": await asyncio.to_thread(
                        render_templates, self._renderer, config, due.templates, service.type, data
                    )
                }
            except TemplateError as err:
                payload = {"error": redact(err.problem, *config.secrets)}
        return PendingNotification(
            key=due.key,
            app=name,
            trigger=destination.trigger,
            service=destination.service,
            recipient=destination.recipient,
            payload=payload,
        )

    async def _lent(self, config: NotifyConfig, app: Mapping[str, Any]) -> dict[str, Any]:
        """The ``repo`` helpers that need the app's commits, for conditions that call them."""
        sources = " ".join(
            c.when.source for conditions in config.triggers.values() for c in conditions
        )
        if "repo.GetCommitMetadata" not in sources and "repo.GetAppDetails" not in sources:
            return {}
        commits = await self._app_commits(app) if needs_commits(sources) else {}
        details = app_details(app)

        def commit(sha: Any) -> Mapping[str, Any]:
            if str(sha) not in commits:
                raise ExpressionError(f"repo.GetCommitMetadata: no commit {sha!r} of the app")
            return commits[str(sha)]

        repo = {
            **GLOBALS["repo"],
            "GetCommitMetadata": Function("GetCommitMetadata", commit),
            "GetAppDetails": Function("GetAppDetails", lambda: details),
        }
        return {"repo": repo}

    async def _commit_metadata(
        self,
        config: NotifyConfig,
        templates: tuple[str, ...],
        app: Mapping[str, Any],
        service_type: str,
    ) -> dict[str, Mapping[str, Any]]:
        """The app's commits' metadata, when one of ``templates`` (or the service's defaults:
        New Relic's changelog and user) asks for it."""
        texts = json.dumps([config.templates.get(name) for name in templates], default=str)
        if not needs_commits(texts) and service_type != "newrelic":
            return {}
        return await self._app_commits(app)

    async def _app_commits(self, app: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        """Metadata of the app's synced commits (a commit never changes: kept, a few hundred)."""
        found: dict[str, Mapping[str, Any]] = {}
        fetch = self._commits
        for url, sha in app_revisions(app) if fetch is not None else []:
            if (url, sha) not in self._known_commits and fetch is not None:
                try:
                    async with asyncio.timeout(COMMIT_TIMEOUT_S):
                        self._known_commits[(url, sha)] = await fetch(url, sha)
                except (GitwardError, TimeoutError) as err:
                    log.warning("notifications: commit %s of %s: %s", sha[:12], redact(url), err)
                    continue
                while len(self._known_commits) > COMMITS_KEPT:
                    self._known_commits.pop(next(iter(self._known_commits)))
            found[sha] = self._known_commits[(url, sha)]
        return found

    async def deliver(self) -> None:
        """Send pending notifications as they come, until cancelled."""
        while True:
            self._wake.clear()
            by_service: dict[str, list[StoredNotification]] = {}
            pending = await self._store.notifications.pending(PAGE)
            for item in pending:
                by_service.setdefault(item.service, []).append(item)
            # one service's timeouts and retries do not hold up the others
            done = await asyncio.gather(
                *(self._deliver_all(items) for items in by_service.values())
            )
            if len(pending) == PAGE and any(done):
                continue  # more are waiting, and the store takes what is finished
            try:
                async with asyncio.timeout(POLL_S):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _deliver_all(self, items: list[StoredNotification]) -> int:
        """Deliver in order; how many were finished (sent or failed for good)."""
        finished = 0
        for item in items:
            finished += await self._guarded(self._deliver_one, item)
        return finished

    async def _deliver_one(self, item: StoredNotification) -> None:
        config = self._config()
        service = config.services.get(item.service)
        error = str(item.payload.get("error", ""))
        attempts = item.attempts
        if not error and service is None:
            error = f"no service {item.service} in the ConfigMap"
        elif not error and service is not None:
            attempts, error = await self._attempts(service, item, config.secrets)
        if error:
            log.warning(
                "notification %s of app %s to %s: %s", item.trigger, item.app, item.service, error
            )
        await self._store.notifications.finish(
            item.key, delivered=not error, attempts=attempts, error=error
        )

    async def _attempts(
        self, service: Service, item: StoredNotification, secrets: tuple[str, ...]
    ) -> tuple[int, str]:
        """Send, retrying transient failures with backoff; (attempts made in all, error or "").
        Each attempt is counted in the store before it is made: one that a stopped process
        left unconfirmed is made again after a restart (at least once), at most
        :data:`MAX_ATTEMPTS` in all (duplicates bounded)."""
        rendered = reveal_secrets(item.payload.get("rendered") or {}, self._config().named_secrets)
        threads = _StoredThreads(self._store, item.app, item.service)
        attempt = 0
        while True:
            attempt += 1
            total = await self._store.notifications.attempting(item.key)
            if total > MAX_ATTEMPTS:
                return total - 1, f"given up after {total - 1} attempts, some cut short by restarts"
            try:
                await self._sender.send(service, item.recipient, rendered, secrets, threads)
                return total, ""
            except DeliveryRetryError as err:
                if attempt >= ATTEMPTS:
                    return total, err.problem
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))  # backoff, not a wait
            except DeliveryError as err:
                return total, err.problem

    async def tidy(self) -> None:
        """Prune the delivery records now and every :data:`PRUNE_EVERY_S`, until cancelled."""
        while True:
            await self._guarded(self.prune, None)
            await asyncio.sleep(PRUNE_EVERY_S)  # a period, not a wait for a condition

    async def prune(self, _: Any = None) -> int:
        """Forget finished records older than the retention and those of deleted apps; how
        many went. Records whose condition still holds are kept current by evaluation."""
        recorded = await self._store.notifications.apps()  # before the apps: a new app is kept
        live = {summary.name for summary in await self._store.apps.list()}
        removed = await self._store.notifications.prune(self._retention, recorded - live)
        if removed:
            log.info("notifications: pruned %d delivery records", removed)
        return removed

    async def _guarded(self, step: Callable[[Any], Awaitable[object]], value: Any) -> bool:
        """One app's or one notification's failure is logged and does not stop the rest;
        whether the step succeeded."""
        try:
            await step(value)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a store or template hiccup must not end notifications
            log.warning("notifications: %s", redact(str(err), *self._config().secrets))
            return False
        return True


class _StoredThreads:
    """Slack's grouped messages remembered in the store, so a restart keeps the threads."""

    def __init__(self, store: Store, app: str, service: str) -> None:
        self._store, self._app, self._service = store, app, service

    async def recall(self, key: str) -> Mapping[str, Any] | None:
        return await self._store.notifications.recall(key)

    async def remember(self, key: str, message: Mapping[str, Any]) -> None:
        await self._store.notifications.remember(
            key, app=self._app, service=self._service, value=message
        )


class HealthTransitions:
    """``status.health.lastTransitionTime`` (which the catalogue's ``on-deployed`` compares with
    the sync's ``finishedAt``) for app JSON that lacks it: when this process saw the health
    status change, or the app's ``reconciledAt`` when it first saw the app."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, str]] = {}

    def stamp(self, app: Mapping[str, Any]) -> Mapping[str, Any]:
        status = dict(app.get("status") or {})
        health = dict(status.get("health") or {})
        if health.get("lastTransitionTime"):
            return app
        name = str((app.get("metadata") or {}).get("name", ""))
        current = str(health.get("status", ""))
        seen = self._seen.get(name)
        if seen is None or seen[0] != current:
            now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            since = str(status.get("reconciledAt") or now) if seen is None else now
            seen = self._seen[name] = (current, since)
        health["lastTransitionTime"] = seen[1]
        return {**app, "status": {**status, "health": health}}

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)


def _subscribed(app: Mapping[str, Any], project: Mapping[str, Any], config: NotifyConfig) -> bool:
    annotations = {**project, **(app.get("metadata") or {}).get("annotations", {})}
    return bool(config.subscriptions) or any(key.startswith(_PREFIX) for key in annotations)


def _deleting(app: Mapping[str, Any]) -> Mapping[str, Any]:
    """The app's last JSON with ``metadata.deletionTimestamp`` set, as Argo CD sees a deletion."""
    metadata = dict(app.get("metadata") or {})
    metadata.setdefault("deletionTimestamp", datetime.now(UTC).isoformat().replace("+00:00", "Z"))
    return {**app, "metadata": metadata}
