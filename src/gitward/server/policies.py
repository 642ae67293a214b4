"""The RBAC policy in force: the operator's policy file plus the roles of the AppProjects in the
store, rebuilt only when a project changed.

Projects change through the API and through app-of-apps syncs the controller runs, so the holder
looks at the store's projects at most every ``max_age_s`` seconds (and at once after an API write
calls :meth:`PolicyHolder.invalidate`), and builds a new :class:`Policy` only when a project's
version moved. It decides nothing itself: ``gitward.server.rbac`` does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from gitward.errors import GitwardError
from gitward.model.project import AppProject, parse_project
from gitward.redaction import redact
from gitward.server.rbac import Policy
from gitward.store import Store

__all__ = ["PolicyHolder", "decides_by_project"]

log = logging.getLogger(__name__)


class PolicyHolder:
    """The current :class:`Policy`; see the module docstring."""

    def __init__(
        self,
        base: Policy,
        store: Store,
        *,
        max_age_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self._store = store
        self._max_age_s = max_age_s
        self._monotonic = monotonic
        self._policy = base
        self.by_project = decides_by_project(base, ())
        """Whether an app's decisions depend only on its project (lists decide per project)."""
        self._versions: tuple[tuple[str, int], ...] = ()
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()

    def replace_base(self, base: Policy) -> None:
        """Use a new policy file (a reload); the projects' roles are added again at once."""
        self.base = base
        self._policy = base
        self.by_project = decides_by_project(base, ())
        self._versions = ()
        self._checked_at = None

    def invalidate(self) -> None:
        """Look at the projects again on the next request."""
        self._checked_at = None

    async def current(self) -> Policy:
        now = self._monotonic()
        if self._checked_at is not None and now - self._checked_at < self._max_age_s:
            return self._policy
        async with self._lock:
            if self._checked_at is None or now - self._checked_at >= self._max_age_s:
                await self._reload()
                self._checked_at = self._monotonic()
        return self._policy

    async def _reload(self) -> None:
        records = await self._store.projects.list()
        versions = tuple((record.name, record.version) for record in records)
        if versions == self._versions:
            return
        projects: list[AppProject] = []
        for record in records:
            try:
                projects.append(parse_project(dict(record.document), file=record.file).value)
            except GitwardError as err:
                log.warning("RBAC ignores the roles of a broken project: %s", redact(err.message))
        self._policy = self.base.with_projects(projects)
        self.by_project = decides_by_project(self.base, projects)
        self._versions = versions


def decides_by_project(policy: Policy, projects: list[AppProject] | tuple[()]) -> bool:
    """Whether no line names an app (only ``*`` after the project), so that every app of a
    project gets the same answer. Regex policies are never assumed to."""
    if policy.source.match_mode != "glob":
        return False
    objects = [rule.obj for rule in policy.source.lines.rules if _may_name_apps(rule.resource)]
    for project in projects:
        for role in project.roles:
            for line in role.policies:
                fields = [field.strip() for field in line.split(",")]
                if len(fields) < 5:
                    return False
                if _may_name_apps(fields[2]):
                    objects.append(fields[4])
    return all(_app_part(obj) == "*" for obj in objects)


def _may_name_apps(resource: str) -> bool:
    return resource == "applications" or any(char in resource for char in "*?[")


def _app_part(obj: str) -> str:
    return obj.partition("/")[2] if "/" in obj else obj
