"""Promote values from one app to another, as the API and the automatic follower both do.

It gathers what :mod:`gitward.delivery.promotion` needs from the store and the git port: both
Applications, the source's status (the gates of :mod:`gitward.delivery.gates`: Synced and
Healthy, unless forced), the source's values read from its value files at the revision it is
synced to, the target project's semver rule, the target's branch and the repository's stored
credentials. After the write it records the promotion (the audit log, and an event on the
target's stream) and, for a manual target, renders the target at the branch's base and at the
promotion branch and puts the object-level diff in Markdown (:mod:`gitward.delivery.reports`,
what ``gitward diff -o markdown`` prints) into the pull request's body, and opens that pull
request through the Git host's API when the repository's stored credentials hold a token, else
gives the host's page where a person opens it (:mod:`gitward.delivery.pullrequests`).

It never syncs: the target's own sync policy decides what happens to a new commit.

It pushes with gitward's stored credentials, so it confines itself as a sync would: the target's
project must exist and permit the repository it writes (``sourceRepos``, read again now: the
project may have narrowed since the app was stored). Copying values across projects needs a
right to read the source: the API checks ``get`` on the source; the automatic follower (whose
annotation anyone who may edit the target wrote) takes values only from an app of the same
project, or from a repository the target's project permits (which it could read anyway).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitward.controller.events import AppEvent
from gitward.delivery import reports
from gitward.delivery.gates import PromotionRefusedError, check_semver, check_source
from gitward.delivery.previews import RenderedApp, compare_renders
from gitward.delivery.promotion import Outcome, PromotionRequest, PromotionResult, promote
from gitward.delivery.pullrequests import (
    GitHostError,
    GitHosts,
    PullRequest,
    api_token,
    compare_link,
    pull_request_link,
)
from gitward.delivery.valuefiles import FoundValue, ValueFiles, locate_keys, value_files_of
from gitward.errors import ConfigError, GitwardError, Location, UsageError
from gitward.git.credentials import Credentials
from gitward.git.refs import RefKind
from gitward.git.urls import split_credentials
from gitward.model import annotations as marks
from gitward.model.application import Application, parse_application
from gitward.model.project import AppProject, default_project, parse_project
from gitward.store import AppRecord, AuditAction

if TYPE_CHECKING:
    from collections.abc import Callable

    from gitward.controller.loop import Controller

__all__ = ["Promoted", "Promotions", "promote_keys"]

log = logging.getLogger(__name__)

_CHAIN_LIMIT = 32
"""Followers looked through for a cycle (dev <- staging <- prod is three)."""


@dataclass(frozen=True)
class Promoted:
    """One promotion done: from where, what changed, where it went, and for a manual target
    the pull request to open (``link`` when known) and its ``body``."""

    source: str
    target: str
    source_revision: str
    result: PromotionResult
    values: tuple[FoundValue, ...]
    forced: bool = False
    link: str | None = None
    opened: bool = False
    """Whether gitward opened the pull request (``link`` is then its page)."""
    body: str = ""
    note: str = ""
    """Why there is no link, or why the pull request was not opened."""

    def summary(self) -> str:
        """One line for logs, events and the CLI."""
        pairs = ", ".join(f"{c.key}={c.new}" for c in self.result.changed)
        route = f"from {self.source}@{self.source_revision[:7]}"
        if self.result.outcome is Outcome.UNCHANGED:
            return f"{self.target} already has the values of {route}"
        if self.result.already_proposed:
            return f"{pairs} {route} already proposed on branch {self.result.branch} for review"
        if self.result.outcome is Outcome.PROPOSED:
            return f"{pairs} {route} pushed to branch {self.result.branch} for review"
        return f"{pairs} {route} committed to {self.result.branch} ({self.result.head[:7]})"

    def as_json(self) -> dict[str, Any]:
        result = self.result
        return {
            "source": self.source,
            "target": self.target,
            "sourceRevision": self.source_revision,
            "outcome": result.outcome.value,
            "forced": self.forced,
            "values": [{"key": v.key, "value": v.value} for v in self.values],
            "changed": [{"key": c.key, "old": c.old, "new": c.new} for c in result.changed],
            "branch": result.branch,
            "targetBranch": result.target_branch,
            "base": result.base,
            "commit": result.head if result.outcome is not Outcome.UNCHANGED else None,
            "alreadyProposed": result.already_proposed,
            "pullRequest": self._pull_request_json()
            if result.outcome is Outcome.PROPOSED
            else None,
            "message": self.summary(),
        }

    def _pull_request_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"link": self.link, "opened": self.opened, "body": self.body}
        if self.note:
            shown["note"] = self.note
        return shown


def promote_keys(app: Application) -> tuple[str, ...]:
    """The keys the app's ``gitward.io/promote-keys`` annotation names."""
    text = str(app.annotations.get(marks.PROMOTE_KEYS, ""))
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())


class Promotions:
    """Promotions over one controller's store and git port."""

    def __init__(
        self,
        controller: Controller,
        credentials: Callable[[str], Credentials | None],
        hosts: GitHosts | None = None,
    ) -> None:
        self._controller = controller
        self._credentials = credentials
        self._hosts = hosts

    async def promote(
        self,
        target: str,
        source: str,
        keys: Sequence[str] = (),
        *,
        actor: str,
        force: bool = False,
        by_hand: bool = False,
    ) -> Promoted:
        """Promote ``keys`` (default: the target's annotation) from ``source`` into ``target``;
        a :class:`~gitward.delivery.gates.PromotionRefusedError` when a gate says no.
        ``by_hand``: a person asked and the caller checked they may read the source. Else (the
        follower) the source must be of the target's project or in a repository that project
        permits, and must not itself follow the target (two apps following each other would
        swap their values at every commit)."""
        if source == target:
            raise UsageError(f"{target} cannot be promoted from itself", hint="Name another app")
        target_app, _ = await self._app(target)
        project = await self._project(target_app)
        _check_target_repo(target_app, project)
        if not by_hand:
            _check_source_readable(project, (await self._app(source))[0], target=target)
            await self._check_no_cycle(target, source)
        wanted = tuple(keys) or promote_keys(target_app)
        if not wanted:
            raise UsageError(
                f"no keys to promote into {target}",
                hint=f"Name them with --keys, or annotate the app with {marks.PROMOTE_KEYS}",
            )
        revision, values = await self._source_values(source, wanted, force=force)
        check_semver(project, values, target=target)
        result = await self._write(
            target_app, values, source=source, revision=revision, actor=actor, force=force
        )
        promoted = Promoted(source, target, revision, result, tuple(values), force)
        if result.already_proposed and not by_hand:  # the follower, at a later source revision
            return promoted  # the same branch stands for review: nothing new to say or record
        if result.outcome is Outcome.PROPOSED:
            promoted = await self._propose(target_app, promoted)
        await self._record(promoted, actor)
        if result.outcome is Outcome.COMMITTED:  # as a webhook's push: look again now
            await self._controller.repository_changed(value_files_of(target_app).repo_url)
        return promoted

    async def _check_no_cycle(self, target: str, source: str) -> None:
        """Refuse when ``source`` follows ``target``, directly or through other followers."""
        chain, current = [target, source], source
        while len(chain) <= _CHAIN_LIMIT:
            record = await self._controller.store.apps.get(current)
            app = parse_application(dict(record.document)).value if record else None
            current = str(app.annotations.get(marks.PROMOTE_FROM, "")).strip() if app else ""
            if not current:
                return
            chain.append(current)
            if current == target:
                raise PromotionRefusedError(
                    f"the apps follow each other ({' <- '.join(chain)}), so their values "
                    "would be swapped at every commit",
                    where=Location(
                        obj=f"Application {target}",
                        field=f"metadata.annotations.{marks.PROMOTE_FROM}",
                    ),
                    hint="Remove one of the promote-from annotations: promotion goes one way",
                )

    async def _source_values(
        self, source: str, keys: Sequence[str], *, force: bool
    ) -> tuple[str, list[FoundValue]]:
        """The revision the source is synced to (gated) and its values of ``keys`` there."""
        source_app, record = await self._app(source)
        files = value_files_of(source_app)
        revision = _synced_revision(record, files.source_index)
        check_source(
            source,
            sync_status=record.status.sync_status,
            health_status=record.status.health_status,
            revision=revision,
            forced=force,
        )
        revision = revision or await self._resolve(files)
        return revision, await self._read(files, revision, keys)

    async def _app(self, name: str) -> tuple[Application, AppRecord]:
        record = await self._controller.store.apps.get(name)
        if record is None:
            raise UsageError(f"application {name!r} does not exist", hint="Name a known app")
        return parse_application(dict(record.document), file=record.file).value, record

    async def _resolve(self, files: ValueFiles) -> str:
        found = await self._controller.git.repos.resolve(files.repo_url, files.revision)
        return found.sha

    async def _read(
        self, files: ValueFiles, revision: str, keys: Sequence[str]
    ) -> list[FoundValue]:
        """The source's values of ``keys``, from its value files at ``revision``."""
        where = Location(obj=f"Application {files.app}", field="spec.source.helm.valueFiles")
        checkout = await self._controller.git.repos.checkout_commit(
            files.repo_url, revision, where=where
        )
        texts = {}
        for file in files.files:
            path = checkout.root / file
            if path.is_file() and checkout.root.resolve() in path.resolve().parents:
                texts[file] = path.read_text(encoding="utf-8")
        return locate_keys(texts, files.files, keys, app=files.app)

    async def _project(self, app: Application) -> AppProject:
        stored = await self._controller.store.projects.get(app.project)
        if stored is not None:
            return parse_project(dict(stored.document), file=stored.file).value
        if app.project == "default":
            return default_project()
        raise ConfigError(
            f"project {app.project!r} does not exist",
            where=Location(file=app.file, obj=f"Application {app.name}", field="spec.project"),
            hint="Create the project first; gitward pushes only into a project's repositories",
        )

    async def _write(
        self,
        target: Application,
        values: Sequence[FoundValue],
        *,
        source: str,
        revision: str,
        actor: str,
        force: bool,
    ) -> PromotionResult:
        files = value_files_of(target)
        repos = self._controller.git.repos
        where = Location(file=target.file, obj=f"Application {target.name}")
        local = repos.local_path(files.repo_url)
        if local is None:
            repos.check_url(files.repo_url, where=where)
        request = PromotionRequest(
            source_app=source,
            source_revision=revision,
            target_app=target.name,
            repo_url=files.repo_url,
            branch=await self._branch(files, where),
            files=files.files,
            values=tuple((v.key, v.value) for v in values),
            actor=actor,
            by_branch=not target.sync_policy.is_automated,
            forced=force,
            credentials=self._push_credentials(files.repo_url),
            clone_from=str(local) if local is not None else split_credentials(files.repo_url).url,
        )
        return await promote(request)

    def _push_credentials(self, repo_url: str) -> Credentials | None:
        """The stored credentials, else those written in the repoURL (never left in argv)."""
        split = split_credentials(repo_url)
        embedded = Credentials(username=split.username, password=split.password)
        return self._credentials(repo_url) or (embedded if split.password else None)

    async def _branch(self, files: ValueFiles, where: Location) -> str:
        """The branch the target's targetRevision names (HEAD: the default branch)."""
        found = await self._controller.git.repos.resolve(files.repo_url, files.revision)
        if found.kind in (RefKind.BRANCH, RefKind.HEAD) and found.ref.startswith("refs/heads/"):
            return found.ref.removeprefix("refs/heads/")
        raise ConfigError(
            f"targetRevision {files.revision!r} is a {found.kind.value}, not a branch; "
            "promotion commits to a branch",
            where=where.at("spec.source.targetRevision"),
            hint="Point the target app at a branch to promote into it",
        )

    async def _propose(self, target: Application, promoted: Promoted) -> Promoted:
        """The promotion with its pull request: body, and the link (opened with a token)."""
        body = await self._body(target, promoted)
        result, repo_url = promoted.result, value_files_of(target).repo_url
        pairs = ", ".join(f"{c.key}={c.new}" for c in result.changed)
        request = PullRequest(
            repo_url,
            result.branch,
            result.target_branch,
            f"promote: {pairs} from {promoted.source} into {promoted.target}",
            body,
        )
        try:
            found = await pull_request_link(
                request, api_token(self._push_credentials(repo_url)), hosts=self._hosts
            )
        except GitHostError as error:
            link = compare_link(repo_url, result.branch, result.target_branch, self._hosts)
            note = f"the pull request could not be opened ({error.message}); open it at the link"
            return dataclasses.replace(promoted, body=body, link=link, note=note)
        if found is None:
            note = "the repository is on no Git host gitward knows (see gitward server --git-host)"
            return dataclasses.replace(promoted, body=body, note=note)
        return dataclasses.replace(promoted, body=body, link=found.url, opened=found.opened)

    async def _body(self, target: Application, promoted: Promoted) -> str:
        """The pull request's body: what changes and, object by object, what it deploys."""
        result = promoted.result
        before = await self._render(target, result.base)
        after = await self._render(target, result.head)
        title = f"gitward promote: {promoted.source} → {promoted.target}"
        lines = [
            f"Promotes from `{promoted.source}` at `{promoted.source_revision[:12]}` into "
            f"`{promoted.target}` (branch `{result.target_branch}`).",
            "",
            "| Key | From | To |",
            "|---|---|---|",
            *(f"| {_cell(c.key)} | {_cell(c.old)} | {_cell(c.new)} |" for c in result.changed),
            "",
            "",
        ]
        return "\n".join(lines) + reports.as_markdown(
            compare_renders([before], [after]), title=title
        )

    async def _render(self, app: Application, sha: str) -> RenderedApp:
        index = value_files_of(app).source_index
        git = self._controller.git
        revisions = list(await git.resolve(app))
        revisions[index] = sha
        try:
            desired = await git.render(app, revisions)
        except GitwardError as error:
            return RenderedApp(app.name, app.destination.namespace, errors=[error.message])
        return RenderedApp(app.name, app.destination.namespace, desired.objects)

    async def _record(self, promoted: Promoted, actor: str) -> None:
        result = promoted.result
        details: dict[str, Any] = {
            "source": promoted.source,
            "sourceRevision": promoted.source_revision,
            "outcome": result.outcome.value,
            "values": {v.key: v.value for v in promoted.values},
            "changed": [{"key": c.key, "old": c.old, "new": c.new} for c in result.changed],
            "branch": result.branch,
            "commit": result.head if result.outcome is not Outcome.UNCHANGED else "",
            "forced": promoted.forced,
            "pullRequest": promoted.link or "",
            "message": promoted.summary(),
        }
        if result.outcome is Outcome.UNCHANGED or result.already_proposed:
            return  # nothing was written: the audit log and the events keep what changed
        await self._controller.store.audit.append(
            actor, AuditAction.PROMOTE, f"Application {promoted.target}", details
        )
        self._controller.events.publish(
            AppEvent(
                app=promoted.target,
                kind="promotion",
                message=promoted.summary(),
                initiated_by=actor,
            )
        )
        log.info("%s: promoted by %s: %s", promoted.target, actor, promoted.summary())


def _cell(value: str | None) -> str:
    """``text`` as code in a Markdown table cell: a value from Git cannot end the code span
    (a backtick) or the cell (``|``) and add its own Markdown (links, images) to the body."""
    text = str(value)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if "`" in text else ""
    escaped = text.replace("|", "\\|")
    return f"{fence}{pad}{escaped}{pad}{fence}"


def _check_target_repo(app: Application, project: AppProject) -> None:
    """Refuse to push into a repository the target's project does not permit."""
    repo_url = value_files_of(app).repo_url
    if not project.allows_repo(repo_url):
        raise ConfigError(
            f"repository {repo_url} is not permitted in project {project.name!r}, so gitward "
            "does not push promotions into it",
            where=Location(file=app.file, obj=f"Application {app.name}", field="spec.project"),
            hint="Add the repository to the project's sourceRepos, or point the app elsewhere",
        )


def _check_source_readable(project: AppProject, source: Application, *, target: str) -> None:
    """An unchecked reader (the follower) copies values only within the target's project, or
    from a repository that project may read anyway."""
    if source.project == project.name or project.allows_repo(value_files_of(source).repo_url):
        return
    raise PromotionRefusedError(
        f"{source.name} is in project {source.project!r} and its value files are in a "
        f"repository project {project.name!r} does not permit, so its values are not copied "
        f"into {target} automatically",
        where=Location(
            obj=f"Application {target}", field=f"metadata.annotations.{marks.PROMOTE_FROM}"
        ),
        hint="Follow an app of the same project, or promote by hand (gitward promote), which "
        "checks that you may read the source",
    )


def _synced_revision(record: AppRecord, index: int) -> str:
    revisions = record.status.observed_revisions
    return revisions[index] if index < len(revisions) else ""
