"""Fixtures: a fresh sandbox per test, reached over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gitward.sandbox import Sandbox, SandboxOptions


@pytest.fixture
def options() -> SandboxOptions:
    """Override in a test module to change how its sandboxes start."""
    return SandboxOptions(pod_ready_after=0.02, job_complete_after=0.05)


@pytest.fixture
async def sandbox(options: SandboxOptions) -> AsyncIterator[Sandbox]:
    async with Sandbox.start(options) as sb:
        yield sb


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": "Bearer test"}
    async with httpx.AsyncClient(base_url=sandbox.url, headers=headers, timeout=10) as c:
        yield c
