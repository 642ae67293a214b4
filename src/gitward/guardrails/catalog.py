"""The policies gitward knows: built-ins shipped with it, and bound policies from files.

Built-in policies are ValidatingAdmissionPolicy files inside the package (``builtin/``). A project
enables them by name with gitward's own AppProject annotation ``gitward.io/policies``
(``no-secret-data,semver-images``; ``name:Warn`` warns instead of denying); they then apply to
every object its apps render, and to each Application object whose ``spec.project`` is that
project. Policies from files (``gitward check --policy``, ``gitward server --policies``) apply
through their own ValidatingAdmissionPolicyBindings, to every app, as in a cluster.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from gitward.guardrails.evaluating import DEADLINE_S, Subject, Violation, evaluate
from gitward.guardrails.policies import (
    Action,
    Binding,
    Policy,
    PolicySet,
    load_policies,
    parse_documents,
)
from gitward.model.objects import Manifest
from gitward.model.project import POLICIES_ANNOTATION as PROJECT_ANNOTATION

__all__ = ["POLICIES_ANNOTATION", "Guardrails", "builtin_policies", "parse_enabled"]

POLICIES_ANNOTATION = PROJECT_ANNOTATION
_APPS = ("argoproj.io", "Application")


@lru_cache(maxsize=1)
def builtin_policies() -> dict[str, Policy]:
    """The policies shipped in ``gitward/guardrails/builtin``, by name."""
    found = PolicySet()
    folder = resources.files("gitward.guardrails") / "builtin"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            documents = yaml.safe_load_all(entry.read_text(encoding="utf-8"))
            found.add(parse_documents(documents, file=f"built-in {entry.name}"))
    return found.policies


@dataclass
class Guardrails:
    """Bound policies from files, plus the built-ins each project enables."""

    files: PolicySet = field(default_factory=PolicySet)

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> Guardrails:
        return cls(load_policies(paths))

    def unbound(self) -> list[str]:
        """Policies from files that no binding names (they do nothing, as in a cluster)."""
        named = {b.policy for b in self.files.bindings}
        return sorted(set(self.files.policies) - named)

    def check(
        self,
        app: str,
        objects: Sequence[Manifest],
        *,
        project: str,
        enabled: Mapping[str, Sequence[str]],
        namespace: str = "",
        existing: frozenset[tuple[str, str, str]] = frozenset(),
    ) -> list[Violation]:
        """Violations in ``app``'s rendered ``objects``. ``enabled``: each project's
        annotation entries; ``existing``: (kind, namespace, name) of live objects (UPDATE)."""
        spaces = {
            str((o.get("metadata") or {}).get("name")): o
            for o in objects
            if o.get("kind") == "Namespace"
        }
        found: list[Violation] = []
        deadline = time.monotonic() + DEADLINE_S
        mine = self._bound(enabled.get(project, ()))
        found.extend(_unknown(app, project, enabled.get(project, ())))
        for obj in objects:
            subject = _subject(app, obj, namespace, existing, spaces)
            pairs = list(mine)
            child_project = _child_project(obj)
            if child_project and child_project != project:
                pairs.extend(self._bound(enabled.get(child_project, ())))
            found.extend(evaluate([subject], pairs, deadline=deadline))
        return found

    def _bound(self, entries: Sequence[str]) -> list[tuple[Policy, Binding]]:
        pairs = [
            (self.files.policies[b.policy], b)
            for b in self.files.bindings
            if b.policy in self.files.policies
        ]
        builtins = builtin_policies()
        for entry in entries:
            name, action = _entry(entry)
            if name in builtins:
                binding = Binding(f"{name} (project)", name, (Action(action),))
                pairs.append((builtins[name], binding))
        return pairs


def parse_enabled(annotation: str) -> tuple[str, ...]:
    """The entries of a ``gitward.io/policies`` annotation."""
    return tuple(part.strip() for part in annotation.replace("\n", ",").split(",") if part.strip())


def _entry(entry: str) -> tuple[str, str]:
    name, _, action = entry.partition(":")
    action = action.strip() or "Deny"
    return name.strip(), action if action in ("Deny", "Warn", "Audit") else "Deny"


def _unknown(app: str, project: str, entries: Sequence[str]) -> list[Violation]:
    """Entries naming no built-in policy refuse, rather than silently checking nothing."""
    known = builtin_policies()
    found = []
    for entry in entries:
        name, _action = _entry(entry)
        suffix = entry.partition(":")[2].strip()
        if name not in known or (suffix and suffix not in ("Deny", "Warn", "Audit")):
            found.append(
                Violation(
                    policy=name,
                    actions=(Action.DENY,),
                    app=app,
                    obj=f"AppProject {project}",
                    message=f"{POLICIES_ANNOTATION} names {entry!r}, which is not a built-in "
                    f"policy (NAME or NAME:Deny|Warn|Audit); built-ins: {', '.join(sorted(known))}",
                    reason="InternalError",
                )
            )
    return found


def _child_project(obj: Manifest) -> str:
    api_group = str(obj.get("apiVersion") or "").partition("/")[0]
    if (api_group, obj.get("kind")) != _APPS:
        return ""
    spec = obj.get("spec")
    project = spec.get("project") if isinstance(spec, dict) else None
    return str(project or "default")


def _subject(
    app: str,
    obj: Manifest,
    namespace: str,
    existing: frozenset[tuple[str, str, str]],
    spaces: Mapping[str, Manifest],
) -> Subject:
    metadata = obj.get("metadata") or {}
    space = str(metadata.get("namespace") or namespace)
    key = (str(obj.get("kind")), space, str(metadata.get("name")))
    return Subject(
        app=app,
        obj=obj,
        namespace=namespace,
        operation="UPDATE" if key in existing else "CREATE",
        namespace_object=spaces.get(space),
    )
