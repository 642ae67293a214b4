"""The guardrails in front of every sync: policies checked on what an app is about to deploy.

Each refresh checks the app's rendered objects against the policies that apply to it (the
server's ``--policies`` files through their bindings, and the built-ins its project enables with
``gitward.io/policies``; an Application object it renders is also checked against the policies
of the project that Application names). A Deny violation sets the ``PolicyError`` condition
and closes the gate in front of automated syncs; a Warn violation sets ``PolicyWarning`` and
changes nothing else. A person's sync or rollback is refused when it is asked for, and every sync
step, manual or automated, checks again the objects it is about to apply (with the live ones, so
existing objects are UPDATEs) and fails before applying anything when a Deny policy refuses
them. It must not apply or write anything itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitward.controller.reads import StoreReads
from gitward.errors import ConfigError, GitwardError, Location
from gitward.guardrails import Guardrails, Violation
from gitward.model.application import Application
from gitward.model.objects import Manifest
from gitward.model.project import AppProject

__all__ = ["POLICY_ERROR", "POLICY_WARNING", "Guard", "PolicyDeniedError", "Verdict"]

POLICY_ERROR = "PolicyError"
"""A Deny policy refuses an object the app would deploy: no sync happens (gitward's own kind,
named like Argo CD's ``*Error`` kinds, which the UI shows as errors)."""
POLICY_WARNING = "PolicyWarning"
"""A Warn policy is not met by an object the app deploys; syncs go on (gitward's own kind)."""
_SHOWN = 5


class PolicyDeniedError(ConfigError):
    """A sync refused because a Deny policy refuses what it would apply."""


@dataclass(frozen=True)
class Verdict:
    """What the policies say about one app's objects."""

    violations: list[Violation] = field(default_factory=list)

    @property
    def denied(self) -> list[Violation]:
        return [v for v in self.violations if v.denies]

    @property
    def warned(self) -> list[Violation]:
        return [v for v in self.violations if v.warns and not v.denies]

    @staticmethod
    def described(violations: Sequence[Violation]) -> str:
        shown = "; ".join(str(v) for v in violations[:_SHOWN])
        more = len(violations) - _SHOWN
        return f"{shown}; and {more} more" if more > 0 else shown


class Guard:
    """Checks apps against the policies; one instance serves the whole controller."""

    def __init__(self, reads: StoreReads, policies_dir: Path | None = None) -> None:
        self.reads = reads
        self.guardrails = Guardrails.from_paths([policies_dir] if policies_dir else [])

    async def verdict(
        self,
        app: Application,
        project: AppProject | None,
        objects: Sequence[Manifest],
        live: Sequence[Manifest] = (),
    ) -> Verdict:
        """The violations of ``objects`` (``live``: the objects that exist, checked as UPDATE)."""
        enabled = {app.project: project.policies if project is not None else ()}
        for obj in objects:
            named = _project_named(obj)
            if named and named not in enabled:
                enabled[named] = await self._policies_of(named)
        existing = frozenset(_key(obj, app.destination.namespace) for obj in live)
        found = self.guardrails.check(
            app.name,
            objects,
            project=app.project,
            enabled=enabled,
            namespace=app.destination.namespace,
            existing=existing,
        )
        return Verdict(found)

    async def refuse_denied(
        self, app: Application, objects: Sequence[Manifest], live: Sequence[Manifest]
    ) -> None:
        """Raise :class:`PolicyDeniedError` when a Deny policy refuses ``objects``."""
        project = await self.reads.project(app.project)
        denied = (await self.verdict(app, project, objects, live)).denied
        if denied:
            raise PolicyDeniedError(
                f"sync refused by policy: {Verdict.described(denied)}",
                where=Location(obj=f"Application {app.name}"),
                hint="Fix the objects in Git, or change the policy",
            )

    async def _policies_of(self, name: str) -> tuple[str, ...]:
        try:
            project = await self.reads.project(name)
        except GitwardError:
            return ()  # the child's own refresh reports its project
        return project.policies if project is not None else ()


def _project_named(obj: Manifest) -> str:
    if obj.get("kind") != "Application" or not str(obj.get("apiVersion", "")).startswith(
        "argoproj.io/"
    ):
        return ""
    spec = obj.get("spec")
    return str((spec.get("project") if isinstance(spec, dict) else None) or "default")


def _key(obj: Manifest, namespace: str) -> tuple[str, str, str]:
    metadata = obj.get("metadata") or {}
    return (
        str(obj.get("kind")),
        str(metadata.get("namespace") or namespace),
        str(metadata.get("name")),
    )
