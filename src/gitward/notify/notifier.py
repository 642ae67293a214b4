"""The notifications controller: follows app changes, records what is due, delivers it.

Two tasks, each with its own pace. :meth:`Notifier.follow` reads the controller's event stream
through its own bounded subscription (publishing never waits for it; when it falls behind it
re-reads every app), evaluates the subscribed triggers over the app's Argo CD JSON, renders the
templates of what is newly due and stores it as pending in the store, in the same write that
records it as sent. :meth:`Notifier.deliver` sends pending notifications, each service's in
order and services side by side, retrying transient failures with backoff (three attempts),
and marks each sent or failed. A restart delivers what was
pending and never repeats what was recorded. The app's JSON comes through ``documents``, a
function the server gives (this package does not know the API's shapes).
It must not slow the controller down nor log a secret.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from gitward.controller.events import AppEvent, EventStream
from gitward.notify.config import NotifyConfig, Service
from gitward.notify.delivery import DeliveryError, DeliveryRetryError, Sender
from gitward.notify.templates import TemplateError, TemplateRenderer, render_templates
from gitward.notify.triggers import Due, decide
from gitward.redaction import redact
from gitward.store import Store
from gitward.store.notifications import PendingNotification, StoredNotification

__all__ = ["AppDocuments", "Notifier"]

log = logging.getLogger(__name__)

AppDocuments = Callable[[str], Awaitable[tuple[Mapping[str, Any], Mapping[str, Any]] | None]]
"""An app's Argo CD JSON and its project's annotations, or None when the app is gone."""

QUEUE = 1_000
ATTEMPTS = 3
POLL_S = 5.0
PAGE = 100
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
        backoff_s: float = 1.0,
        owns: Callable[[str], bool] = lambda _app: True,
    ) -> None:
        self._config = config
        self._owns = owns
        """Whether an app's notifications are this replica's to send (with replicas)."""
        self._store = store
        self._documents = documents
        self._sender = sender or Sender()
        self._renderer = renderer or TemplateRenderer()
        self._backoff_s = backoff_s
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
        verdict = decide(config, app, project)
        name = str(app["metadata"]["name"])
        if _subscribed(app, project, config):
            self._last[name] = (app, project)
        known = await self._store.notifications.known(due.key for due in verdict.due)
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
            data = {"app": app, "context": dict(config.context), "serviceType": service.type}
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

    async def deliver(self) -> None:
        """Send pending notifications as they come, until cancelled."""
        while True:
            self._wake.clear()
            by_service: dict[str, list[StoredNotification]] = {}
            pending = await self._store.notifications.pending(PAGE)
            for item in pending:
                if not self._owns(item.app):
                    continue  # its owner sends it
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
        attempts = 0
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
        """Send, retrying transient failures with backoff; (attempts made, error or "")."""
        rendered = item.payload.get("rendered") or {}
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._sender.send(service, item.recipient, rendered, secrets)
                return attempt, ""
            except DeliveryRetryError as err:
                if attempt >= ATTEMPTS:
                    return attempt, err.problem
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))  # backoff, not a wait
            except DeliveryError as err:
                return attempt, err.problem

    async def _guarded(self, step: Callable[[Any], Awaitable[None]], value: Any) -> bool:
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
