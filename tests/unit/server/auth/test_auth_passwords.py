"""Passwords: argon2id hashes, a dummy verification for unknown accounts, the policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from auth_builders import cheap_hasher, cheap_passwords

from gitward.server.auth.failures import PasswordRejectedError
from gitward.server.auth.passwords import PasswordPolicy, Passwords, generate_password

PASSWORD = "correct-horse-battery"


class CountingHasher(PasswordHasher):
    """argon2 as usual, counting the hashes it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(str(hash))
        return super().verify(hash, password)


def test_a_password_is_kept_as_an_argon2id_hash_that_verifies_it() -> None:
    passwords = cheap_passwords()

    hashed = passwords.hash(PASSWORD)

    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert passwords.verify(hashed, PASSWORD) is True
    assert passwords.verify(hashed, PASSWORD + "x") is False


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    passwords = cheap_passwords()

    assert passwords.hash(PASSWORD) != passwords.hash(PASSWORD)


def test_an_unknown_account_still_costs_one_full_verification_against_a_dummy_hash() -> None:
    hasher = CountingHasher()
    passwords = Passwords(hasher)

    assert passwords.verify(None, PASSWORD) is False
    assert passwords.verify(None, "another guess") is False

    assert len(hasher.verified) == 2
    assert hasher.verified[0] == hasher.verified[1]
    assert hasher.verified[0].startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_an_oversized_password_is_verified_against_the_dummy_and_fails() -> None:
    hasher = CountingHasher()
    passwords = Passwords(hasher, PasswordPolicy(max_length=64))
    real = passwords.hash("x" * 100)

    assert passwords.verify(real, "x" * 100) is False
    assert hasher.verified == [passwords._dummy_hash()]


def test_a_malformed_stored_hash_verifies_nothing() -> None:
    assert cheap_passwords().verify("$argon2id$garbage", PASSWORD) is False


def test_a_hash_made_with_other_parameters_needs_rehashing() -> None:
    old = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)).hash(PASSWORD)
    current = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))

    assert current.needs_rehash(old) is True
    assert current.needs_rehash(current.hash(PASSWORD)) is False


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("tiny-pw", "shorter than 12 characters"),
        ("x" * 1025, "longer than 1024 characters"),
        (" " * 20, "only whitespace"),
        ("Administrator", "the account's name"),
    ],
)
def test_a_new_password_that_breaks_the_policy_is_refused_without_showing_it(
    password: str, problem: str
) -> None:
    with pytest.raises(PasswordRejectedError, match=problem) as caught:
        cheap_passwords().check(password, account="administrator")

    assert caught.value.code == "password_rejected"
    assert caught.value.where.field == "password"
    assert password.strip() == "" or password not in caught.value.message


def test_a_generated_password_meets_the_policy_and_is_never_the_same() -> None:
    generated = {generate_password() for _ in range(20)}

    assert len(generated) == 20
    for password in generated:
        cheap_passwords().check(password, account="admin")
        assert password.isalnum()
        assert len(password) == 24


def test_the_default_hasher_is_argon2id_with_rfc_9106_low_memory_parameters() -> None:
    hashed = Passwords().hash(PASSWORD)

    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert cheap_hasher().type == PasswordHasher().type
