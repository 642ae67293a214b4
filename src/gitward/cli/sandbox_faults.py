"""``gitward sandbox fault``'s work: find the running sandbox from a kubeconfig, change its
faults over HTTP (``/sandbox/faults``, ``/sandbox/watches/drop``) and say what is now set.

It is a client of the sandbox's admin API, like kubectl is of its Kubernetes API: it must not
import the sandbox (nor the server, the controller or the Helm SDK), so the command starts as
fast as any other client command. Every expected failure is a :class:`FaultError` with one
line that says what to do.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

__all__ = [
    "FaultError",
    "SandboxAddress",
    "describe",
    "drop_watches",
    "error_ratio",
    "latency_seconds",
    "post",
    "read_kubeconfig",
    "settings",
]

_TIMEOUT = 10.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")


class FaultError(Exception):
    """A fault command that cannot be carried out; the message is for the user."""


@dataclass(frozen=True, slots=True)
class SandboxAddress:
    """Where the sandbox listens and how to authenticate, from a kubeconfig."""

    server: str
    token: str = ""
    verify: bool | str = True


def _entry(items: Any, name: str, key: str, where: Path) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            found = item.get(key)
            if isinstance(found, dict):
                return found
    raise FaultError(f"{where}: no {key} named {name!r} in the kubeconfig")


def _first_file(path: Path) -> Path:
    """``$KUBECONFIG`` may list several files (``a:b``); the first that exists is read."""
    parts = [Path(p) for p in str(path).split(os.pathsep) if p]
    if path.exists() or len(parts) < 2:
        return path
    return next((p for p in parts if p.is_file()), parts[0])


def read_kubeconfig(path: Path, context: str = "") -> SandboxAddress:
    """The server URL and bearer token of ``context`` (default: the current context)."""
    path = _first_file(path)
    try:
        config = yaml.safe_load(path.read_text("utf-8"))
    except OSError as err:
        raise FaultError(f"cannot read the kubeconfig {path}: {err.strerror or err}") from err
    except yaml.YAMLError as err:
        raise FaultError(f"{path} is not a valid kubeconfig (YAML): {err}") from err
    if not isinstance(config, dict):
        raise FaultError(f"{path} is not a kubeconfig: expected a mapping")
    name = context or str(config.get("current-context") or "")
    if not name:
        raise FaultError(f"{path}: no current-context; pass --context NAME")
    chosen = _entry(config.get("contexts"), name, "context", path)
    cluster = _entry(config.get("clusters"), str(chosen.get("cluster", "")), "cluster", path)
    server = str(cluster.get("server") or "").rstrip("/")
    if not server:
        raise FaultError(f"{path}: cluster {chosen.get('cluster')!r} has no server URL")
    user: dict[str, Any] = {}
    if chosen.get("user"):
        user = _entry(config.get("users"), str(chosen["user"]), "user", path)
    token = str(user.get("token") or "")
    if not token and user.get("tokenFile"):
        token = Path(str(user["tokenFile"])).read_text("utf-8").strip()
    verify: bool | str = True
    if cluster.get("insecure-skip-tls-verify"):
        verify = False
    elif cluster.get("certificate-authority"):
        verify = str(cluster["certificate-authority"])
    return SandboxAddress(server, token, verify)


def latency_seconds(text: str) -> float:
    """``15ms`` or ``0.5s`` in seconds; ``0`` or ``off`` for none."""
    if text.strip().lower() in ("0", "off", "none"):
        return 0.0
    match = _DURATION.match(text)
    if match is None:
        raise FaultError(f"latency {text!r} is not a duration: write it as 15ms or 0.5s")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "ms" else value


def error_ratio(text: str) -> float:
    """``5%`` (or ``0.05``) as a ratio between 0 and 1."""
    raw = text.strip()
    try:
        ratio = float(raw.removesuffix("%")) / (100 if raw.endswith("%") else 1)
    except ValueError as err:
        raise FaultError(f"error rate {text!r} is not a percentage: write it as 5%") from err
    if not 0.0 <= ratio <= 1.0:
        raise FaultError(f"error rate {text!r} must be between 0% and 100%")
    return ratio


def _request(address: SandboxAddress, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {address.token}"} if address.token else {}
    url = f"{address.server}{path}"
    try:
        with httpx.Client(verify=address.verify, timeout=_TIMEOUT) as client:
            response = client.request(method, url, json=body, headers=headers)
    except httpx.HTTPError as err:
        raise FaultError(
            f"cannot reach the sandbox at {address.server} ({err}): "
            "is `gitward sandbox` running with this kubeconfig?"
        ) from err
    if response.status_code == 404:
        raise FaultError(
            f"{address.server} is not a gitward sandbox (no {path}): "
            "faults can only be injected into a sandbox cluster"
        )
    if response.status_code >= 400:
        raise FaultError(f"the sandbox refused the change: {_message(response)}")
    return response.json()


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message") or response.text)
    except ValueError:
        return response.text or f"HTTP {response.status_code}"


def settings(address: SandboxAddress) -> dict[str, Any]:
    """The sandbox's fault settings now."""
    found = _request(address, "GET", "/sandbox/faults")
    return found if isinstance(found, dict) else {}


def post(address: SandboxAddress, change: dict[str, Any]) -> dict[str, Any]:
    """Apply ``change`` (keys left out keep their setting); the settings after it."""
    found = _request(address, "POST", "/sandbox/faults", change)
    return found if isinstance(found, dict) else {}


def drop_watches(address: SandboxAddress) -> int:
    """Close every open watch stream; how many were open."""
    found = _request(address, "POST", "/sandbox/watches/drop")
    return int(found.get("dropped", 0)) if isinstance(found, dict) else 0


def describe(address: SandboxAddress, current: dict[str, Any]) -> list[str]:
    """The settings as lines for a person."""
    latency = current.get("latency") or {}
    errors = current.get("errors") or {}
    if latency:
        shown = f"{(latency.get('fixed') or 0) * 1000:g}ms"
        if latency.get("p50"):
            shown = f"p50 {latency['p50'] * 1000:g}ms, p99 {latency.get('p99', 0) * 1000:g}ms"
    error_text = "none"
    if errors:
        error_text = (
            f"{errors.get('ratio', 0) * 100:g}% of requests answered {errors.get('status')}"
        )
    return [
        f"sandbox {address.server}",
        f"  missing images:  {', '.join(current.get('missingImages') or []) or 'none'}",
        f"  crashing images: {', '.join(current.get('crashingImages') or []) or 'none'}",
        f"  latency:         {shown if latency else 'none'}",
        f"  errors:          {error_text}",
    ]
