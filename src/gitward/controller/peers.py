"""The other replicas (peers): what a controller does when another replica commits a change.

The store's change feed carries the other replicas' commits as
:class:`~gitward.store.changes.Remote` changes (PostgreSQL ``LISTEN/NOTIFY``,
:mod:`gitward.store.feed`). For an app this replica owns, a definition written or an operation
started elsewhere (a sync asked through another replica's API) is reconciled at once; a parent
owned here looks again when a child owned elsewhere changed; a refresh asked elsewhere is done
here; a replica joining or leaving makes this one read the live replicas again; an app deleted
elsewhere is released from this replica's live caches (``deleted``). Every such change
is also shown to this replica's API streams (``views``), whoever owns the app, so a browser
connected to any replica sees every app move. A person's refresh of an app owned elsewhere is asked
of its owner, and awaited until the owner stores its status.

It must not reconcile anything itself: it queues apps for the controller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from gitward.controller.events import AppEvent, EventKind, EventStream
from gitward.controller.queue import WorkQueue
from gitward.controller.reads import CachedReads
from gitward.errors import GitwardError
from gitward.store import Store
from gitward.store.changes import APP_KINDS, Change, Remote

__all__ = ["Peers"]

log = logging.getLogger(__name__)

_SHOWN: dict[str, EventKind] = {"status": "status", "operation": "operation", "deleted": "deleted"}


class Peers:
    """Turns the other replicas' changes into reconciles, refreshes and shown events."""

    def __init__(
        self,
        store: Store,
        queue: WorkQueue,
        reads: CachedReads,
        views: EventStream,
        *,
        owns: Callable[[str], bool],
        refresh: Callable[[str], None],
        look_again: Callable[[], None],
        members_changed: Callable[[], None] = lambda: None,
        deleted: Callable[[str], None] = lambda app: None,
    ) -> None:
        self._store = store
        self._queue = queue
        self._reads = reads
        self._views = views
        self._owns = owns
        self._refresh = refresh
        self._look_again = look_again
        self._members_changed = members_changed
        self._deleted = deleted
        self._awaited: dict[str, list[asyncio.Future[None]]] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._asking: set[asyncio.Task[None]] = set()

    def open(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self._store.changes.subscribe(self._heard)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def ask(self, app: str) -> None:
        """Ask ``app``'s owner for a hard refresh, in the background."""
        task = asyncio.get_running_loop().create_task(self._ask(app))
        self._asking.add(task)
        task.add_done_callback(self._asking.discard)

    async def _ask(self, app: str) -> None:
        try:
            await self._store.database.ask_refresh(app)
        except GitwardError as err:
            log.warning("%s: could not ask its owner for a refresh: %s", app, err.message)

    async def refreshed_elsewhere(self, app: str, within: float) -> bool:
        """Ask ``app``'s owner for a hard refresh; True once it stored the app's status."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._awaited.setdefault(app, []).append(future)
        try:
            await self._store.database.ask_refresh(app)
            await asyncio.wait_for(asyncio.shield(future), within)
        except TimeoutError:
            return False
        finally:
            with contextlib.suppress(ValueError, KeyError):
                self._awaited[app].remove(future)
                if not self._awaited[app]:
                    del self._awaited[app]
        return True

    def _heard(self, change: Change) -> None:
        if not isinstance(change, Remote):
            return
        if change.kind == "all":
            self._look_again()
        elif change.kind == "replicas":
            self._members_changed()
        elif change.kind == "refresh":
            if self._owns(change.name):
                self._refresh(change.name)
        elif change.kind in APP_KINDS:
            self._app_changed(change)

    def _app_changed(self, change: Remote) -> None:
        name = change.name
        if self._owns(name):
            if change.kind == "deleted":
                self._queue.forget(name)
                self._deleted(name)
            elif change.kind in ("app", "operation"):
                self._queue.add(name)
        parent = self._reads.parent_of(name)
        if parent is not None and self._owns(parent) and change.kind != "operation":
            self._queue.add(parent)
        if change.kind == "status":
            for future in self._awaited.pop(name, []):
                if not future.done():
                    future.set_result(None)
        shown = _SHOWN.get(change.kind, "status")
        self._views.publish(AppEvent(app=name, kind=shown))
