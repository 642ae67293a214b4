"""Builders for the store's tests: an Application definition in one line, a ticking clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from gitward.store import AppDefinition


class TickingClock:
    """A clock that moves one second per reading: ordered, repeatable timestamps."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def application_document(name: str, project: str = "default", **spec: Any) -> dict[str, Any]:
    """An ``argoproj.io/v1alpha1`` Application manifest as JSON."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "project": project,
            "source": {"repoURL": "https://github.com/org/repo", "path": f"apps/{name}"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": name},
            **spec,
        },
    }


def app(
    name: str,
    project: str = "default",
    *,
    labels: Mapping[str, str] | None = None,
    parent: str | None = None,
    history_limit: int = 10,
    **spec: Any,
) -> AppDefinition:
    return AppDefinition(
        name=name,
        project=project,
        document=application_document(name, project, **spec),
        parent=parent,
        file=f"apps/{name}.yaml",
        labels=dict(labels or {}),
        history_limit=history_limit,
    )
