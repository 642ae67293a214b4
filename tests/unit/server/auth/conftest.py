"""A real store per test for authentication, on SQLite and (when configured) PostgreSQL.

PostgreSQL comes from ``GITWARD_TEST_POSTGRES_URL`` as for the store's own tests: each test gets
a database of its own, dropped afterwards. Passwords are hashed with cheap argon2 parameters, so
that a test's hashing costs milliseconds; the algorithm is the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from auth_builders import ManualClock, cheap_passwords

from gitward.server.auth.accounts import Authenticator
from gitward.server.auth.config import AuthConfig
from gitward.store import Store
from support.postgres import postgres_admin_url, throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gitward.db'}"
        return
    admin_url = postgres_admin_url("the auth tests")
    async with throwaway_database(admin_url, "gitward_auth") as url:
        yield url


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
