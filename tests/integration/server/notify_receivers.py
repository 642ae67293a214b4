"""Loopback receivers for notification tests: an HTTP server that records every request, and
an SMTP server (aiosmtpd) that records every message. Both listen on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import contextlib
import email
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Recorded:
    """What a receiver got, safe to read from the test's thread."""

    items: list[Any] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, item: Any) -> None:
        with self.changed:
            self.items.append(item)
            self.changed.notify_all()

    def snapshot(self) -> list[Any]:
        with self.changed:
            return list(self.items)

    def wait_for(self, holds: Callable[[list[Any]], bool], within: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: holds(self.items), within)


@contextlib.contextmanager
def webhook_receiver(answers: dict[str, Any] | None = None) -> Iterator[tuple[str, Recorded]]:
    """Records every request; answers a path of ``answers`` with its JSON, others with Slack's
    ``{"ok": true}``."""
    recorded = Recorded()
    given = dict(answers or {})

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            recorded.add(Call(self.command, self.path, dict(self.headers.items()), body))
            found = given.get(self.path.split("?", 1)[0], {"ok": True})
            answer = json.dumps(found).encode()  # Slack's answer by default; webhooks ignore it
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_POST = do_GET = do_PUT = _record  # noqa: N815

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorded
    finally:
        server.shutdown()
        server.server_close()


class _Mailbox:
    def __init__(self, recorded: Recorded) -> None:
        self.recorded = recorded

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        self.recorded.add((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def smtp_receiver() -> Iterator[tuple[int, Recorded]]:
    recorded = Recorded()
    port = _free_port()
    controller = Controller(_Mailbox(recorded), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, recorded
    finally:
        controller.stop()


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(payload)


async def until(
    recorded: Recorded, holds: Callable[[list[Any]], bool], what: str, within: float = 60.0
) -> None:
    """Return once ``holds(items)``; fail naming ``what`` after ``within`` seconds."""
    if not await asyncio.to_thread(recorded.wait_for, holds, within):
        raise AssertionError(f"never happened within {within}s: {what}")
