"""The demo's notification receiver: a webhook on 127.0.0.1 that appends what it gets to a file.

``gitward demo`` loads the example's ``argocd-notifications-cm.yaml`` unchanged; its webhook
service's URL is ``$demo-log-url`` from an ``argocd-notifications-secret`` the demo writes under
its data directory, pointing here. Every request becomes one JSON line in
``<data-dir>/notifications.log``: ``trigger`` and ``app`` (from the JSON body the example's
templates send), ``service`` (``demo-log``) and ``body`` (the body as received).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

__all__ = ["LOG_FILE", "SERVICE", "notification_files", "receiver"]

LOG_FILE = "notifications.log"
SERVICE = "demo-log"
CONFIG_MAP = "argocd-notifications-cm.yaml"
_MAX_BODY = 64 * 1024


@contextlib.contextmanager
def receiver(log: Path) -> Iterator[str]:
    """Serve on a free port of 127.0.0.1 until the block ends; yields the URL."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), _MAX_BODY)
            body = self.rfile.read(length).decode("utf-8", "replace")
            with lock, log.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(_line(body)) + "\n")
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-notifications", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _line(body: str) -> dict[str, Any]:
    try:
        sent = json.loads(body)
    except ValueError:
        sent = {}
    sent = sent if isinstance(sent, dict) else {}
    return {
        "trigger": sent.get("trigger", ""),
        "app": sent.get("app", ""),
        "service": SERVICE,
        "body": body,
    }


def notification_files(repo: Path, place: Path, url: str) -> tuple[Path, Path] | None:
    """The example's ConfigMap and a Secret (written under ``place``) naming the receiver's URL;
    None when the example has no ConfigMap."""
    config_map = repo / CONFIG_MAP
    if not config_map.is_file():
        return None
    secret = place / "argocd-notifications-secret.yaml"
    document = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "argocd-notifications-secret"},
        "stringData": {"demo-log-url": url},
    }
    secret.write_text(yaml.safe_dump(document), encoding="utf-8")
    return config_map, secret
