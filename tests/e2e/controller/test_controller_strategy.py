"""The strategy document's promises, end to end on the sandbox: the root app creates the
projects and the dev (wave 1), staging (wave 2) and prod (wave 3) apps; dev and staging follow
Git by themselves, staging only after dev is healthy; prod waits for a person."""

from __future__ import annotations

from controller_world import BACKEND, World, drained, first_healthy, first_operation

from support.applications import application
from support.example import DEV, PROD, REPO_URL, ROOT, STAGING


async def deployed(world: World) -> str:
    """Start, bootstrap, and wait until the first deployment has settled; the commit."""
    await world.start()
    await world.bootstrap()
    root = await world.until_app(ROOT, sync_status="Synced", health_status="Healthy", within=60)
    await world.until_app(DEV, sync_status="Synced", health_status="Healthy")
    await world.until_app(STAGING, sync_status="Synced", health_status="Healthy")
    return root.status.observed_revisions[0]


async def test_the_root_app_creates_projects_and_environments_and_syncs_them_in_waves(
    world: World,
) -> None:
    await world.start()
    events = world.watch()
    await world.bootstrap()
    await world.until_app(ROOT, sync_status="Synced", health_status="Healthy", within=60)
    await world.until_app(STAGING, sync_status="Synced", health_status="Healthy")
    prod = await world.until_app(PROD, sync_status="OutOfSync", health_status="Missing")
    projects = {p.name for p in await world.store.projects.list()}
    assert {"dev", "staging", "prod"} <= projects
    assert prod.parent == ROOT and (await world.app(DEV)).parent == ROOT
    assert await world.backend_image("dev") == f"{BACKEND}:latest"
    assert await world.backend_image("prod") is None
    seen = await drained(events)
    assert first_healthy(seen, DEV) < first_operation(seen, STAGING)
    assert not any(e.app == PROD and e.kind == "operation" for e in seen)


async def test_a_new_backend_tag_in_dev_values_deploys_dev_by_itself_only(world: World) -> None:
    first = await deployed(world)
    world.set_backend_tag("dev", "sha-1111111")
    second = world.commit("ci: backend sha-1111111 to dev")
    await world.until_app(
        DEV, sync_status="Synced", health_status="Healthy", observed_revisions=(second,)
    )
    assert await world.backend_image("dev") == f"{BACKEND}:sha-1111111"
    await world.until_app(STAGING, sync_status="Synced", observed_revisions=(second,))
    assert await world.backend_image("staging") == f"{BACKEND}:latest"
    prod = await world.until_app(PROD, observed_revisions=(second,))
    assert prod.status.sync_status == "OutOfSync"
    assert await world.backend_image("prod") is None
    history = await world.store.history.list(DEV)
    assert [(h.commit_sha, h.initiated_by) for h in history[:2]] == [
        (second, "automated"),
        (first, "automated"),
    ]


async def test_staging_follows_a_promotion_only_after_dev_is_healthy_at_it(world: World) -> None:
    await deployed(world)
    watching = world.watch()
    world.set_backend_tag("dev", "v2")
    world.set_backend_tag("staging", "v2")
    promoted = world.commit("promote backend v2 to dev and staging")
    await world.until_app(
        STAGING, sync_status="Synced", health_status="Healthy", observed_revisions=(promoted,)
    )
    assert await world.backend_image("staging") == f"{BACKEND}:v2"
    order = []
    for event in await drained(watching):
        at_promoted = event.kind == "status" and event.revisions == (promoted,)
        healthy = (event.sync_status, event.health_status) == ("Synced", "Healthy")
        if event.app == DEV and at_promoted and healthy:
            order.append("dev healthy")
        if (
            event.app == STAGING
            and event.kind == "operation"
            and event.operation_phase == "Running"
        ):
            order.append("staging sync")
    assert order.index("dev healthy") < order.index("staging sync")


async def until_root_shows(world: World, child: str, state: tuple[str, str]) -> None:
    """Wait until the root app's resource list shows ``child`` with this (sync, health)."""

    async def shown() -> bool:
        items = (await world.app(ROOT)).status.resources.get("items") or []
        return any(
            (item["name"], item["status"], item.get("health", {}).get("status")) == (child, *state)
            for item in items
            if item["kind"] == "Application"
        )

    await world.until(shown, what=f"the root app lists {child} as {state}")


async def test_prod_shows_out_of_sync_until_a_person_syncs_it(world: World) -> None:
    await deployed(world)
    prod = await world.until_app(PROD, sync_status="OutOfSync")
    assert (await world.store.operations.latest(PROD)) is None
    [warning] = prod.status.conditions  # the document's `manual: {}` reaches the app
    assert warning["type"] == "SpecWarning"
    assert (
        f"Application {PROD}: spec.syncPolicy.manual: `manual` is not an Argo CD"
        in (warning["message"])
    )
    await until_root_shows(world, PROD, ("OutOfSync", "Missing"))  # as prod itself stands
    assert world.controller is not None
    await world.controller.sync(PROD, initiated_by="release-manager")
    await world.until_app(PROD, sync_status="Synced", health_status="Healthy")
    await until_root_shows(world, PROD, ("Synced", "Healthy"))
    assert await world.backend_image("prod") == f"{BACKEND}:{world.backend_tag('prod')}"
    [entry] = await world.store.history.list(PROD)
    assert entry.initiated_by == "release-manager"
    assert entry.commit_sha == prod.status.observed_revisions[0]
    audit = await world.store.audit.list(target=f"Application {PROD}")
    assert [(a.actor, a.action.value) for a in audit] == [("release-manager", "sync")]


async def test_broken_apps_say_why_and_never_hold_the_others_back(world: World) -> None:
    await world.start()
    assert world.controller is not None
    missing_path = broken_app("missing-path", path="gitops/nowhere")
    missing_project = broken_app("missing-project", project="nope")
    await world.controller.bootstrap(missing_path)
    await world.controller.bootstrap(missing_project)
    await world.bootstrap()
    await world.until_app(DEV, sync_status="Synced", health_status="Healthy", within=60)
    path_app = await world.until_app("missing-path", sync_status="Unknown")
    project_app = await world.until_app("missing-project", sync_status="Unknown")
    [path_condition] = path_app.status.conditions
    assert path_condition["type"] == "ComparisonError"
    assert "gitops/nowhere" in path_condition["message"]
    [project_condition] = project_app.status.conditions
    assert project_condition["type"] == "InvalidSpecError"
    assert "project 'nope' does not exist" in project_condition["message"]
    assert await world.store.operations.latest("missing-path") is None


def broken_app(name: str, *, path: str = "gitops/dev", project: str = "default") -> dict:
    """An app of the example at ``path`` into dev, synced (and pruned) by itself."""
    return application(
        name,
        repo_url=REPO_URL,
        path=path,
        project=project,
        namespace="dev",
        app_namespace="argocd",
        automated={"prune": True},
    )
