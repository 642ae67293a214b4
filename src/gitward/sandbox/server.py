"""A running sandbox: the cluster state, the ASGI app, uvicorn on 127.0.0.1, the controllers.

Start it as an asyncio task in the caller's loop (``async with Sandbox.start(options) as sb``)
or on a thread of its own (``with Sandbox.start(options) as sb``), the latter for callers that
block, such as tests that run kubectl. Everything the cluster does happens on the server's one
event loop; the Python API here (faults, request log, kubeconfig) is safe from other threads.
This module must not implement API semantics.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Generator
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import uvicorn
import yaml

from gitward.sandbox import app as app_module
from gitward.sandbox import persistence
from gitward.sandbox.controllers.all import build_reconcilers
from gitward.sandbox.controllers.manager import ControllerManager
from gitward.sandbox.faults import Faults
from gitward.sandbox.kinds import Registry, types_from_crd
from gitward.sandbox.options import SandboxOptions
from gitward.sandbox.requestlog import RequestLog, RequestRecord
from gitward.sandbox.store import Store
from gitward.sandbox.verbs import CRDS, Cluster, WriteOptions
from gitward.sandbox.watch import WatchHub

__all__ = ["Sandbox"]

_BOOT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_SYSTEM = WriteOptions(field_manager="sandbox")
_START_TIMEOUT = 10.0
_DUMMY_TOKEN = "sandbox-token"  # noqa: S105 - any token is accepted; this one opens nothing


class _Server(uvicorn.Server):
    """uvicorn that leaves signal handlers alone unless it owns the process (``serve``)."""

    def __init__(
        self, config: uvicorn.Config, own_signals: bool, on_exit: Callable[[], None]
    ) -> None:
        super().__init__(config)
        self._own_signals = own_signals
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._on_exit()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if self._own_signals:
            with super().capture_signals():
                yield
        else:
            yield


def _bind(host: str, port: int) -> socket.socket:
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets that say
    # so, and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Sandbox:
    """One in-process Kubernetes API server with simulated controllers."""

    def __init__(self, options: SandboxOptions | None = None, own_signals: bool = False) -> None:
        self.options = options or SandboxOptions()
        self.faults = Faults(self.options.seed, self.options.missing_images)
        self.requests = RequestLog(self.options.request_log_size)
        self._store = Store(self.options.watch_history)
        self._cluster = Cluster(self._store, Registry())
        self._hub = WatchHub(self._store, self.options.bookmark_interval)
        self._own_signals = own_signals
        self._server: _Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._thread_error: BaseException | None = None
        self._listening = True
        self._load_state()
        self._bootstrap()
        self._sock = _bind(self.options.host, self.options.port)
        self.port: int = self._sock.getsockname()[1]

    @classmethod
    def start(cls, options: SandboxOptions | None = None) -> Sandbox:
        """A sandbox to enter: ``async with`` runs it in this loop, ``with`` on a thread."""
        return cls(options)

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.port}"

    # -- state ---------------------------------------------------------------------------

    def _load_state(self) -> None:
        if self.options.state_file is None:
            return
        state = persistence.load_state(self.options.state_file)
        if state is None:
            return
        self._store.load(state)
        for crd in self._store.scan(CRDS):
            name = str(crd["metadata"]["name"])
            self._cluster.registry.set_crd(name, types_from_crd(crd))

    def _bootstrap(self) -> None:
        namespaces = self._cluster.registry.by_kind("v1", "Namespace")
        nodes = self._cluster.registry.by_kind("v1", "Node")
        assert namespaces is not None and nodes is not None
        for name in _BOOT_NAMESPACES:
            if self._store.peek(namespaces.group_resource, "", name) is None:
                self._cluster.create(namespaces, "", {"metadata": {"name": name}}, _SYSTEM)
        for index in range(self.options.node_count):
            name = f"sandbox-node-{index}"
            if self._store.peek(nodes.group_resource, "", name) is None:
                node = self._cluster.create(nodes, "", {"metadata": {"name": name}}, _SYSTEM)
                node["status"] = _node_status()
                self._cluster.update(nodes, "", name, node, _SYSTEM, subresource="status")

    # -- the app and its lifespan --------------------------------------------------------

    def _app_parts(self) -> app_module.AppParts:
        return app_module.AppParts(
            cluster=self._cluster,
            hub=self._hub,
            faults=self.faults,
            requests=self.requests,
            require_token=self.options.require_token,
            lifespan=self._lifespan,
        )

    @contextlib.asynccontextmanager
    async def _lifespan(self) -> AsyncIterator[None]:
        self._loop = asyncio.get_running_loop()
        self.faults.bind(self._threadsafe(self._hub.drop_all), self._threadsafe(self._listen))
        manager = ControllerManager(
            self._store, build_reconcilers(self._cluster, self.faults, self.options)
        )
        if self.options.controllers:
            manager.start()
            self.faults.on_images_changed(
                self._threadsafe(lambda: manager.requeue("pods", self._pod_keys()))
            )
        saver = None
        if self.options.state_file is not None:
            saver = persistence.StateSaver(
                self.options.state_file, self._store, self.options.save_debounce
            )
            saver.start()
        try:
            yield
        finally:
            await manager.stop()
            if saver is not None:
                saver.stop()

    def _pod_keys(self) -> list[tuple[str, str]]:
        return [
            (str(p["metadata"].get("namespace", "")), str(p["metadata"]["name"]))
            for p in self._store.scan(("", "pods"))
        ]

    def _threadsafe(self, action: Callable[..., Any]) -> Callable[..., None]:
        def call(*args: Any) -> None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(action, *args)

        return call

    def _listen(self, on: bool) -> None:
        """Stop or resume accepting connections (runs on the server's loop)."""
        server = self._server
        if server is None or on == self._listening:
            return
        self._listening = on
        if not on:
            for listener in server.servers:
                listener.close()
            server.servers = []
            self._hub.drop_all()
            for connection in list(server.server_state.connections):
                connection.shutdown()
            return
        asyncio.get_running_loop().create_task(self._relisten(server))

    async def _relisten(self, server: _Server) -> None:
        loop = asyncio.get_running_loop()
        config = server.config

        def protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=server.server_state,
                app_state=server.lifespan.state,
                _loop=loop,
            )

        sock = _bind(self.options.host, self.port)
        server.servers.append(await loop.create_server(protocol, sock=sock))

    # -- running -------------------------------------------------------------------------

    def _make_server(self) -> _Server:
        config = uvicorn.Config(
            app_module.build_app(self._app_parts()),
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        return _Server(config, self._own_signals, self._threadsafe(self._hub.drop_all))

    async def serve(self) -> None:
        """Serve until :meth:`request_stop` (or a signal when the sandbox owns them)."""
        self._server = self._make_server()
        await self._server.serve(sockets=[self._sock])

    def request_stop(self) -> None:
        """Ask the server to finish (thread-safe)."""

        def stop() -> None:
            self._hub.drop_all()
            if self._server is not None:
                self._server.should_exit = True

        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(stop)

    async def _wait_started(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while not (self._server and self._server.started):
            if self._task is not None and self._task.done():
                self._task.result()
            if time.monotonic() > deadline:
                raise TimeoutError("the sandbox did not start within 10 s")
            await asyncio.sleep(0.005)

    async def __aenter__(self) -> Sandbox:
        self._task = asyncio.get_running_loop().create_task(self.serve())
        await self._wait_started()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.request_stop()
        if self._task is not None:
            await self._task

    def __enter__(self) -> Sandbox:
        started = threading.Event()

        async def main() -> None:
            self._task = asyncio.get_running_loop().create_task(self.serve())
            try:
                await self._wait_started()
            except BaseException as err:  # reported to the starting thread
                self._thread_error = err
                raise
            finally:
                started.set()
            await self._task

        def run() -> None:
            with contextlib.suppress(BaseException):
                asyncio.run(main())
            started.set()

        self._thread = threading.Thread(target=run, name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        started.wait(_START_TIMEOUT + 1)
        if self._thread_error is not None:
            raise self._thread_error
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(_START_TIMEOUT)

    # -- conveniences ----------------------------------------------------------------------

    def request_log(self) -> list[RequestRecord]:
        """Every request served so far (bounded), oldest first."""
        return self.requests.records()

    def kubeconfig(self, token: str = "", namespace: str = "default") -> dict[str, Any]:
        """A kubeconfig for this sandbox (context ``sandbox``, a dummy bearer token)."""
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sandbox", "cluster": {"server": self.url}}],
            "users": [{"name": "sandbox", "user": {"token": token or _DUMMY_TOKEN}}],
            "contexts": [
                {
                    "name": "sandbox",
                    "context": {"cluster": "sandbox", "user": "sandbox", "namespace": namespace},
                }
            ],
            "current-context": "sandbox",
            "preferences": {},
        }

    def write_kubeconfig(self, path: Path | str, token: str = "") -> Path:
        """Write :meth:`kubeconfig` to ``path`` and return it."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(self.kubeconfig(token), sort_keys=False), "utf-8")
        return target


def _node_status() -> dict[str, Any]:
    return {
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
            }
        ],
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
        "allocatable": {"cpu": "2", "memory": "8Gi", "pods": "110"},
        "nodeInfo": {"kubeletVersion": "v1.35.0-gitward-sandbox", "architecture": "amd64"},
    }
