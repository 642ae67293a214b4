"""The test PostgreSQL server as the worlds use it: the admin URL ``GITWARD_TEST_POSTGRES_URL``
names (``scripts/postgres start DIR`` prints one), a statement or a query run on a database,
and a throwaway database per test, created there and dropped (forcibly) at the end, so that
parallel workers never meet. Without the variable a test that needs PostgreSQL skips, unless
``GITWARD_REQUIRE_TOOLS=1``, where it fails."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

POSTGRES_VARIABLE = "GITWARD_TEST_POSTGRES_URL"


def postgres_admin_url(whose: str) -> str:
    """The admin URL of the test server; else a skip of ``whose`` tests (a failure when tools
    are required)."""
    url = os.environ.get(POSTGRES_VARIABLE)
    if not url:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail(
                f"PostgreSQL is required (GITWARD_REQUIRE_TOOLS=1): set {POSTGRES_VARIABLE}"
            )
        pytest.skip(f"no PostgreSQL for {whose}: {POSTGRES_VARIABLE} is not set")
    return url


async def execute(url: str, statement: str) -> None:
    """Run ``statement`` on the database ``url``."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def fetch(url: str, statement: str) -> list[dict[str, Any]]:
    """The rows of ``statement`` on the database ``url``."""
    connection = await asyncpg.connect(url)
    try:
        return [dict(row) for row in await connection.fetch(statement)]
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def throwaway_database(admin_url: str, prefix: str) -> AsyncIterator[str]:
    """The URL of a new database ``prefix_<random>`` on the server ``admin_url``; dropped at
    the end."""
    create, url, drop = _lifetime(admin_url, prefix)
    await execute(admin_url, create)
    try:
        yield url
    finally:
        await execute(admin_url, drop)


@contextlib.contextmanager
def throwaway_database_sync(admin_url: str, prefix: str) -> Iterator[str]:
    """:func:`throwaway_database` for a test without an event loop."""
    create, url, drop = _lifetime(admin_url, prefix)
    asyncio.run(execute(admin_url, create))
    try:
        yield url
    finally:
        asyncio.run(execute(admin_url, drop))


def _lifetime(admin_url: str, prefix: str) -> tuple[str, str, str]:
    """The statement that makes a new database, its URL, the statement that drops it."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return f'CREATE DATABASE "{name}"', url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
