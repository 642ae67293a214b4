"""The commit message of a write-back: a conventional subject, the keys in the body, trailers.

Example::

    ci(values): set backend.image.tag=abc123 in gitops/dev/values.yaml

    Gitward-Values: gitops/dev/values.yaml backend.image.tag=abc123
    Gitward-CI-Run: https://github.com/org/app/actions/runs/42

One ``Gitward-Values`` trailer per key (``git interpret-trailers --parse`` and ``git log
--format=%(trailers)`` read them); ``Gitward-CI-Run`` names the CI run when one is known, from
``--ci-run`` or GitHub Actions' environment. It builds text only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gitward.delivery.editing import SetValue

__all__ = ["SUBJECT_LIMIT", "ci_run_url", "commit_message"]

SUBJECT_LIMIT = 72


def commit_message(
    path: str,
    changed: Sequence[SetValue],
    *,
    subject: str | None = None,
    ci_run: str | None = None,
    trailers: Sequence[tuple[str, str]] = (),
) -> str:
    """The whole message: ``subject`` (or the conventional one), a blank line, the trailers
    (``trailers``, such as a promotion's source, come after the values)."""
    pairs = [f"{item.key}={item.new}" for item in changed]
    if subject is None:
        subject = f"ci(values): set {', '.join(pairs)} in {path}"
        if len(subject) > SUBJECT_LIMIT and len(pairs) > 1:
            subject = f"ci(values): set {len(pairs)} keys in {path}"
    lines = [f"Gitward-Values: {path} {pair}" for pair in pairs]
    if ci_run:
        lines.append(f"Gitward-CI-Run: {ci_run}")
    lines.extend(f"{name}: {value}" for name, value in trailers)
    return f"{subject.strip()}\n\n" + "\n".join(lines) + "\n"


def ci_run_url(given: str | None, environ: Mapping[str, str]) -> str | None:
    """``given``, else the GitHub Actions run this process belongs to, else None."""
    if given:
        return given
    parts = [environ.get(name, "") for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY")]
    run_id = environ.get("GITHUB_RUN_ID", "")
    if all(parts) and run_id:
        return f"{parts[0].rstrip('/')}/{parts[1]}/actions/runs/{run_id}"
    return None
