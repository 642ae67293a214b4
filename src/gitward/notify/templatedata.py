"""What a notification template sees, as Argo CD defines it: ``app``, ``context``,
``serviceType``, ``recipient``, ``secrets``, and the data behind the ``repo`` helpers.

``secrets`` maps each key of ``argocd-notifications-secret`` to a placeholder, not to its value:
rendered notifications are stored before they are sent, and a secret must not rest in the
store. :func:`reveal_secrets` puts the values in just before delivery (so a rotated secret is
the one sent). ``repo.commits`` holds the metadata of the app's commits
(``call .repo.GetCommitMetadata sha``: ``Author``, ``Message``, ``Date``, ``Tags``) as the
notifier fetched it from gitward's git layer; ``repo.appDetails`` is what
``call .repo.GetAppDetails`` returns, read from the app's spec (``Type``, and ``Helm``'s
``ValueFiles``, ``Parameters``, ``Values``, ``FileParameters``). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["app_details", "app_revisions", "reveal_secrets", "template_data"]

_PLACEHOLDER = re.compile(r"__GITWARD_SECRET_([0-9a-f]+)__")


def template_data(
    app: Mapping[str, Any],
    *,
    context: Mapping[str, Any],
    service_type: str,
    recipient: str,
    secret_keys: Iterable[str],
    commits: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    return {
        "app": app,
        "context": dict(context),
        "serviceType": service_type,
        "recipient": recipient,
        "secrets": {key: f"__GITWARD_SECRET_{key.encode().hex()}__" for key in secret_keys},
        "repo": {"commits": dict(commits), "appDetails": app_details(app)},
    }


def reveal_secrets(value: Any, named: Mapping[str, str]) -> Any:
    """``value`` (rendered texts, nested) with each secret placeholder replaced by its value."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda found: _secret(found.group(1), named), value)
    if isinstance(value, Mapping):
        return {key: reveal_secrets(inner, named) for key, inner in value.items()}
    return value


def _secret(encoded: str, named: Mapping[str, str]) -> str:
    try:
        key = bytes.fromhex(encoded).decode()
    except ValueError:
        return ""
    return named.get(key, "")


def app_revisions(app: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(repository URL, commit) of the app's synced and last-operation commits, source by
    source, for ``GetCommitMetadata``."""
    spec = app.get("spec") or {}
    sources = spec.get("sources") or ([spec["source"]] if spec.get("source") else [])
    urls = [str((source or {}).get("repoURL") or "") for source in sources]
    status = app.get("status") or {}
    result = (status.get("operationState") or {}).get("syncResult") or {}
    found: list[tuple[str, str]] = []
    for holder in (status.get("sync") or {}, result):
        shas = holder.get("revisions") or [holder.get("revision")]
        for url, sha in zip(urls, shas, strict=False):
            if url and sha and (url, str(sha)) not in found:
                found.append((url, str(sha)))
    return found


def app_details(app: Mapping[str, Any]) -> dict[str, Any]:
    """Argo CD's ``AppDetail`` of the app's (first) source, from its spec."""
    spec = app.get("spec") or {}
    source = spec.get("source") or (spec.get("sources") or [{}])[0] or {}
    helm = source.get("helm")
    kind = "Directory"
    if helm is not None or source.get("chart"):
        kind = "Helm"
    elif source.get("kustomize") is not None:
        kind = "Kustomize"
    elif source.get("plugin") is not None:
        kind = "Plugin"
    details: dict[str, Any] = {"Type": kind}
    if kind == "Helm":
        helm = helm or {}
        details["Helm"] = {
            "Name": str(helm.get("releaseName") or (app.get("metadata") or {}).get("name", "")),
            "ValueFiles": list(helm.get("valueFiles") or []),
            "Parameters": list(helm.get("parameters") or []),
            "Values": str(helm.get("values") or ""),
            "FileParameters": list(helm.get("fileParameters") or []),
        }
    elif kind == "Kustomize":
        details["Kustomize"] = dict(source.get("kustomize") or {})
    elif kind == "Directory":
        details["Directory"] = dict(source.get("directory") or {})
    return details
