"""What a sync wrote, so that the comparison after it sees at least that.

The live cache hears of changes through watches, a moment after the API server answered the
write. A comparison that reads the cache right after a sync can find the objects the sync just
created missing and those it changed still old, call the app OutOfSync, and start a second
sync of the same commit (Argo CD's controller has the same race and hides it behind its
resync period; gitward's self-heal would act on it within a second). So every write of a sync
that reached the cluster is remembered here with the resourceVersion (and uid) the API server
answered, and the app's next comparison first waits, bounded, until the cache holds each of
those objects at that version or later (or no longer holds a deleted one); objects of kinds the
cache does not watch (a namespace ``CreateNamespace=true`` made) are not waited for. Then the
record is dropped: a cache that does not catch up in time is compared as it is.

The watch then tells the cache of those same writes, and the cache tells the controller, which
would refresh the app once more for nothing: its comparison after the sync already waited to
see them. So each write is also kept as an echo to expect (object, resourceVersion and the app
that wrote it; at most ``ECHOES`` of them, the oldest dropped first): a cache event that is
exactly one of them is the app's own write coming back, and does not refresh that app again.

Kubernetes calls resourceVersions opaque; "later" is read as a larger number when both are
numbers (every API server in practice), else as any other version of the same object.
It must not write to a cluster or decide anything.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from gitward.kube import CacheEvent, LiveCache
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["CATCH_UP_S", "ECHOES", "Written"]

CATCH_UP_S = 10.0
"""How long a comparison waits for the live cache to hear of a sync's writes."""
ECHOES = 20_000
"""How many writes' echoes are expected at once (a write the watch never echoes, e.g. one a
relist overtook, is forgotten once this many newer ones are kept)."""


@dataclass(frozen=True, slots=True)
class _Seen:
    """What the API server answered to a write: the object's version and uid; ``gone`` for a
    delete that left nothing behind."""

    version: str
    uid: str
    gone: bool = False


class Written:
    """The writes of every app's sync that the app's next comparison must see."""

    def __init__(self) -> None:
        self._by_app: dict[str, dict[ResourceKey, _Seen]] = {}
        self._echoes: OrderedDict[tuple[ResourceKey, str], str] = OrderedDict()

    def wrote(self, app: str, key: ResourceKey, answer: Manifest) -> None:
        """``app``'s sync wrote ``key``; ``answer`` is the object the API server returned, or
        for a delete that removed it at once ``{"deleted": True, "metadata": {"uid": ...}}``
        (the uid the delete named, if any)."""
        metadata = answer.get("metadata") or {}
        seen = _Seen(
            version=str(metadata.get("resourceVersion") or ""),
            uid=str(metadata.get("uid") or ""),
            gone=answer.get("deleted") is True,
        )
        self._by_app.setdefault(app, {})[key] = seen
        if seen.version and not seen.gone:
            self._echoes[(key, seen.version)] = app
            if len(self._echoes) > ECHOES:
                self._echoes.popitem(last=False)

    def others(self, event: CacheEvent) -> frozenset[str]:
        """The apps ``event`` should refresh: all it concerns, but the app whose own write it
        echoes (that app's comparison after its sync waits to see the write anyway)."""
        if event.type == "DELETED":
            return event.apps
        echo = self._echoes.pop((event.key, _version(event.object)), None)
        return event.apps if echo is None else event.apps - {echo}

    def forget(self, app: str) -> None:
        """``app`` is gone: nothing of it is waited for."""
        self._by_app.pop(app, None)

    def pending(self, app: str) -> int:
        """How many writes of ``app`` the next comparison waits for."""
        return len(self._by_app.get(app, {}))

    async def caught_up(self, app: str, cache: LiveCache, within: float = CATCH_UP_S) -> bool:
        """Wait until ``cache`` holds what ``app``'s sync wrote (False: not within
        ``within`` seconds); the writes are forgotten either way."""
        watched = set(cache.kinds())
        wanted = {
            key: seen
            for key, seen in self._by_app.pop(app, {}).items()
            if (key.group, key.kind) in watched  # a namespace it made: not compared
        }
        if not wanted:
            return True

        def heard() -> bool:
            return all(_holds(cache.get(key), seen) for key, seen in wanted.items())

        try:
            await cache.wait_until(heard, within)
        except TimeoutError:
            return False
        return True


def _holds(live: Manifest | None, seen: _Seen) -> bool:
    """Whether the cache's copy is the written one or later."""
    if seen.gone:
        return live is None or (bool(seen.uid) and _uid(live) != seen.uid)
    if live is None:
        return False
    if seen.uid and _uid(live) != seen.uid:
        return True  # deleted and made again since: later than the write
    return _not_older(_version(live), seen.version)


def _not_older(live: str, written: str) -> bool:
    if live == written or not written:
        return True
    if live.isdigit() and written.isdigit():
        return int(live) >= int(written)
    return True  # opaque versions that differ: another write came after


def _version(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _uid(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")
