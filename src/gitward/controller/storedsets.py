"""ApplicationSets created through the API, reconciled like a parent app's sets.

A stored set (``store.appsets``) has no parent app whose sync would write what it generates, so
this module does: it expands the set with the git side's engine (the same expansion a parent's
render runs), passes the result through the set's policies (:func:`apply_policy`, ownership
and ``applicationsSync``) against the stored apps, writes the Applications that are new or
changed as apps of their own (owner reference to the set, no parent) and deletes, through the
controller's delete (which honours each app's resources finalizer), the apps the set generated
before and generates no more when the policy deletes. A set that fails to expand changes and
deletes nothing (failure means no prune); its status says why. Deleting the set deletes the
apps it generated. Each replica reconciles only the sets it owns (:func:`set_key`); another
asks the owner through the controller's refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from gitward.appsets.declaring import SetReport
from gitward.appsets.expanding import owner_of
from gitward.appsets.policies import Existing, apply_policy
from gitward.appsets.status import recorded
from gitward.controller.desired import GitSide
from gitward.errors import GitwardError
from gitward.model.application import parse_application
from gitward.model.appsets import git_generators, parse_appset
from gitward.model.objects import Manifest
from gitward.store import AppDefinition, AppSetRecord, Store

__all__ = ["StoredSets", "generator_repositories", "set_key"]

_log = logging.getLogger(__name__)

DeleteApp = Callable[[str], Awaitable[object]]

_KEY = "applicationset/"


def generator_repositories(document: Mapping[str, Any]) -> list[str]:
    """The repositories a set's git generators read (templated URLs left out)."""
    try:
        appset = parse_appset(dict(document)).value
    except GitwardError:
        return []
    found = {g.repo_url for g in git_generators(appset.generators) if "{{" not in g.repo_url}
    return sorted(found)


def set_key(name: str) -> str:
    """The work-queue and ownership key of stored set ``name`` (no app name has a ``/``):
    the replica that owns it expands it; another asks the owner through this key."""
    return _KEY + name


class StoredSets:
    """Expands the stored ApplicationSets and applies what they generate to the store."""

    def __init__(
        self,
        store: Store,
        git: GitSide,
        *,
        owns: Callable[[str], bool],
        refresh: Callable[[str], None],
        delete_app: DeleteApp,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._git = git
        self._owns = owns
        self._refresh = refresh
        self._delete_app = delete_app
        self._clock = clock

    async def reconcile_all(self) -> None:
        """Every stored set this replica owns, once (a cycle)."""
        for record in await self._store.appsets.list():
            if self._owns(set_key(record.name)):
                await self.reconcile(record)

    async def reconcile_key(self, key: str) -> bool:
        """Expand the stored set a work-queue ``key`` names (its owner was asked to); False
        when ``key`` names no stored set."""
        if not key.startswith(_KEY):
            return False
        record = await self._store.appsets.get(key.removeprefix(_KEY))
        if record is None:
            return False
        for repo in generator_repositories(record.document):
            self._git.revisions.forget(repo)  # asked after a push: read the branch again
        await self.reconcile(record)
        return True

    async def reconcile(self, record: AppSetRecord) -> SetReport:
        """Expand one set and apply what it generates; its status records what happened."""
        report = SetReport(name=record.name, file=None, document=dict(record.document))
        try:
            parsed = parse_appset(dict(record.document))
            report.appset, report.warnings = parsed.value, parsed.warnings
            report.expansion = await self._git.expand_set(parsed.value)
            names = [str(app["metadata"]["name"]) for app in report.expansion.apps]
            existing = await self._existing(record.name, names)
            report.outcome = apply_policy(report.expansion, None, existing)
            others = set(report.outcome.refused)  # not the set's apps: neither written nor shown
            report.outcome.apps = [
                app for app in report.outcome.apps if app["metadata"]["name"] not in others
            ]
            await self._apply(record.name, report.outcome.apps, existing)
        except GitwardError as error:
            _log.warning("ApplicationSet %s: %s", record.name, error.message)
            report.error = error
        status = recorded(report, None, self._clock())
        if report.outcome is not None and report.outcome.refused:
            refused = ", ".join(report.outcome.refused)
            status["warnings"].append(
                f"Application(s) {refused} already exist and were not generated by this "
                "ApplicationSet; they are left as they are"
            )
        await self._store.appsets.set_status(record.name, status)
        return report

    async def delete(self, name: str) -> list[str]:
        """Remove the set and the apps it generated (their resources go with the ones that
        carry the resources finalizer); the names of the apps deleted."""
        generated = sorted(await self._generated_by(name))
        await self._store.appsets.delete(name)
        for app in generated:
            await self._delete_app(app)
        return generated

    async def _apply(
        self, name: str, declared: Sequence[Manifest], existing: Mapping[str, Existing]
    ) -> None:
        keep = set()
        for app in declared:
            app_name = str(app["metadata"]["name"])
            keep.add(app_name)
            stored = existing.get(app_name)
            if stored is not None and (stored.parent is not None or stored.document == app):
                continue  # unchanged, or a parent app's (a set of that name in Git): left alone
            parsed = parse_application(app).value
            await self._store.apps.upsert(AppDefinition.of(parsed, app, parent=None))
            self._refresh(app_name)
        for app_name, stored in sorted(existing.items()):
            if app_name not in keep and stored.parent is None and owner_of(stored.document) == name:
                await self._delete_app(app_name)

    async def _existing(self, name: str, names: Sequence[str]) -> dict[str, Existing]:
        """The stored apps named ``names`` and those the set generated before."""
        found: dict[str, Existing] = {}
        for app_name in sorted({*names, *await self._generated_by(name)}):
            record = await self._store.apps.get(app_name)
            if record is not None:
                found[app_name] = Existing(dict(record.document), record.parent)
        return found

    async def _generated_by(self, name: str) -> set[str]:
        """The stored apps without a parent whose owner reference names the set."""
        found = set()
        for summary in await self._store.apps.list():
            if summary.parent is not None:
                continue
            record = await self._store.apps.get(summary.name)
            if record is not None and owner_of(record.document) == name:
                found.add(summary.name)
        return found
