"""Real git repositories in temporary directories, and a real HTTP git server in front of them."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gitward.git import GitResult, Repositories, run_git
from support.repos import identity

_IDENTITY = identity("Test Author", "author@example.invalid")


async def failing_read_tree(
    args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]
) -> GitResult:
    """A git runner whose ``read-tree`` fails as a full disk would; everything else is real."""
    if "read-tree" in args:
        return GitResult(returncode=128, stdout="", stderr="fatal: disk full")
    return await run_git(args, cwd=cwd, env=env)


def run_git_command(cwd: Path, *args: str) -> str:
    """Run git for test setup and return its stdout."""
    env = {**os.environ, **_IDENTITY, "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


class Upstream:
    """A repository that plays the remote: commit, branch, tag, rewrite history."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        run_git_command(path, "init", "--quiet", "-b", "main")

    @property
    def url(self) -> str:
        return str(self.path)

    def commit(self, files: Mapping[str, str], message: str = "change") -> str:
        """Write ``files`` (path -> text), commit them, return the new commit's SHA."""
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        run_git_command(self.path, "add", "--all")
        run_git_command(self.path, "commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return run_git_command(self.path, "rev-parse", "HEAD")

    def switch(self, branch: str, *, create: bool = False) -> None:
        run_git_command(self.path, "switch", "--quiet", *(["-c"] if create else []), branch)

    def clone(self, destination: Path) -> Path:
        """A work tree cloned from this repository (its ``origin`` is this repository)."""
        run_git_command(
            self.path.parent, "clone", "--quiet", "--", str(self.path), str(destination)
        )
        return destination

    def delete_branch(self, branch: str) -> None:
        run_git_command(self.path, "branch", "--quiet", "-D", branch)

    def symlink(self, name: str, target: str) -> None:
        """Create a symlink at ``name`` pointing to ``target`` (committed by the next commit)."""
        link = self.path / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)

    def tag(self, name: str, *, annotated: bool = False, force: bool = False) -> None:
        options = [*(["-a", "-m", name] if annotated else []), *(["-f"] if force else [])]
        run_git_command(self.path, "tag", *options, name)

    def rewrite_last_commit(self, files: Mapping[str, str]) -> str:
        """Drop the branch's last commit and commit something else (a force-push)."""
        run_git_command(self.path, "reset", "--quiet", "--hard", "HEAD~1")
        return self.commit(files, "rewritten")


GitCommand = Callable[..., str]


@pytest.fixture
def git() -> GitCommand:
    """``git(cwd, *args)``: run git for test setup, return its stdout."""
    return run_git_command


@pytest.fixture
def upstream(tmp_path: Path) -> Upstream:
    """A remote with one commit on main holding ``app/values.yaml``."""
    repo = Upstream(tmp_path / "upstream")
    repo.commit({"app/values.yaml": "replicas: 1\n"}, "first")
    return repo


@pytest.fixture
def repositories(tmp_path: Path) -> Repositories:
    return Repositories(tmp_path / "cache", timeout=30)


class _GitHttpHandler(BaseHTTPRequestHandler):
    """Serves repositories through ``git http-backend`` behind HTTP basic auth."""

    server: _GitHttpServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        self.server.requests.append(self.path)

    def _serve(self) -> None:
        if self.headers.get("Authorization") != self.server.expected_authorization:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        env = {
            **os.environ,
            "GIT_PROJECT_ROOT": str(self.server.project_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "REMOTE_USER": "bot",
        }
        done = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        )
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        headers = [line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line]
        status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
        self.send_response(status)
        for key, value in headers:
            if key.lower() != "status":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _GitHttpServer(ThreadingHTTPServer):
    def __init__(self, project_root: Path, username: str, password: str) -> None:
        super().__init__(("127.0.0.1", 0), _GitHttpHandler)
        self.project_root = project_root
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.expected_authorization = f"Basic {token}"
        self.requests: list[str] = []


class GitHttp:
    """An HTTP git server on 127.0.0.1 that wants user ``bot`` with password ``tok3n-value``."""

    username = "bot"
    password = "tok3n-value"

    def __init__(self, server: _GitHttpServer) -> None:
        self._server = server

    def url(self, name: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{name}"

    @property
    def requests(self) -> list[str]:
        return self._server.requests


@pytest.fixture
def git_http(upstream: Upstream) -> Iterator[GitHttp]:
    """The ``upstream`` repository served over HTTP as ``upstream``, behind basic auth."""
    server = _GitHttpServer(upstream.path.parent, GitHttp.username, GitHttp.password)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield GitHttp(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
