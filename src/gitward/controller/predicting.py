"""Server-side diff (Argo CD's ``ServerSideDiff=true``): live as the API server predicts it.

For each desired object that exists live, a dry-run server-side apply (field manager
``gitward``, ``force``, exactly as a sync applies it) returns the object the server would store:
its defaults, its admission webhooks' changes and the removal of fields gitward owns and Git
dropped are all in it, so none of them can be mistaken for drift. The diff engine then compares
that answer with live (:func:`gitward.diff.compare_app` with ``predicted``).

It is on for an app whose ``argocd.argoproj.io/compare-options`` annotation says
``ServerSideDiff=true``, or for every app when the controller's ``server_side_diff`` setting is
on (an app's ``ServerSideDiff=false`` then opts out). It costs one API request per resource and
refresh, so answers are cached per app and resource, keyed by the applied object and live's
resourceVersion: a refresh where neither side changed asks nothing of the API server, a change
on either side asks again, and a hard refresh always asks. A dry run the server rejects (an
invalid object, a webhook's denial, a missing permission) is a ComparisonError naming the
resource; an unreachable cluster is a passing error (the app keeps its last known state).
It must not write to the cluster: every request it makes is a dry run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gitward.diff.masking import secret_values
from gitward.errors import ConfigError, GitwardError, Location, TransientError
from gitward.kube import Cluster
from gitward.model import annotations as argocd
from gitward.model.application import Application
from gitward.model.objects import Manifest, ResourceKey, content_digest
from gitward.redaction import redact
from gitward.settings import ControllerSettings

__all__ = ["SERVER_SIDE_DIFF", "DryRuns", "server_side_diff"]

SERVER_SIDE_DIFF = "ServerSideDiff"
_AT_ONCE = 8


def server_side_diff(app: Application, settings: ControllerSettings) -> bool:
    """Whether ``app`` is compared with server-side dry runs: its compare-options annotation
    decides (``ServerSideDiff=true`` / ``=false``), else the controller's setting."""
    options = str(app.annotations.get(argocd.COMPARE_OPTIONS, ""))
    for option in (item.strip() for item in options.split(",")):
        name, _, value = option.partition("=")
        if name.strip() == SERVER_SIDE_DIFF:
            return value.strip().lower() == "true"
    return settings.server_side_diff


@dataclass(frozen=True, slots=True)
class _Answer:
    """The server's dry-run answer for one applied object against one live version."""

    applied: str
    version: str
    predicted: Manifest


class DryRuns:
    """Dry-run answers per app and resource, kept while neither side changes."""

    def __init__(self) -> None:
        self._answers: dict[str, dict[ResourceKey, _Answer]] = {}
        self.requests = 0
        """Dry-run requests sent so far (a figure for benchmarks and tests)."""

    async def predict(
        self,
        cluster: Cluster,
        app: str,
        targets: Sequence[Manifest],
        live: Mapping[ResourceKey, Manifest],
        *,
        fresh: bool = False,
    ) -> dict[ResourceKey, Manifest]:
        """The server's prediction for every target that exists live (hooks left out), by key;
        ``fresh`` asks again even where nothing changed (a hard refresh)."""
        known = {} if fresh else self._answers.get(app, {})
        limit = asyncio.Semaphore(_AT_ONCE)
        keyed = [
            (ResourceKey.of(t), t) for t in targets if ResourceKey.of(t) in live and not _is_hook(t)
        ]

        async def one(key: ResourceKey, target: Manifest) -> tuple[ResourceKey, _Answer]:
            applied, version = content_digest(target), _version(live[key])
            cached = known.get(key)
            if cached is not None and (cached.applied, cached.version) == (applied, version):
                return key, cached
            async with limit:
                predicted = await self._dry_run(cluster, key, target)
            return key, _Answer(applied, version, predicted)

        answers = dict(await asyncio.gather(*(one(key, target) for key, target in keyed)))
        self._answers[app] = answers
        return {key: answer.predicted for key, answer in answers.items()}

    def forget(self, app: str) -> None:
        """Drop what is kept for ``app`` (it was deleted)."""
        self._answers.pop(app, None)

    async def _dry_run(self, cluster: Cluster, key: ResourceKey, target: Manifest) -> Manifest:
        self.requests += 1
        try:
            answer = await cluster.apply(target, force=True, dry_run=True)
        except TransientError:
            raise
        except GitwardError as err:
            raise ConfigError(
                "the server-side diff's dry-run apply was refused: "
                f"{redact(err.problem, *secret_values([target]))}",
                where=Location(obj=str(key)),
                hint="Fix the object in Git (a sync would be refused the same way), or turn "
                "server-side diff off for the app with compare-options ServerSideDiff=false",
            ) from err
        return _kept(answer)


def _is_hook(obj: Manifest) -> bool:
    """Hooks run during a sync and are never compared (a hook Job left from the last sync would
    refuse a dry run: its spec is immutable)."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return isinstance(annotations, dict) and (
        argocd.HOOK in annotations or argocd.HELM_HOOK in annotations
    )


def _version(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _kept(answer: Manifest) -> Manifest:
    """The answer without its managed fields: the comparison never reads them, and they are
    most of its size."""
    metadata = answer.get("metadata")
    if not isinstance(metadata, dict) or "managedFields" not in metadata:
        return answer
    slim = {k: v for k, v in metadata.items() if k != "managedFields"}
    return {**answer, "metadata": slim}
