"""The strategy document's example (examples/ai-chatbot-infra) as the worlds serve it: a fresh
git repository of its files (or a plain copy to break) under the repoURL its Applications name,
and the names of its apps."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.repos import commit_all, init_repository

EXAMPLE = Path(__file__).parents[2] / "examples" / "ai-chatbot-infra"
REPO_URL = "https://github.com/giridharan-official/ai-chatbot-infra.git"
CHARTS_URL = "https://charts.bitnami.com/bitnami"
"""The chart repository the example's apps name; its charts are in ``charts-repo/``."""
ROOT_APP = "gitops/app-of-apps/argocd-root-app.yaml"
"""The root app, bootstrapped by hand as the document says."""
NAMESPACES = "gitops/bootstrap/namespace.yaml"
"""The namespaces, applied by hand before the root app (as the document says)."""
ROOT, DEV, STAGING, PROD = (
    "ai-chatbot-root",
    "ai-chatbot-dev",
    "ai-chatbot-staging",
    "ai-chatbot-prod",
)


def example_copy(where: Path) -> Path:
    """The example's files copied to ``where/ai-chatbot-infra`` (no git), safe to break."""
    copy = where / "ai-chatbot-infra"
    shutil.copytree(EXAMPLE, copy)
    return copy


def example_repository(where: Path, message: str = "initial") -> Path:
    """The example copied into a fresh repository ``where/ai-chatbot-infra``, one commit."""
    repo = example_copy(where)
    init_repository(repo)
    commit_all(repo, message)
    return repo
