"""A gitward server with a sandbox cluster, on an event loop of its own thread, so that a
synchronous test (Typer's runner, ``python -m gitward`` processes, httpx, Playwright) talks to it
over HTTP exactly as a terminal or a browser would.

A world says only how its server is configured: ``configure`` gets the sandbox's access and
returns the ``ServerConfig`` (applying anything the world needs in the cluster first).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from gitward.kube import ClusterAccess
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.server.running import RunningServer, ServerConfig, run_server
from support.cluster import in_cluster_access
from support.pace import QUICK_SANDBOX

Configure = Callable[[ClusterAccess], Awaitable[ServerConfig]]
START_TIMEOUT_S = 90.0


class ServerThread:
    """The running server (``url``, ``admin_password``, ``running``) until ``stop``; a context
    manager that starts and stops it."""

    def __init__(
        self,
        tmp: Path,
        configure: Configure,
        *,
        sandbox: SandboxOptions = QUICK_SANDBOX,
        start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        self.tmp, self.configure, self.sandbox = tmp, configure, sandbox
        self.start_timeout_s = start_timeout_s
        self.url = ""
        self.admin_password = ""
        self.running: RunningServer | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="gitward-server", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        if not self._ready.wait(self.start_timeout_s):
            raise RuntimeError("the gitward server did not start in time")
        if self._failure is not None:
            raise RuntimeError("the gitward server failed to start") from self._failure
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(self.start_timeout_s)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported to the starting thread
            self._failure = error
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with Sandbox.start(self.sandbox) as sandbox:
            config = await self.configure(in_cluster_access(sandbox, self.tmp))
            async with run_server(config) as server:
                self.running = server
                self.url = server.url
                self.admin_password = server.admin_password or ""
                self._ready.set()
                await self._stop.wait()
