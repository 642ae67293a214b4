"""The world the browser tests drive: the strategy document's repository (the example, in a real
git repository), a sandbox cluster, and a gitward server with the example's RBAC and root app,
all on an event loop of their own thread (``support.serving``), as ``gitward demo`` runs them.

The tests reach it only as a person would: Chromium over HTTP. ``session_for`` mints a single
sign-on session (as the OIDC login would) so a test can be a user of a group of the example's
policy without an identity provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from gitward.cli.demo import EXAMPLE_CHARTS_DIR, EXAMPLE_CHARTS_URL
from gitward.kube import ClusterAccess
from gitward.server.running import ServerConfig
from support.cluster import apply_file
from support.example import NAMESPACES, REPO_URL, ROOT_APP, example_repository
from support.pace import QUICK_CONTROLLER
from support.repos import git
from support.serving import ServerThread

DEVELOPERS_ONLY = "app-developers"
"""A group the tests map to the document's ``developers`` role alone (its own groups map
``devops-team`` to both developers and release managers)."""
FAST = replace(QUICK_CONTROLLER, jitter_s=0.1)


class UiWorld:
    """The example's repository and its running server."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.repo = example_repository(tmp, "ai-chatbot-infra, as in the strategy document")
        self.server = ServerThread(tmp, self._configure)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def admin_password(self) -> str:
        return self.server.admin_password

    def start(self) -> UiWorld:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def session_for(self, name: str, *groups: str) -> tuple[str, str]:
        """(cookie name, token) of a single sign-on session for ``name`` in ``groups``."""
        assert self.server.running is not None
        services = self.server.running.services
        token = services.authenticator.sso_session(name, tuple(groups)).token
        return services.cookies.name, token

    def commit(self, path: str, change: Callable[[str], str], message: str) -> str:
        file = self.repo / path
        file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")
        git(self.repo, "commit", "-q", "-am", message)
        return git(self.repo, "rev-parse", "HEAD")

    def _rbac_file(self) -> Path:
        """The example's argocd-rbac-cm, plus a group mapped to ``developers`` alone."""
        document = yaml.safe_load((self.repo / "argocd-rbac-cm.yaml").read_text(encoding="utf-8"))
        document["data"]["policy.csv"] += f"g, {DEVELOPERS_ONLY}, developers\n"
        written = self.tmp / "argocd-rbac-cm.yaml"
        written.write_text(yaml.safe_dump(document), encoding="utf-8")
        return written

    async def _configure(self, access: ClusterAccess) -> ServerConfig:
        await apply_file(access, self.repo / NAMESPACES)
        return ServerConfig(
            data_dir=self.tmp / "server",
            rbac_file=self._rbac_file(),
            controller=FAST,
            clusters=(access,),
            local_repos={REPO_URL: self.repo},
            helm_repos={EXAMPLE_CHARTS_URL: self.repo / EXAMPLE_CHARTS_DIR},
            bootstrap=self.repo / ROOT_APP,
        )
