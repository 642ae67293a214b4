"""A real store per test, on SQLite (a file in tmp_path) and on PostgreSQL.

PostgreSQL comes from ``GITWARD_TEST_POSTGRES_URL`` (``./dev test`` starts a throwaway server and
sets it): every test gets a database of its own, created through that admin URL and dropped
afterwards, so parallel workers never meet. Without the variable the PostgreSQL half is skipped,
unless ``GITWARD_REQUIRE_TOOLS=1``, where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from store_builders import TickingClock

from gitward.store import Store

POSTGRES_VARIABLE = "GITWARD_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_admin_url() -> str:
    """The admin URL of the test server, or a skip (a failure when tools are required)."""
    url = os.environ.get(POSTGRES_VARIABLE)
    if not url:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail(
                f"PostgreSQL is required (GITWARD_REQUIRE_TOOLS=1): set {POSTGRES_VARIABLE}"
            )
        pytest.skip(f"no PostgreSQL for the store's tests: {POSTGRES_VARIABLE} is not set")
    return url


class PostgresDatabases:
    """Creates and drops throwaway databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    async def create(self) -> str:
        name = f"gitward_test_{uuid.uuid4().hex[:16]}"
        await self._admin(f'CREATE DATABASE "{name}"')
        return sa.make_url(self.admin_url).set(database=name).render_as_string(False)

    async def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def store_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL no other test uses."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'gitward.db'}"
        return
    databases = PostgresDatabases(postgres_admin_url())
    url = await databases.create()
    try:
        yield url
    finally:
        await databases.drop(url)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def no_env() -> dict[str, str]:
    """An environment without GITWARD_SECRET_KEY, so the key file is used."""
    return {}


@pytest.fixture
async def store(
    store_url: str, data_dir: Path, clock: TickingClock, no_env: dict[str, str]
) -> AsyncIterator[Store]:
    opened = await Store.open(store_url, data_dir=data_dir, env=no_env, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()
