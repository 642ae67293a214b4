"""Encrypt credentials at rest, with a key that never lives in the database.

The key is, in this order: the one handed to ``Store.open``, ``$GITWARD_SECRET_KEY``, or a key
file created on first use (``secret.key`` under the data directory, mode 0600, refused when
others may read it). Keys are Fernet keys (AES-128-CBC with HMAC-SHA256). The key is looked up
only when a secret is first sealed or opened, so a store without credentials needs none.
Nothing here logs, and no message carries a key or a secret.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from gitward.errors import Location
from gitward.store.failures import StoreConfigError
from gitward.store.files import private_directory
from gitward.store.records import Credentials

__all__ = ["KEY_FILE_NAME", "SECRET_KEY_VARIABLE", "Sealer"]

SECRET_KEY_VARIABLE = "GITWARD_SECRET_KEY"  # noqa: S105 - a variable's name, not a key
KEY_FILE_NAME = "secret.key"
_GENERATE = (
    "generate one with: python -c "
    "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


class Sealer:
    """Seals :class:`Credentials` into an opaque string and opens it again."""

    def __init__(self, *, key: str | None, env: Mapping[str, str], data_dir: Path | None) -> None:
        self._explicit = key
        self._env_key = env.get(SECRET_KEY_VARIABLE) or None
        self._data_dir = data_dir
        self._fernet: Fernet | None = None

    def seal(self, credentials: Credentials) -> str:
        """The encrypted credentials; ``""`` when there is nothing but a username to keep."""
        kept = {name: value for name, value in asdict(credentials).items() if value}
        kept.pop("username", None)
        if not kept:
            return ""
        return self._key().encrypt(json.dumps(kept).encode()).decode("ascii")

    def open(self, sealed: str, username: str, where: Location) -> Credentials:
        """The credentials ``seal`` made ``sealed`` from."""
        if not sealed:
            return Credentials(username=username)
        try:
            fields = json.loads(self._key().decrypt(sealed.encode("ascii")))
        except (InvalidToken, ValueError):
            raise StoreConfigError(
                "the stored credentials cannot be decrypted with this secret key",
                where=where,
                hint=f"use the {SECRET_KEY_VARIABLE} or key file they were stored with, "
                "or enter the credentials again",
            ) from None
        return Credentials(username=username, **fields)

    def _key(self) -> Fernet:
        if self._fernet is None:
            self._fernet = self._load()
        return self._fernet

    def _load(self) -> Fernet:
        if self._explicit is not None:
            return _fernet(self._explicit, "the secret key given to the store")
        if self._env_key is not None:
            return _fernet(self._env_key, SECRET_KEY_VARIABLE)
        if self._data_dir is None:
            raise StoreConfigError(
                "no secret key to encrypt credentials with",
                hint=f"set {SECRET_KEY_VARIABLE} or give the store a data directory; {_GENERATE}",
            )
        path = self._data_dir / KEY_FILE_NAME
        return _fernet(_read_or_create(path), str(path))


def _fernet(key: str, source: str) -> Fernet:
    try:
        return Fernet(key.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise StoreConfigError(
            "the secret key is not a Fernet key (32 bytes, URL-safe base64)",
            where=Location(file=source),
            hint=_GENERATE,
        ) from None


def _read_or_create(path: Path) -> str:
    """The key in ``path``; a new one, written 0600, when there is none yet."""
    private_directory(path.parent, tighten=False)
    if not path.exists():
        _create(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StoreConfigError(
            f"the key file may be read by others (mode {stat.S_IMODE(mode):o})",
            where=Location(file=str(path)),
            hint=f"chmod 600 {path}",
        )
    return path.read_text(encoding="ascii")


def _create(path: Path) -> None:
    """Write a fresh key beside ``path`` and link it in: a racing process keeps the first one."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)
