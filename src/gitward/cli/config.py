"""The CLI's own config file: which gitward servers it knows and the token for each.

Like Argo CD's ``~/.config/argocd/config``: one *context* per server (its URL, who logged in,
the session token, whether plain HTTP is allowed), one of them current. The file lives at
``$GITWARD_CONFIG``, else ``$XDG_CONFIG_HOME/gitward/config.yaml``, else
``~/.config/gitward/config.yaml``; it holds tokens, so it is always written with mode 0600 in a
0700 directory, atomically (a crash never leaves half a file).

This module reads and writes the file; it must not talk to a server and must never put a token
into a message or a ``repr``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import ConfigError, Location

__all__ = ["ClientConfig", "Context", "config_path", "load", "save"]


@dataclass(frozen=True, slots=True)
class Context:
    """One gitward server the CLI can talk to."""

    name: str
    server: str
    username: str = ""
    auth_token: str = field(default="", repr=False)
    insecure: bool = False


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Every known context, and which one commands use when no ``--server`` is given."""

    path: Path
    contexts: tuple[Context, ...] = ()
    current: str = ""

    def context(self, name: str) -> Context | None:
        """The context called ``name``, if there is one."""
        return next((ctx for ctx in self.contexts if ctx.name == name), None)

    def current_context(self) -> Context | None:
        """The context commands use by default."""
        return self.context(self.current) if self.current else None

    def context_for_server(self, server: str) -> Context | None:
        """The context that talks to ``server`` (a URL), if one does."""
        return next((ctx for ctx in self.contexts if ctx.server == server.rstrip("/")), None)

    def with_context(self, context: Context, *, make_current: bool = True) -> ClientConfig:
        """This config with ``context`` added or replaced (by name), current unless told not."""
        contexts = [ctx for ctx in self.contexts if ctx.name != context.name]
        position = next(
            (i for i, ctx in enumerate(self.contexts) if ctx.name == context.name), len(contexts)
        )
        contexts.insert(position, context)
        current = context.name if make_current else self.current
        return replace(self, contexts=tuple(contexts), current=current)

    def logged_out(self, name: str) -> ClientConfig:
        """This config with the token of context ``name`` forgotten (the context stays)."""
        contexts = tuple(
            replace(ctx, auth_token="") if ctx.name == name else ctx for ctx in self.contexts
        )
        return replace(self, contexts=contexts)


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$GITWARD_CONFIG``, else ``$XDG_CONFIG_HOME/gitward/config.yaml``, else under
    ``~/.config``."""
    env = os.environ if env is None else env
    if env.get("GITWARD_CONFIG"):
        return Path(env["GITWARD_CONFIG"]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "gitward" / "config.yaml"


def load(path: Path) -> ClientConfig:
    """Read the config file; a missing file is an empty config."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ClientConfig(path)
    except OSError as error:
        raise ConfigError(
            f"cannot read the CLI config: {error.strerror}", where=Location(file=str(path))
        ) from error
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(
            "the CLI config is not valid YAML",
            where=Location(file=str(path)),
            hint="Fix or delete the file, then run gitward login again",
        ) from error
    return _parse(path, document)


def save(config: ClientConfig) -> None:
    """Write the config atomically with mode 0600 (its directory 0700)."""
    config.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = yaml.safe_dump(_document(config), sort_keys=False)
    temporary = config.path.with_name(f".{config.path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    temporary.replace(config.path)


def _parse(path: Path, document: object) -> ClientConfig:
    where = Location(file=str(path))
    if not isinstance(document, dict):
        raise ConfigError("the CLI config must be a mapping", where=where, hint=_FIX_HINT)
    entries = document.get("contexts") or []
    if not isinstance(entries, list):
        raise ConfigError("must be a list", where=where.at("contexts"), hint=_FIX_HINT)
    contexts = tuple(_context(entry, where.at(f"contexts[{i}]")) for i, entry in enumerate(entries))
    current = document.get("current-context") or ""
    if not isinstance(current, str):
        raise ConfigError("must be a string", where=where.at("current-context"), hint=_FIX_HINT)
    return ClientConfig(path, contexts, current)


def _context(entry: object, where: Location) -> Context:
    if not isinstance(entry, dict):
        raise ConfigError("must be a mapping", where=where, hint=_FIX_HINT)
    for key in ("name", "server"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ConfigError(
                "must be a non-empty string", where=where.at(f"{where.field}.{key}"), hint=_FIX_HINT
            )
    return Context(
        name=entry["name"],
        server=entry["server"],
        username=str(entry.get("user") or ""),
        auth_token=str(entry.get("auth-token") or ""),
        insecure=entry.get("insecure") is True,
    )


def _document(config: ClientConfig) -> dict[str, Any]:
    return {
        "current-context": config.current,
        "contexts": [
            {
                "name": ctx.name,
                "server": ctx.server,
                "user": ctx.username,
                "auth-token": ctx.auth_token,
                "insecure": ctx.insecure,
            }
            for ctx in config.contexts
        ],
    }


_FIX_HINT = "Fix the file, or delete it and run gitward login again"
