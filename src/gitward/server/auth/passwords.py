"""Local account passwords: argon2id hashes, a policy for new ones, and random ones.

A password is kept only as an argon2id hash (argon2-cffi's PasswordHasher, RFC 9106's low-memory
profile unless told otherwise). Verifying for an account that does not exist still runs one full
argon2 verification, against a dummy hash made with the same parameters, so the time a failed
login takes does not tell whether the account exists. Hashing is CPU-bound and blocking: async
callers run it in a thread. Nothing here logs, and no error carries a password.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gitward.errors import Location
from gitward.server.auth.failures import PasswordRejectedError

__all__ = ["PasswordPolicy", "Passwords", "generate_password"]

_ALPHABET = string.ascii_letters + string.digits
GENERATED_LENGTH = 24
"""Characters of a generated password: about 143 bits from 62 symbols."""


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """What a new password must be."""

    min_length: int = 12
    """Shorter passwords are refused (NIST SP 800-63B asks for at least 8; gitward asks more)."""
    max_length: int = 1024
    """Longer ones are refused: nobody types them, and hashing them costs the server."""


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password of letters and digits, from the operating system's CSPRNG."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


class Passwords:
    """Hashes and verifies passwords, and checks new ones against the policy."""

    def __init__(
        self, hasher: PasswordHasher | None = None, policy: PasswordPolicy | None = None
    ) -> None:
        self._hasher = hasher or PasswordHasher()
        self.policy = policy or PasswordPolicy()
        self._dummy: str | None = None
        self._dummy_lock = threading.Lock()

    def check(self, password: str, *, account: str, where: Location | None = None) -> None:
        """Refuse a new password that breaks the policy; the message never shows it."""
        where = where or Location(obj=f"account {account}", field="password")
        policy = self.policy
        if len(password) < policy.min_length:
            problem = f"the password is shorter than {policy.min_length} characters"
        elif len(password) > policy.max_length:
            problem = f"the password is longer than {policy.max_length} characters"
        elif not password.strip():
            problem = "the password is only whitespace"
        elif password.casefold() == account.casefold():
            problem = "the password is the account's name"
        else:
            return
        raise PasswordRejectedError(problem, where=where, hint="choose another password")

    def hash(self, password: str) -> str:
        """The argon2id hash of ``password`` (a PHC string with its salt and parameters)."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``.

        With no hash (no such account) or an oversized password, a dummy hash is verified
        instead, so that every failure costs the same time; the answer is then False.
        """
        if password_hash is None or len(password) > self.policy.max_length:
            self._verify(self._dummy_hash(), password[: self.policy.max_length])
            return False
        return self._verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = self._hasher.hash(generate_password())
            return self._dummy
