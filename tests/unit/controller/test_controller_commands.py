"""Requests the controller persists, and the checks made before it does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from controller_builders import SHA1, SHA2, application, record

from gitward.controller import commands
from gitward.controller.comparing import orphans
from gitward.controller.desired import GitSide
from gitward.controller.requests import OperationRequest
from gitward.controller.revisions import RevisionCache
from gitward.errors import ConfigError, Location, ManifestError, UsageError
from gitward.git.repo import Repositories
from gitward.kube.tracking import DEFAULT_TRACKING
from gitward.model.application import parse_application
from gitward.model.objects import ResourceKey
from gitward.render import Renderer
from gitward.settings import ControllerSettings, Settings
from gitward.store import AppDefinition, OperationPhase, RecordNotFoundError, Store
from gitward.sync import SyncRequest

FINALIZER = "resources-finalizer.argocd.argoproj.io"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path / 'gitward.db'}")
    yield opened
    await opened.close()


def test_an_operation_request_round_trips_through_json() -> None:
    request = OperationRequest(
        sync=SyncRequest(revision=SHA1, prune=True),
        revisions=(SHA1, SHA2),
        target_revisions=("main", "v1"),
        sources={"sources": [{"repoURL": "x"}]},
        fingerprint="abc",
        automated=True,
        self_heal_attempts=2,
        kind="rollback",
        reason="selfHeal",
    )
    assert OperationRequest.from_dict(request.to_dict(), Location()) == request


def test_a_damaged_stored_request_is_a_located_error() -> None:
    with pytest.raises(ManifestError, match="revisions"):
        OperationRequest.from_dict({"revisions": "main"}, Location(obj="Application dev"))


async def test_bootstrap_stores_root_apps_and_projects_from_a_file(
    store: Store, tmp_path: Path
) -> None:
    project = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "p"},
    }
    path = tmp_path / "root.yaml"
    path.write_text(yaml.safe_dump_all([application("root"), project]))
    assert await commands.bootstrap(store, path) == ["root"]
    stored = await store.apps.get("root")
    assert stored is not None and stored.parent is None and stored.file == str(path)
    assert [p.name for p in await store.projects.list()] == ["p"]


async def test_bootstrap_refuses_a_file_without_an_application(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(UsageError, match="no Application found"):
        await commands.bootstrap(store, path)
    with pytest.raises(UsageError, match="no such file"):
        await commands.bootstrap(store, tmp_path / "missing.yaml")


async def test_rollback_is_refused_while_automated_sync_is_on(store: Store) -> None:
    document = application("dev")
    await store.apps.upsert(AppDefinition.of(parse_application(document).value, document))
    stored = await store.apps.get("dev")
    assert stored is not None
    with pytest.raises(ConfigError, match="auto-sync is enabled") as refused:
        await commands.rollback_request(store, stored, 1, ControllerSettings())
    assert refused.value.where.field == "spec.syncPolicy.automated"


async def test_rollback_names_the_history_entry_it_cannot_find(store: Store) -> None:
    document = application("prod", automated=False)
    await store.apps.upsert(AppDefinition.of(parse_application(document).value, document))
    stored = await store.apps.get("prod")
    assert stored is not None
    with pytest.raises(RecordNotFoundError, match="history entry 7 does not exist"):
        await commands.rollback_request(store, stored, 7, ControllerSettings())


async def test_rollback_deploys_the_sources_and_commits_history_recorded(store: Store) -> None:
    document = application("prod", automated=False)
    await store.apps.upsert(AppDefinition.of(parse_application(document).value, document))
    old_source = {**document["spec"]["source"], "path": "apps/old"}
    await store.history.record(
        "prod",
        revision="main",
        commit_sha=SHA1,
        source={"source": old_source, "revisions": [SHA1]},
        initiated_by="alice",
        phase=OperationPhase.SUCCEEDED,
    )
    stored = await store.apps.get("prod")
    assert stored is not None
    request = await commands.rollback_request(
        store, stored, 1, ControllerSettings(wave_timeout_s=5)
    )
    assert (request.kind, request.revisions, request.sync.revision) == ("rollback", (SHA1,), SHA1)
    assert request.sources == {"source": old_source}
    assert request.sync.wave_timeout_s == 5
    assert (request.sync.prune, request.sync.dry_run) == (False, False)
    pruning = await commands.rollback_request(
        store, stored, 1, ControllerSettings(), prune=True, dry_run=True
    )
    assert (pruning.sync.prune, pruning.sync.dry_run) == (True, True)


def test_deleting_cascades_only_with_the_resources_finalizer() -> None:
    kept = record(application("dev"))
    cascading = record(application("dev", finalizers=[FINALIZER]))
    assert not commands.cascades(kept, parse_application(dict(kept.document)).value)
    assert commands.cascades(cascading, None)


def test_orphans_are_untracked_unowned_objects_of_the_destination_namespace() -> None:
    app = parse_application(application("dev")).value

    def config(name: str, namespace: str = "dev", **metadata: object) -> dict:
        meta = {"name": name, "namespace": namespace, **metadata}
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}

    tracked = {"argocd.argoproj.io/tracking-id": "dev:/ConfigMap:dev/mine"}
    candidates = [
        config("stray"),
        config("mine", annotations=tracked),
        config("owned", ownerReferences=[{"uid": "u"}]),
        config("elsewhere", namespace="staging"),
        config("kube-root-ca.crt"),
        config("wanted"),
    ]
    wanted = [ResourceKey("", "ConfigMap", "dev", "wanted")]
    assert orphans(app, candidates, wanted, DEFAULT_TRACKING) == [
        ResourceKey("", "ConfigMap", "dev", "stray")
    ]


def test_controller_settings_come_from_the_environment_and_refuse_junk() -> None:
    settings = Settings.from_env(
        {"GITWARD_RECONCILIATION_PERIOD": "30", "GITWARD_CONTROLLER_WORKERS": "3"}
    )
    assert (settings.controller.reconciliation_s, settings.controller.workers) == (30.0, 3)
    assert settings.controller.jitter_s == 60.0
    with pytest.raises(ConfigError, match="GITWARD_RECONCILIATION_JITTER"):
        Settings.from_env({"GITWARD_RECONCILIATION_JITTER": "soon"})
    with pytest.raises(ConfigError, match="GITWARD_GIT_TIMEOUT"):  # was a ValueError
        Settings.from_env({"GITWARD_GIT_TIMEOUT": "a minute"})


async def test_a_sync_of_a_multi_source_app_naming_one_revision_is_refused(
    store: Store, tmp_path: Path
) -> None:
    document = application("web", automated=False)
    source = document["spec"].pop("source")
    document["spec"]["sources"] = [source, {"repoURL": source["repoURL"], "ref": "values"}]
    await store.apps.upsert(AppDefinition.of(parse_application(document).value, document))
    stored = await store.apps.get("web")
    assert stored is not None
    with pytest.raises(ConfigError, match="cannot name one revision") as refused:
        await commands.manual_request(
            stored, SyncRequest(revision="v2"), git_side(tmp_path), ControllerSettings()
        )
    assert refused.value.where.field == "revision"
    assert "targetRevision" in refused.value.hint


def git_side(cache: Path) -> GitSide:
    repos = Repositories(cache / "git")
    return GitSide(repos, RevisionCache(repos.resolve), Renderer())
