"""A real store per test, on SQLite (a file in tmp_path) and on PostgreSQL.

PostgreSQL comes from ``GITWARD_TEST_POSTGRES_URL`` (``./dev test`` starts a throwaway server and
sets it): every test gets a database of its own, created through that admin URL and dropped
afterwards, so parallel workers never meet. Without the variable the PostgreSQL half is skipped,
unless ``GITWARD_REQUIRE_TOOLS=1``, where it fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from store_builders import TickingClock

from gitward.store import Store
from support.postgres import postgres_admin_url, throwaway_database

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def store_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL no other test uses."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'gitward.db'}"
        return
    async with throwaway_database(postgres_admin_url("the store's tests"), "gitward_test") as url:
        yield url


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
