"""The server's notifications: Argo CD's ``argocd-notifications-cm`` given with
``--notifications``, evaluated over the API's Application JSON, delivered in the background.

The notifier follows the controller's events and its delivery runs as its own task, so a slow
or failing service never slows reconciliation. This module only wires: the rules are
``gitward.notify``'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitward.notify import Notifier, NotifyFiles
from gitward.server import views
from gitward.server.services import Services
from gitward.store import Store

__all__ = ["start_notifications"]


def start_notifications(
    services: Services, path: Path, secret_path: Path | None
) -> list[asyncio.Task[None]]:
    """Load the files (a bad file raises, naming it) and start following and delivering."""
    files = NotifyFiles(path, secret_path)
    store = services.store

    async def documents(name: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
        return await app_document(store, name)

    async def commits(repo_url: str, sha: str) -> Mapping[str, Any]:
        info = await services.controller.git.repos.commit_info(repo_url, sha)
        return {"Author": info.author, "Message": info.message, "Date": info.date, "Tags": []}

    notifier = Notifier(files.current, store, documents, commits=commits)
    loop = asyncio.get_running_loop()
    return [
        loop.create_task(notifier.follow(services.controller.events)),
        loop.create_task(notifier.deliver()),
        loop.create_task(notifier.tidy()),
    ]


async def app_document(
    store: Store, name: str
) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """The app's Argo CD JSON (with its newest operation) and its project's annotations."""
    record = await store.apps.get(name)
    if record is None:
        return None
    operation = await store.operations.latest(name)
    project = await store.projects.get(record.project)
    annotations: Any = {}
    if project is not None:
        annotations = (project.document.get("metadata") or {}).get("annotations") or {}
    return views.app_json(record, operation), dict(annotations)
