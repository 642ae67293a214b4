"""A real store per test for authentication, on SQLite and (when configured) PostgreSQL.

PostgreSQL comes from ``GITWARD_TEST_POSTGRES_URL`` as for the store's own tests: each test gets
a database of its own, dropped afterwards. Passwords are hashed with cheap argon2 parameters, so
that a test's hashing costs milliseconds; the algorithm is the same.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from auth_builders import ManualClock, cheap_passwords

from gitward.server.auth.accounts import Authenticator
from gitward.server.auth.config import AuthConfig
from gitward.store import Store

POSTGRES_VARIABLE = "GITWARD_TEST_POSTGRES_URL"


async def _admin(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gitward.db'}"
        return
    admin_url = os.environ.get(POSTGRES_VARIABLE)
    if not admin_url:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail(
                f"PostgreSQL is required (GITWARD_REQUIRE_TOOLS=1): set {POSTGRES_VARIABLE}"
            )
        pytest.skip(f"no PostgreSQL for the auth tests: {POSTGRES_VARIABLE} is not set")
    name = f"gitward_auth_{uuid.uuid4().hex[:16]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def store(store_url: str, data_dir: Path, clock: ManualClock) -> AsyncIterator[Store]:
    opened = await Store.open(store_url, data_dir=data_dir, env={}, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def config() -> AuthConfig:
    return AuthConfig()


@pytest.fixture
async def auth(store: Store, config: AuthConfig, clock: ManualClock) -> Authenticator:
    return await Authenticator.start(store, config, passwords=cheap_passwords(), clock=clock)
