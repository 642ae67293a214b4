"""``gitward app diff``'s text: one unified diff per resource that is out of sync.

The server's ``managed-resources`` answer says per resource where it stands (``Synced``,
``OutOfSync``, ``Missing``, ``RequiresPruning``, or ``Unknown`` with an ``error``) and carries
the live and the target state (and may carry a diff of its own, which wins). Every status but
``Synced`` counts as a difference. Headers follow
``argocd app diff``: ``===== group/Kind namespace/name ======``. The server masks Secrets; this
module masks their ``data`` and ``stringData`` values again, so no Secret value can reach the
terminal even from a server that forgot.

It only builds text; it must not talk to the server.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import yaml

from gitward.cli.app_views import dig, text
from gitward.redaction import MASK

__all__ = ["ResourceDiff", "resource_diffs"]


@dataclass(frozen=True, slots=True)
class ResourceDiff:
    """One managed resource: its header line, whether it differs, the diff text."""

    header: str
    differs: bool
    body: str


def resource_diffs(items: list[Any]) -> list[ResourceDiff]:
    """The diff of every managed resource, in the server's order."""
    return [_diff(item) for item in items if isinstance(item, dict)]


def _diff(item: dict[str, Any]) -> ResourceDiff:
    group, kind = text(item, "group"), text(item, "kind")
    namespace, name = text(item, "namespace"), text(item, "name")
    header = f"===== {group}/{kind} {namespace}/{name} ======"
    given = item.get("diff")
    if isinstance(given, str) and given.strip() and not _is_secret(item):
        body = given if given.endswith("\n") else given + "\n"
    else:
        live, target = _state(item.get("liveState")), _state(item.get("targetState"))
        if _is_secret(item):
            live, target = _masked(live, target)
        body = _unified(live, target)
    status = text(item, "status")
    if status == "Unknown":
        error = " ".join(text(item, "error").split()) or "no reason given"
        body += f"# gitward could not compare this resource: {error}\n"
    differs = status != "Synced" if status else bool(body)
    return ResourceDiff(header, differs, body)


def _state(value: object) -> Any:
    """A state as an object: the API may send it as a JSON string, an object, or nothing."""
    if isinstance(value, str):
        if not value.strip() or value.strip() == "null":
            return None
        try:
            return json.loads(value)
        except ValueError:
            return {"unreadable": "the server sent a state that is not JSON"}
    return value


def _unified(live: Any, target: Any) -> str:
    before = _yaml_lines(live)
    after = _yaml_lines(target)
    return "".join(difflib.unified_diff(before, after, fromfile="live", tofile="target"))


def _yaml_lines(state: Any) -> list[str]:
    if state is None:
        return []
    return yaml.safe_dump(state, sort_keys=True).splitlines(keepends=True)


def _is_secret(item: dict[str, Any]) -> bool:
    return text(item, "kind") == "Secret" and not text(item, "group")


def _masked(live: Any, target: Any) -> tuple[Any, Any]:
    """Both states with every Secret value masked; a changed value shows as changed."""
    live, target = _copy(live), _copy(target)
    for section in ("data", "stringData"):
        before, after = dig(live, section), dig(target, section)
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        for key, value in after.items():
            after[key] = MASK if before.get(key) == value else f"{MASK} (changed)"
        for key in before:
            before[key] = MASK
    return live, target


def _copy(state: Any) -> Any:
    return json.loads(json.dumps(state)) if state is not None else None
