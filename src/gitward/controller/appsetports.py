"""What an ApplicationSet in a parent app may read of gitward's state: the registered clusters
(for the clusters generator), the projects (the repositories a git generator may read) and the
stored Applications (for ownership and
``applicationsSync``).

The controller hands these to the git side (:class:`~gitward.controller.desired.GitSide`) so a
parent's render expands its sets against what is stored now. It must not write anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitward.appsets.generating import ClusterInfo
from gitward.appsets.policies import Existing
from gitward.controller.reads import StoreReads
from gitward.model.project import AppProject, default_project
from gitward.store import Store

__all__ = ["StoredForSets"]


class StoredForSets:
    """Registered clusters and stored apps, as the appsets engine asks for them."""

    def __init__(self, store: Store, reads: StoreReads) -> None:
        self._store = store
        self._reads = reads

    async def clusters(self) -> Sequence[ClusterInfo]:
        return [
            ClusterInfo(
                name=record.name or record.server,
                server=record.server,
                labels=dict(record.labels),
                project=record.project,
            )
            for record in await self._store.clusters.list()
        ]

    async def project(self, name: str) -> AppProject | None:
        """The stored project ``name``; the built-in ``default`` when it is not stored."""
        found = await self._reads.project(name)
        if found is None and name == "default":
            return default_project()
        return found

    async def existing(self, parent: str, names: Sequence[str]) -> dict[str, Existing]:
        """The stored apps named ``names``, and ``parent``'s children."""
        found: dict[str, Existing] = {}
        for name in [*names, *await self._reads.children(parent)]:
            if name in found:
                continue
            record = await self._reads.app(name)
            if record is not None:
                found[name] = Existing(dict(record.document), record.parent)
        return found
