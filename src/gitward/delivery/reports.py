"""A preview (:mod:`gitward.delivery.previews`) as text for a terminal, Markdown for a
pull-request comment, or JSON for a script.

The Markdown starts with one summary table (environment, app, added, removed, changed) and
folds each app's object diffs in a ``<details>`` block, so a reviewer sees the effect at a
glance and opens what matters. GitHub refuses comments over 65,536 characters: past
:data:`MARKDOWN_LIMIT` the details are cut with a note saying so (the summary always stays).
It formats only; every value shown was masked by the comparison.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gitward.delivery.previews import AppPreview, Change

__all__ = ["MARKDOWN_LIMIT", "as_json", "as_markdown", "as_text", "has_changes", "has_errors"]

MARKDOWN_LIMIT = 60_000
_COUNTED = (Change.ADDED, Change.REMOVED, Change.CHANGED)


def has_changes(previews: Sequence[AppPreview]) -> bool:
    return any(item.change is not Change.UNCHANGED for item in previews)


def has_errors(previews: Sequence[AppPreview]) -> bool:
    return any(item.change is Change.ERROR for item in previews)


def _verdict(item: AppPreview) -> str:
    if item.change is Change.ERROR:
        return "failed to render"
    if item.change is Change.UNCHANGED:
        return "no change"
    counts = [f"{item.count(c)} {c.value}" for c in _COUNTED if item.count(c)]
    prefix = "" if item.change is Change.CHANGED else f"app {item.change.value}: "
    return prefix + (", ".join(counts) or "no objects")


def as_text(previews: Sequence[AppPreview]) -> str:
    """Per app a line, then per differing object ``===== group/Kind ns/name ======`` and
    its diff, as ``argocd app diff`` prints."""
    parts: list[str] = []
    for item in previews:
        parts.append(f"{item.name} ({item.environment or '-'}): {_verdict(item)}\n")
        parts.extend(f"  {error}\n" for error in item.errors)
        for obj in item.objects:
            parts.append(f"\n===== {obj.key} ({obj.change.value}) ======\n{obj.diff}")
        if item.objects:
            parts.append("\n")
    return "".join(parts)


def as_json(previews: Sequence[AppPreview]) -> str:
    """``{"changed": bool, "apps": [...]}`` with every object change and its diff."""
    apps: list[dict[str, Any]] = [
        {
            "name": item.name,
            "environment": item.environment,
            "change": item.change.value,
            **{c.value: item.count(c) for c in _COUNTED},
            "errors": item.errors,
            "objects": [
                {
                    "group": obj.key.group,
                    "kind": obj.key.kind,
                    "namespace": obj.key.namespace,
                    "name": obj.key.name,
                    "change": obj.change.value,
                    "diff": obj.diff,
                }
                for obj in item.objects
            ],
        }
        for item in previews
    ]
    return json.dumps({"changed": has_changes(previews), "apps": apps}, indent=2) + "\n"


def as_markdown(previews: Sequence[AppPreview], *, title: str = "gitward diff") -> str:
    """A pull-request comment: a summary table per environment and app, details folded."""
    changed = [item for item in previews if item.change is not Change.UNCHANGED]
    head = f"### {title}\n\n"
    if not changed:
        return head + f"No change to the {len(previews)} rendered apps.\n"
    summary = head + _table(previews) + "\n"
    details = [_details(item) for item in changed if item.objects or item.errors]
    body, used = "", len(summary)
    for index, block in enumerate(details):
        if used + len(block) > MARKDOWN_LIMIT:
            left = len(details) - index
            body += f"_{left} more app(s) not shown: the comment would be too long._\n"
            break
        body += block
        used += len(block)
    return summary + body


def _table(previews: Sequence[AppPreview]) -> str:
    rows = [
        "| Environment | App | Change | Added | Removed | Changed |",
        "|---|---|---|--:|--:|--:|",
    ]
    for item in sorted(previews, key=lambda p: (p.environment, p.name)):
        counts = " | ".join(str(item.count(c)) for c in _COUNTED)
        env, name = _cell(item.environment or "-"), _cell(item.name)
        rows.append(f"| {env} | {name} | {_cell(_verdict(item))} | {counts} |")
    return "\n".join(rows) + "\n"


def _details(item: AppPreview) -> str:
    lines = [
        f"<details><summary><b>{_html(item.name)}</b> ({_html(item.environment or '-')}): "
        f"{_html(_verdict(item))}</summary>\n"
    ]
    if item.errors:
        lines.append(_fenced("\n".join(item.errors) + "\n", "text"))
    for obj in item.objects:
        lines.append(f"\n**{_html(str(obj.key))}** ({obj.change.value})\n")
        lines.append(_fenced(obj.diff, "diff"))
    lines.append("\n</details>\n\n")
    return "".join(lines)


def _fenced(text: str, language: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"\n{fence}{language}\n{text if text.endswith(chr(10)) else text + chr(10)}{fence}\n"


def _cell(text: str) -> str:
    return _html(text).replace("|", "\\|")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
