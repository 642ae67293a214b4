"""A loopback stand-in for notification services' APIs: an HTTP server on 127.0.0.1 that
records every request and answers each path with the JSON a test gave (``{"ok": true}``
otherwise, as Slack and Telegram answer)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]


@contextlib.contextmanager
def service_api(
    answers: Mapping[str, tuple[int, Any]] | None = None,
) -> Iterator[tuple[str, list[Request]]]:
    """(base URL, the requests it got); ``answers`` maps a path (without query), or a method
    and a path (``"GET /x"``), to (status, JSON)."""
    seen: list[Request] = []
    given = dict(answers or {})

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            body = json.loads(raw) if raw else None
            seen.append(Request(self.command, self.path, dict(self.headers.items()), body))
            route = self.path.split("?", 1)[0]
            found = given.get(f"{self.command} {route}") or given.get(route)
            status, answer = found or (200, {"ok": True})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET = do_PUT = do_PATCH = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
