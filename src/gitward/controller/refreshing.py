"""A refresh: where one app stands against Git, as a list of small steps.

Read the Application and check it against its project (InvalidSpecError); resolve each source's
revision, check it out and render it (ComparisonError); pick out the Applications and AppProjects
it declares (an app-of-apps: they are the parent's resources, kept in the store, never sent to
the cluster); read the live objects from the destination's live cache (bounded waits: until it
is warm, and until it has heard of what the app's sync just wrote) and, for
child apps and projects, from the store; compare, judge health, and note shared and orphaned
resources (warnings); then decide whether the app syncs by itself (SyncError when it should but
may not, SyncWindowBlocked while a sync window of its project holds it). Each step sets only its
own conditions.

Errors decide what happens: a configuration error leaves the app Unknown until the input changes;
a passing one (git or the cluster unreachable) keeps the app's last known state with a condition
saying why, decides nothing (so nothing is synced or pruned), and asks for a retry with backoff.
It must not start operations or write the status: it returns what it found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gitward.appsets.status import recorded
from gitward.controller import conditions as kinds
from gitward.controller.appofapps import (
    argo_object_problem,
    control_plane_problem,
    declared_by,
    is_argo_object,
    namespace_problem,
)
from gitward.controller.appsport import children_live
from gitward.controller.caches import LiveCaches
from gitward.controller.comparing import Compared, as_applied, orphans
from gitward.controller.comparisons import Comparisons
from gitward.controller.conditions import Conditions
from gitward.controller.deciding import (
    OPEN,
    Comparison,
    Decision,
    Gate,
    Idle,
    LastSync,
    SelfHealBackoff,
    Wait,
    decide,
)
from gitward.controller.desired import Desired, GitSide
from gitward.controller.gating import wave_gate
from gitward.controller.guarding import POLICY_ERROR, POLICY_WARNING, Guard, Verdict
from gitward.controller.overrides import OverridesHolder
from gitward.controller.predicting import DryRuns, server_side_diff
from gitward.controller.reads import StoreReads
from gitward.controller.requests import OperationRequest, fingerprint
from gitward.controller.unexpected import UnexpectedErrors
from gitward.controller.windows import automated_gate
from gitward.controller.written import Written
from gitward.diff import ResourceStatus, SyncStatus
from gitward.errors import ConfigError, GitwardError, Location, TransientError
from gitward.kube import LiveCache, Tracking
from gitward.model.application import Application, parse_application
from gitward.model.kinds import is_namespaced
from gitward.model.objects import Manifest, ResourceKey
from gitward.model.project import AppProject, default_project
from gitward.settings import ControllerSettings
from gitward.store import AppRecord, AppStatus, OperationRecord
from gitward.sync import live_from_cache

__all__ = ["APPLICATION_SETS", "Refreshed", "Refresher", "last_sync"]

_ANCESTRY_LIMIT = 16
APPLICATION_SETS = "applicationSets"
"""Where a parent's status keeps the ApplicationSets its manifests hold (the API shows them)."""
_RETRIES = "gitward retries with backoff"


@dataclass(frozen=True)
class Refreshed:
    """What a refresh found: the status to store and what to do about it.

    ``transient``: the app could not be reconciled for a passing reason; its last known state
    was kept and the refresh should be retried with backoff.
    """

    status: AppStatus
    decision: Decision
    app: Application | None = None
    revisions: tuple[str, ...] = ()
    source: str = ""
    transient: bool = False
    compared: Compared | None = None


class Refresher:
    """Refreshes apps; one instance serves the whole controller."""

    def __init__(
        self,
        reads: StoreReads,
        git: GitSide,
        caches: LiveCaches,
        *,
        settings: ControllerSettings,
        clock: Callable[[], datetime],
        tracking: Tracking,
        written: Written | None = None,
        overrides: OverridesHolder | None = None,
        guard: Guard | None = None,
    ) -> None:
        self.reads = reads
        self.written = written
        self.guard = guard or Guard(reads, settings.policies_dir)
        self.git = git
        self.caches = caches
        self.settings = settings
        self.clock = clock
        self.tracking = tracking
        self.overrides = overrides or OverridesHolder()
        self.dry_runs = DryRuns()
        self.comparisons = Comparisons()
        self.unexpected = UnexpectedErrors()

    async def predicted(
        self,
        app: Application,
        cache: LiveCache,
        desired: Sequence[Manifest],
        live: Sequence[Manifest],
        *,
        fresh: bool,
    ) -> dict[ResourceKey, Manifest] | None:
        """The server's dry-run predictions when ``app`` uses server-side diff, else None."""
        if not server_side_diff(app, self.settings):
            self.dry_runs.forget(app.name)
            return None
        targets = [
            obj for obj in as_applied(app, desired, self.tracking) if not is_argo_object(obj)
        ]
        present = {ResourceKey.of(obj): obj for obj in live}
        return await self.dry_runs.predict(cache.cluster, app.name, targets, present, fresh=fresh)

    async def refresh(self, record: AppRecord, *, hard: bool = False) -> Refreshed:
        """Where ``record`` stands now (see the module docstring)."""
        return await _Run(self, record, hard).run()


class _Run:
    """One refresh of one app."""

    def __init__(self, refresher: Refresher, record: AppRecord, hard: bool) -> None:
        self.r = refresher
        self.record = record
        self.hard = hard
        self.now = refresher.clock()
        self.conditions = Conditions(record.status.conditions, self.now)
        self.stage = kinds.INVALID_SPEC_ERROR
        self.problems: list[str] = []
        self.spec_warnings: list[str] = []
        self.verdict = Verdict()

    async def run(self) -> Refreshed:
        try:
            app = self._parse()
            project = await self._project(app)
            self.stage = kinds.COMPARISON_ERROR
            revisions = await self.r.git.resolve(app, hard=self.hard)
            desired = await self.r.git.render(app, revisions)
            self._spec_warnings(desired.warnings)
            await self._children(app, desired)
            self._permitted(app, project, desired.objects)
            self.stage = kinds.INVALID_SPEC_ERROR
            _, cache = self.r.caches.of(app.destination, app=app.name)
            self.stage = kinds.COMPARISON_ERROR
            overrides = self.r.overrides.current
            split = overrides.split_excluded(desired.objects, cache.server)
            live = await self._live(app, cache, split.kept)
            target = overrides.for_app(app, split.kept)
            predicted = await self.r.predicted(target, cache, split.kept, live, fresh=self.hard)
            compared = self.r.comparisons.compare(
                self.record.document,
                target,
                split.kept,
                live,
                self.r.tracking,
                overrides=overrides,
                customizations=overrides.health,
                predicted=predicted,
                fresh=self.hard,
            )
            self.verdict = await self.r.guard.verdict(app, project, split.kept, live)
        except TransientError as err:
            return self._keep_last(err)
        except GitwardError as err:
            return self._unknown(err)
        except Exception as err:  # a bug: shown on the app, logged once with its traceback
            return self._unknown(self.r.unexpected.error_of(self.record.name, err))
        if split.excluded:
            self.conditions.set(kinds.EXCLUDED_RESOURCE_WARNING, split.warning())
        self._warn(app, project, cache, compared, desired.objects)
        return await self._decided(app, project, desired, compared)

    # -- the steps ---------------------------------------------------------------------------

    def _parse(self) -> Application:
        document = dict(self.record.document)
        parsed = parse_application(document, file=self.record.file)
        self._spec_warnings(parsed.warnings)
        return parsed.value

    def _spec_warnings(self, found: Sequence[str]) -> None:
        """Fields gitward ignores or reads differently, and what rendering skipped: a
        warning condition on the app (set at once, so an app that fails later shows it too)."""
        self.spec_warnings.extend(found)
        if self.spec_warnings:
            self.conditions.set(kinds.SPEC_WARNING, "; ".join(self.spec_warnings))

    async def _project(self, app: Application) -> AppProject:
        where = Location(file=app.file, obj=f"Application {app.name}")
        stored = await self.r.reads.project(app.project)
        if stored is not None:
            project = stored
        elif app.project == "default":
            project = default_project()
        else:
            raise ConfigError(
                f"project {app.project!r} does not exist",
                where=where.at("spec.project"),
                hint=f"Declare an AppProject named {app.project!r}, or use an existing project",
            )
        if not project.allows_destination(app.destination):
            raise ConfigError(
                f"destination {app.destination} is not permitted in project {project.name!r}",
                where=where.at("spec.destination"),
                hint="Add the destination to the project's `destinations`, or deploy elsewhere",
            )
        for index, source in enumerate(app.sources):
            field = f"spec.sources[{index}].repoURL" if app.multi_source else "spec.source.repoURL"
            if not project.allows_repo(source.repo_url):
                raise ConfigError(
                    f"repository {source.repo_url} is not permitted in project {project.name!r}",
                    where=where.at(field),
                    hint="Add the repository to the project's `sourceRepos`",
                )
        return project

    async def _children(self, app: Application, desired: Desired) -> None:
        """Applications and AppProjects the app declares: readable, and no loop."""
        pairs = [
            (obj, origin)
            for obj, origin in zip(desired.objects, desired.origins, strict=True)
            if is_argo_object(obj)
        ]
        declared = declared_by(pairs)
        self.problems.extend(error.message for error in declared.errors)
        ancestors = await self._ancestors()
        for child in declared.apps:
            if child.name in ancestors:
                self.problems.append(
                    f"{child.file or app.name}: Application {child.name} is an ancestor of "
                    f"{app.name}; declaring it here makes a loop. Remove it from one of the two"
                )
            problem = await self._outside_control_plane(app, child)
            if problem is not None:
                self.problems.append(problem)

    async def _outside_control_plane(self, parent: Application, child: Application) -> str | None:
        project = await self.r.reads.project(child.project)
        if project is None and child.project == "default":
            project = default_project()
        return control_plane_problem(parent, child, project)

    async def _ancestors(self) -> set[str]:
        found: set[str] = set()
        parent = self.record.parent
        while parent and parent not in found and len(found) < _ANCESTRY_LIMIT:
            found.add(parent)
            record = await self.r.reads.app(parent)
            parent = record.parent if record is not None else None
        return found

    def _permitted(
        self, app: Application, project: AppProject, objects: Sequence[Manifest]
    ) -> None:
        for obj in objects:
            key = ResourceKey.of(obj)
            namespaced = is_namespaced(key.group, key.kind)
            if is_argo_object(obj):
                problem = argo_object_problem(app, project, obj)
                if problem is not None:
                    self.problems.append(problem)
            elif not project.allows_kind(key.group, key.kind, namespaced=namespaced):
                self.problems.append(
                    f"{key} is not permitted in project {project.name!r} (its resource "
                    "whitelists and blacklists exclude the kind)"
                )
            elif namespaced and (problem := namespace_problem(app, project, obj)) is not None:
                self.problems.append(problem)

    async def _live(
        self, app: Application, cache: LiveCache, objects: Sequence[Manifest]
    ) -> list[Manifest]:
        in_cluster = [obj for obj in objects if not is_argo_object(obj)]
        keys = [*(ResourceKey.of(obj) for obj in in_cluster), *self._recorded_keys()]
        cache.watch_kinds_of(keys)
        await cache.wait_warm(within=self.r.settings.cache_warm_s)
        if self.r.written is not None:  # a sync just wrote: compare with at least that
            await self.r.written.caught_up(app.name, cache)
        kinds = {(key.group, key.kind) for key in keys}
        stale = [
            s
            for s in cache.state()
            if (s.group, s.kind) in kinds and s.error and s.phase in ("backoff", "failed")
        ]
        if stale:
            detail = "; ".join(f"{s.group}/{s.kind}: {s.error}".lstrip("/") for s in stale[:3])
            raise TransientError(
                f"the live state of cluster {cache.cluster.name} is not current ({detail})",
                hint="gitward keeps watching and compares again once the cluster answers",
            )
        live = live_from_cache(cache, in_cluster, app.name)
        argo_keys = [ResourceKey.of(obj) for obj in objects if is_argo_object(obj)]
        live.extend(await children_live(self.r.reads, app.name, argo_keys, self.r.tracking))
        return live

    def _recorded_keys(self) -> list[ResourceKey]:
        """Kinds the app had resources of (so objects since removed from Git are still seen)."""
        items = self.record.status.resources.get("items")
        keys = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("group") != "argoproj.io":
                keys.append(
                    ResourceKey(str(item.get("group") or ""), str(item.get("kind")), "", "")
                )
        return keys

    def _warn(
        self,
        app: Application,
        project: AppProject,
        cache: LiveCache,
        compared: Compared,
        objects: Sequence[Manifest],
    ) -> None:
        for problem in self.problems:
            self.conditions.set(kinds.COMPARISON_ERROR, problem)
        if compared.diff.error:
            self.conditions.set(kinds.COMPARISON_ERROR, compared.diff.error)
        if compared.shared:
            self.conditions.set(kinds.SHARED_RESOURCE_WARNING, "; ".join(compared.shared))
        if compared.diff.warnings:
            self.conditions.set(kinds.REPEATED_RESOURCE_WARNING, "; ".join(compared.diff.warnings))
        orphaned = project.orphaned_resources
        if orphaned is not None and orphaned.warn:
            candidates = [obj for kind in cache.kinds() for obj in cache.of_kind(*kind)]
            keys = [ResourceKey.of(obj) for obj in objects]
            found = [
                key
                for key in orphans(app, candidates, keys, self.r.tracking)
                if not orphaned.ignores(key.group, key.kind, key.name)
            ]
            if found:
                listed = ", ".join(str(key) for key in found[:5])
                self.conditions.set(
                    kinds.ORPHANED_RESOURCE_WARNING,
                    f"Application has {len(found)} orphaned resources: {listed}",
                )

    # -- deciding ------------------------------------------------------------------------------

    async def _decided(
        self, app: Application, project: AppProject, desired: Desired, compared: Compared
    ) -> Refreshed:
        diff = compared.diff
        counted = [r for r in diff.resources if r.status is not ResourceStatus.REQUIRES_PRUNING]
        source = fingerprint(app)
        comparison = Comparison(
            status=diff.status.value,
            revisions=desired.revisions,
            source=source,
            complete=not self.problems and diff.status is not SyncStatus.UNKNOWN,
            desired_count=len(counted),
            out_of_sync=compared.out_of_sync,
        )
        latest = await self.r.reads.latest_operation(app.name)
        last = last_sync(latest)
        decision = decide(
            app.sync_policy,
            comparison,
            last,
            now=self.now,
            operation_running=latest is not None and not latest.phase.completed,
            gate=self._policy_gate() or await self._gate(app, comparison),
            window=self._window(app, project, comparison),
            backoff=SelfHealBackoff(
                self.r.settings.self_heal_base_s,
                self.r.settings.self_heal_factor,
                self.r.settings.self_heal_cap_s,
            ),
            synced_since_last=self._synced_since(last),
        )
        self._sync_error(decision, last, desired.revisions)
        self._policies()
        if isinstance(decision, Wait) and decision.window:
            self.conditions.set(kinds.SYNC_WINDOW_BLOCKED, decision.reason)
        status = AppStatus(
            sync_status=diff.status.value,
            health_status=compared.health.status.value,
            health_message=compared.health.message,
            conditions=self.conditions.result(),
            reconciled_at=self.now,
            observed_revisions=desired.revisions,
            resources=self._with_sets(compared.resources),
        )
        return Refreshed(status, decision, app, desired.revisions, source, compared=compared)

    def _with_sets(self, resources: Mapping[str, Any]) -> dict[str, Any]:
        """The resource summary, with the ApplicationSets this app's render expanded."""
        found = dict(resources)
        found.pop(APPLICATION_SETS, None)
        reports = self.r.git.set_reports.get(self.record.name)
        if reports:
            found[APPLICATION_SETS] = [
                recorded(report, self.record.name, self.now) for report in reports
            ]
        return found

    async def _gate(self, app: Application, comparison: Comparison) -> Gate:
        parent = self.record.parent
        if parent is None or not app.sync_policy.is_automated or comparison.status == "Synced":
            return OPEN
        siblings = []
        for name in await self.r.reads.children(parent):
            record = await self.r.reads.app(name)
            if record is not None:
                siblings.append(record)
        return wave_gate(app, comparison.revisions, siblings)

    def _policy_gate(self) -> Gate | None:
        denied = self.verdict.denied
        return Gate(False, f"refused by policy: {Verdict.described(denied)}") if denied else None

    def _policies(self) -> None:
        if self.verdict.denied:
            self.conditions.set(POLICY_ERROR, Verdict.described(self.verdict.denied))
        if self.verdict.warned:
            self.conditions.set(POLICY_WARNING, Verdict.described(self.verdict.warned))

    def _window(self, app: Application, project: AppProject, comparison: Comparison) -> Gate:
        if not app.sync_policy.is_automated or comparison.status != "OutOfSync":
            return OPEN
        return automated_gate(project, app, self.now)

    def _synced_since(self, last: LastSync | None) -> bool:
        previous = self.record.status
        return (
            last is not None
            and last.finished_at is not None
            and previous.sync_status == "Synced"
            and previous.reconciled_at is not None
            and previous.reconciled_at >= last.finished_at
        )

    def _sync_error(
        self, decision: Decision, last: LastSync | None, revisions: tuple[str, ...]
    ) -> None:
        if isinstance(decision, Idle) and decision.sync_error:
            self.conditions.set(kinds.SYNC_ERROR, decision.sync_error)
        elif last is not None and last.phase in ("Failed", "Error") and last.revisions == revisions:
            shown = ", ".join(r[:12] for r in revisions)
            self.conditions.set(kinds.SYNC_ERROR, f"Failed sync attempt to {shown}: {last.message}")

    # -- when a step fails -------------------------------------------------------------------

    def _keep_last(self, err: GitwardError) -> Refreshed:
        kept = "the last known state is kept"
        said = _RETRIES in err.message  # the error's own hint may say so already
        self.conditions.set(
            kinds.COMPARISON_ERROR,
            f"{err.message} ({kept})" if said else f"{err.message} ({kept}; {_RETRIES})",
        )
        self.conditions.keep(besides=kinds.COMPARISON_ERROR)
        status = replace(self.record.status, conditions=self.conditions.result())
        reason = "not syncing: the last known state may be out of date"
        return Refreshed(status, Idle(reason), transient=True)

    def _unknown(self, err: GitwardError) -> Refreshed:
        self.conditions.set(self.stage, err.message)
        previous = self.record.status
        status = replace(
            previous,
            sync_status=SyncStatus.UNKNOWN.value,
            conditions=self.conditions.result(),
            reconciled_at=self.now,
            resources=self._with_sets(previous.resources),
        )
        return Refreshed(status, Idle(f"not syncing: {err.message}"))


def last_sync(latest: OperationRecord | None) -> LastSync | None:
    """The decision's view of the app's latest operation (dry runs do not count)."""
    if latest is None:
        return None
    try:
        request = OperationRequest.of(latest)
    except GitwardError:
        return None
    if request.sync.dry_run:
        return None
    return LastSync(
        revisions=request.revisions,
        source=request.fingerprint,
        phase=latest.phase.value,
        finished_at=latest.finished_at,
        automated=request.automated,
        self_heal_attempts=request.self_heal_attempts,
        message=latest.message,
    )
