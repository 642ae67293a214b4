"""Builders for charts and a chart repository served over HTTP on the loopback address.

Charts are written as files, packaged and indexed with the Helm SDK (``helm_python``), and
served by a real HTTP server in a thread of the test process that records every request it
answers (path and whether it carried an Authorization header) and can demand basic auth.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import helm_python as helm

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
  labels:
    chart: {{ .Chart.Name }}-{{ .Chart.Version }}
data:
  greeting: {{ .Values.greeting | quote }}
  namespace: {{ .Release.Namespace }}
"""


def write_chart(
    where: Path,
    name: str,
    version: str,
    *,
    greeting: str = "hello",
    extra: Mapping[str, str] | None = None,
    chart_yaml: str = "",
) -> Path:
    """A chart directory ``where/name`` with one ConfigMap template."""
    chart = where / name
    files = {
        "Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n{chart_yaml}",
        "values.yaml": f"greeting: {greeting}\n",
        "templates/configmap.yaml": CONFIGMAP,
        **(extra or {}),
    }
    for relative, text in files.items():
        (chart / relative).parent.mkdir(parents=True, exist_ok=True)
        (chart / relative).write_text(text)
    return chart


def package(chart: Path, destination: Path) -> Path:
    """The chart's archive, packaged by the Helm SDK into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    return Path(helm.package(chart, destination=destination))


def index(directory: Path, base_url: str | None = None) -> dict[str, Any]:
    """``helm repo index`` of ``directory`` through the SDK."""
    return helm.repo_index_generate(directory, base_url=base_url)


@dataclass
class Served:
    """What a chart repository server answered."""

    url: str
    requests: list[tuple[str, bool]] = field(default_factory=list)
    """``(path, had an Authorization header)`` per request, in order."""

    def fetched(self, suffix: str) -> int:
        return sum(1 for path, _ in self.requests if path.endswith(suffix))


class _Handler(SimpleHTTPRequestHandler):
    served: Served
    credentials: str | None

    def do_GET(self) -> None:
        authorization = self.headers.get("Authorization")
        self.served.requests.append((self.path, authorization is not None))
        if self.credentials is not None and authorization != self.credentials:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="charts"')
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve(directory: Path, *, username: str = "", password: str = "") -> Iterator[Served]:
    """Serve ``directory`` on ``http://127.0.0.1:<free port>`` until the block ends."""
    served = Served(url="")
    credentials = None
    if username:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        credentials = f"Basic {token}"
    handler = type("Handler", (_Handler,), {"served": served, "credentials": credentials})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(directory)))
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
