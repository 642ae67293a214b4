"""The few cluster calls every sync action shares, and the text results carry.

Reading an object afresh (absent is None, not an error), deleting one only if it is still the
object gitward saw (uid precondition), and turning a refused request into a result message: the
API's own words with its field causes, scrubbed of anything a Secret holds. Messages never carry
a Secret's values, whatever the API server echoed back. Transient errors (the cluster did not
answer) are never turned into results: they propagate, and the step tries again later.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from gitward.errors import GitwardError, InvalidError, NotFoundError
from gitward.kube.cluster import Cluster, Propagation
from gitward.model.objects import Manifest, ResourceKey
from gitward.redaction import redact
from gitward.sync.tasks import Task

__all__ = [
    "delete",
    "error_text",
    "fresh",
    "is_terminating",
    "resource_version",
    "scrub",
    "uid_of",
]

_SHORTEST_SECRET = 3


async def fresh(cluster: Cluster, key: ResourceKey, api_version: str = "") -> Manifest | None:
    """The object as the API server has it now; None when it does not exist."""
    version = api_version.rpartition("/")[2] or None
    try:
        return await cluster.get(key, version=version)
    except NotFoundError:
        return None


async def delete(
    cluster: Cluster, key: ResourceKey, live: Manifest, propagation: Propagation
) -> Manifest | None:
    """Delete ``live`` if it is still the same object (uid precondition); returns the object
    while it is kept (finalizers, foreground deletion), None once gone or already gone."""
    try:
        return await cluster.delete(key, propagation=propagation, uid=uid_of(live) or None)
    except NotFoundError:
        return None


def uid_of(obj: Manifest | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("uid") or "")


def resource_version(obj: Manifest | None) -> str:
    return str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")


def is_terminating(obj: Manifest | None) -> bool:
    return bool(((obj or {}).get("metadata") or {}).get("deletionTimestamp"))


def error_text(err: GitwardError, task: Task) -> str:
    """The API's message (and field causes it does not already name), scrubbed."""
    text = err.problem
    if isinstance(err, InvalidError):
        extra = [f"{field}: {message}" for field, message in err.causes if field not in text]
        if extra:
            text = f"{text} ({'; '.join(extra)})"
    return scrub(text, task)


def scrub(text: str, task: Task) -> str:
    """``text`` without any value the task's Secret (desired or live) holds."""
    values = set(_secret_values(task.target)) | set(_secret_values(task.live))
    return redact(text, *sorted(values, key=len, reverse=True))


def _secret_values(obj: Manifest | None) -> Iterator[str]:
    if obj is None or obj.get("kind") != "Secret":
        return
    for field in ("data", "stringData"):
        section: Any = obj.get(field)
        if not isinstance(section, dict):
            continue
        for value in section.values():
            if not isinstance(value, str) or len(value) < _SHORTEST_SECRET:
                continue
            yield value
            if field == "data":
                yield from _decoded(value)


def _decoded(value: str) -> Iterator[str]:
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return
    if len(text) >= _SHORTEST_SECRET:
        yield text
