"""ApplicationSets end to end on the sandbox: a parent app whose directory holds a set deploys
the Applications the set generates, in health-gated waves; Argo CD's own documentation examples
(list, git directories, matrix) deploy unchanged; a set never touches an app it did not
generate, and a set that fails to expand prunes nothing."""

from __future__ import annotations

from pathlib import Path

import yaml
from controller_world import BACKEND, World, drained, first_healthy, first_operation

from gitward.controller.events import Subscription
from gitward.store import AppRecord, ProjectDefinition
from support.applications import application
from support.example import DEV, PROD, ROOT, STAGING
from support.repos import commit_all, new_repository, write_files

APPSET_ROOT = "gitops/app-of-apps/appset/argocd-root-app.yaml"
ARGO_CD = "https://github.com/argoproj/argo-cd.git"
SETS = "https://example.com/platform/appsets.git"


async def bootstrap(world: World, root: Path) -> None:
    for document in yaml.safe_load_all(
        (world.repo / "gitops/bootstrap/namespace.yaml").read_text()
    ):
        if document:
            await world.cluster.apply(document, force=True)
    assert world.controller is not None
    await world.controller.bootstrap(root)


async def test_the_appset_root_deploys_dev_then_staging_and_leaves_prod_to_a_person(
    world: World,
) -> None:
    await world.start()
    events = world.watch()
    await bootstrap(world, world.repo / APPSET_ROOT)
    await world.until_app(ROOT, sync_status="Synced", health_status="Healthy", within=60)
    await world.until_app(STAGING, sync_status="Synced", health_status="Healthy")
    prod = await world.until_app(PROD, sync_status="OutOfSync", health_status="Missing")
    dev = await world.app(DEV)
    assert dev.parent == ROOT and prod.parent == ROOT
    owners = dev.document["metadata"]["ownerReferences"]
    assert owners[0]["kind"] == "ApplicationSet" and owners[0]["name"] == "ai-chatbot-envs"
    assert "finalizers" not in dev.document["metadata"]  # preserveResourcesOnDeletion
    assert await world.backend_image("dev") == f"{BACKEND}:latest"
    assert await world.backend_image("prod") is None
    seen = await drained(events)
    assert first_healthy(seen, DEV) < first_operation(seen, STAGING)


def guestbook(name: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: guestbook-ui
        image: gcr.io/heptio-images/ks-guestbook-demo:0.2
"""


def configmap(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n"


# Argo CD's applicationset/examples, unchanged.
LIST_EXAMPLE = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - cluster: engineering-dev
        url: https://kubernetes.default.svc
      - cluster: engineering-prod
        url: https://kubernetes.default.svc
  template:
    metadata:
      name: '{{.cluster}}-guestbook'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: applicationset/examples/list-generator/guestbook/{{.cluster}}
      destination:
        server: '{{.url}}'
        namespace: guestbook
"""
GIT_DIRECTORIES_EXAMPLE = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: cluster-addons
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - git:
      repoURL: https://github.com/argoproj/argo-cd.git
      revision: HEAD
      directories:
      - path: applicationset/examples/git-generator-directory/cluster-addons/*
  template:
    metadata:
      name: '{{.path.basename}}'
    spec:
      project: "my-project"
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: '{{.path.path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{.path.basename}}'
      syncPolicy:
        syncOptions:
        - CreateNamespace=true
"""
MATRIX_EXAMPLE = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: list-and-list
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - matrix:
        generators:
          - list:
              elements:
                - cluster: engineering-dev
                  url: https://kubernetes.default.svc
                  values:
                    project: default
                - cluster: engineering-prod
                  url: https://kubernetes.default.svc
                  values:
                    project: default
          - list:
              elements:
                - values:
                    suffix: '1'
                - values:
                    suffix: '2'
  template:
    metadata:
      name: '{{.cluster}}-{{.values.suffix}}'
    spec:
      project: '{{.values.project}}'
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: 'applicationset/examples/list-generator/guestbook/{{.cluster}}'
      destination:
        server: '{{.url}}'
        namespace: '{{.cluster}}-guestbook'
"""
MY_PROJECT = """apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: my-project
  namespace: argocd
spec:
  sourceRepos: ['*']
  destinations: [{server: https://kubernetes.default.svc, namespace: '*'}]
  clusterResourceWhitelist: [{group: '', kind: Namespace}]
"""
SETS_ROOT = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: appsets-root
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://example.com/platform/appsets.git
    targetRevision: main
    path: sets
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
  syncPolicy:
    automated: {prune: true, selfHeal: true}
"""


def argo_cd_files() -> dict[str, str]:
    examples = "applicationset/examples"
    return {
        f"{examples}/list-generator/guestbook/engineering-dev/guestbook-ui.yaml": guestbook(
            "guestbook-ui-dev"
        ),
        f"{examples}/list-generator/guestbook/engineering-prod/guestbook-ui.yaml": guestbook(
            "guestbook-ui-prod"
        ),
        f"{examples}/git-generator-directory/cluster-addons/argo-workflows/cm.yaml": configmap(
            "workflows-settings"
        ),
        f"{examples}/git-generator-directory/cluster-addons/prometheus-operator/cm.yaml": (
            configmap("prometheus-settings")
        ),
    }


async def sets_world(world: World, sets: dict[str, str]) -> tuple[Path, Subscription]:
    """The argo-cd examples repository and a repository of sets with a root app that syncs
    them by itself; the controller started and the root bootstrapped. The repository of sets,
    and the controller's events from before the bootstrap."""
    new_repository(world.tmp / "argo-cd", argo_cd_files())
    repo = world.tmp / "appsets"
    new_repository(repo, {"root.yaml": SETS_ROOT, **sets})
    world.repositories.update({ARGO_CD: world.tmp / "argo-cd", SETS: repo})
    await world.start()
    events = world.watch()
    for namespace in ("guestbook", "engineering-dev-guestbook", "engineering-prod-guestbook"):
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        await world.cluster.apply(body, force=True)
    assert world.controller is not None
    await world.controller.bootstrap(repo / "root.yaml")
    return repo, events


async def synced_by_hand(world: World, name: str, **wanted: str) -> AppRecord:
    """The examples have no automated policy: sync the app as a person would, and wait."""
    await world.until_app(name, sync_status="OutOfSync", within=60, idle=False)
    assert world.controller is not None
    await world.controller.sync(name, initiated_by="test")
    return await world.until_app(name, sync_status="Synced", **wanted)


async def test_argo_cds_list_and_git_directory_examples_deploy_unchanged(world: World) -> None:
    await sets_world(
        world,
        {
            "sets/list-example.yaml": LIST_EXAMPLE,
            "sets/git-directories-example.yaml": GIT_DIRECTORIES_EXAMPLE,
            "sets/my-project.yaml": MY_PROJECT,
        },
    )
    await world.until_app("appsets-root", sync_status="Synced", within=60)
    for app in ("engineering-dev-guestbook", "engineering-prod-guestbook"):
        await synced_by_hand(world, app)
    for app in ("argo-workflows", "prometheus-operator"):
        record = await synced_by_hand(world, app, health_status="Healthy")
        assert record.parent == "appsets-root"
    assert await world.live("Deployment", "guestbook", "guestbook-ui-dev") is not None
    assert await world.live("Deployment", "guestbook", "guestbook-ui-prod") is not None
    assert await world.live("ConfigMap", "argo-workflows", "workflows-settings", "") is not None


async def test_argo_cds_matrix_example_deploys_every_pair(world: World) -> None:
    await sets_world(world, {"sets/list-and-list.yaml": MATRIX_EXAMPLE})
    await world.until_app("appsets-root", sync_status="Synced", within=60)
    names = {"engineering-dev-1", "engineering-dev-2", "engineering-prod-1", "engineering-prod-2"}
    for name in sorted(names):
        record = await synced_by_hand(world, name)
        assert record.parent == "appsets-root"
    found = await world.live("Deployment", "engineering-prod-guestbook", "guestbook-ui-prod")
    assert found is not None


async def test_a_set_never_changes_an_app_it_did_not_generate(world: World) -> None:
    hand_written = application(
        "engineering-dev-guestbook",
        repo_url=ARGO_CD,
        path="elsewhere",
        revision="HEAD",
        namespace="guestbook",
        app_namespace="argocd",
    )
    repo, _ = await sets_world(world, {"sets/hand-written.yaml": yaml.safe_dump(hand_written)})
    await world.until_app("appsets-root", sync_status="Synced", within=60)
    write_files(repo, {"sets/list-example.yaml": LIST_EXAMPLE})
    commit_all(repo, "add the list example")
    assert world.controller is not None
    world.controller.refresh("appsets-root")
    await world.until_app(
        "engineering-prod-guestbook", sync_status="OutOfSync", within=60, idle=False
    )
    kept = await world.app("engineering-dev-guestbook")
    assert kept.document["spec"]["source"]["path"] == "elsewhere"
    assert "ownerReferences" not in kept.document["metadata"]
    root = await world.app("appsets-root")
    warnings = " ".join(c.get("message", "") for c in root.status.conditions)
    assert "were not generated by this ApplicationSet" in warnings


async def test_a_set_that_cannot_expand_fails_the_parent_and_prunes_nothing(world: World) -> None:
    repo, _ = await sets_world(world, {"sets/list-example.yaml": LIST_EXAMPLE})
    await world.until_app("appsets-root", sync_status="Synced", within=60)
    await synced_by_hand(world, "engineering-dev-guestbook")
    broken = LIST_EXAMPLE.replace("'{{.cluster}}-guestbook'", "'{{.cluster'")
    write_files(repo, {"sets/list-example.yaml": broken})
    commit_all(repo, "break the template")
    assert world.controller is not None
    world.controller.refresh("appsets-root")
    root = await world.until_app("appsets-root", sync_status="Unknown", within=30)
    messages = " ".join(c.get("message", "") for c in root.status.conditions)
    assert "ApplicationSet guestbook" in messages and "unclosed action" in messages
    assert await world.store.apps.get("engineering-dev-guestbook") is not None
    assert await world.live("Deployment", "guestbook", "guestbook-ui-dev") is not None


ROLLING = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: rolling
  namespace: argocd
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - {env: prod, folder: engineering-prod}
      - {env: dev, folder: engineering-dev}
      - {env: staging, folder: engineering-dev}
  strategy:
    type: RollingSync
    rollingSync:
      steps:
      - matchExpressions: [{key: envLabel, operator: In, values: [env-dev]}]
      - matchExpressions: [{key: envLabel, operator: In, values: [env-staging]}]
      - matchExpressions: [{key: envLabel, operator: In, values: [env-prod]}]
  template:
    metadata:
      name: 'guestbook-{{.env}}'
      labels: {envLabel: 'env-{{.env}}'}
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: main
        path: 'applicationset/examples/list-generator/guestbook/{{.folder}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: 'rolling-{{.env}}'
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
"""


async def test_rolling_sync_steps_deploy_dev_then_staging_then_prod(world: World) -> None:
    _, events = await sets_world(world, {"sets/rolling.yaml": ROLLING})
    for env in ("dev", "staging", "prod"):
        await world.until_app(
            f"guestbook-{env}", sync_status="Synced", health_status="Healthy", within=60
        )
    waves = {
        env: (await world.app(f"guestbook-{env}")).document["metadata"]["annotations"][
            "argocd.argoproj.io/sync-wave"
        ]
        for env in ("dev", "staging", "prod")
    }
    assert waves == {"dev": "1", "staging": "2", "prod": "3"}
    seen = await drained(events)

    def ready(app: str) -> int:
        return next(
            i
            for i, e in enumerate(seen)
            if e.app == app and e.sync_status == "Synced" and e.health_status == "Healthy"
        )

    def started(app: str) -> int:
        return next(i for i, e in enumerate(seen) if e.app == app and e.kind == "operation")

    assert ready("guestbook-dev") < started("guestbook-staging")
    assert ready("guestbook-staging") < started("guestbook-prod")


def two_guestbooks(policy: str, *clusters: str, preserve: bool = False) -> str:
    """Argo CD's list example, automated, with an applicationsSync policy and chosen elements."""
    elements = "".join(
        f"      - cluster: {c}\n        url: https://kubernetes.default.svc\n" for c in clusters
    )
    return f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
spec:
  goTemplate: true
  syncPolicy:
    applicationsSync: {policy}
    preserveResourcesOnDeletion: {"true" if preserve else "false"}
  generators:
  - list:
      elements:
{elements}  template:
    metadata:
      name: '{{{{.cluster}}}}-guestbook'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argo-cd.git
        targetRevision: HEAD
        path: applicationset/examples/list-generator/guestbook/{{{{.cluster}}}}
      destination:
        server: '{{{{.url}}}}'
        namespace: guestbook
      syncPolicy:
        automated: {{prune: true, selfHeal: true}}
"""


async def test_an_app_the_set_no_longer_generates_is_deleted_with_its_resources(
    world: World,
) -> None:
    both = two_guestbooks("sync", "engineering-dev", "engineering-prod")
    repo, _ = await sets_world(world, {"sets/guestbook.yaml": both})
    await world.until_app("engineering-prod-guestbook", sync_status="Synced", within=60)
    assert await world.live("Deployment", "guestbook", "guestbook-ui-prod") is not None
    write_files(repo, {"sets/guestbook.yaml": two_guestbooks("sync", "engineering-dev")})
    commit_all(repo, "drop prod from the set")
    assert world.controller is not None
    world.controller.refresh("appsets-root")

    async def gone() -> bool:
        app = await world.store.apps.get("engineering-prod-guestbook")
        live = await world.live("Deployment", "guestbook", "guestbook-ui-prod")
        return app is None and live is None

    await world.until(gone, 60, "the dropped app and its Deployment deleted")
    assert await world.store.apps.get("engineering-dev-guestbook") is not None


async def test_create_update_keeps_an_app_the_set_no_longer_generates(world: World) -> None:
    both = two_guestbooks("create-update", "engineering-dev", "engineering-prod")
    repo, _ = await sets_world(world, {"sets/guestbook.yaml": both})
    await world.until_app("engineering-prod-guestbook", sync_status="Synced", within=60)
    await world.until_app("appsets-root", sync_status="Synced")
    write_files(repo, {"sets/guestbook.yaml": two_guestbooks("create-update", "engineering-dev")})
    second = commit_all(repo, "drop prod from the set")
    assert world.controller is not None
    world.controller.refresh("appsets-root")
    await world.until_app(
        "appsets-root", sync_status="Synced", observed_revisions=(second,), within=60
    )
    kept = await world.app("engineering-prod-guestbook")
    assert kept.parent == "appsets-root"
    assert await world.live("Deployment", "guestbook", "guestbook-ui-prod") is not None


async def test_preserve_resources_on_deletion_deletes_the_app_and_keeps_its_resources(
    world: World,
) -> None:
    both = two_guestbooks("sync", "engineering-dev", "engineering-prod", preserve=True)
    repo, _ = await sets_world(world, {"sets/guestbook.yaml": both})
    await world.until_app("engineering-prod-guestbook", sync_status="Synced", within=60)
    one = two_guestbooks("sync", "engineering-dev", preserve=True)
    write_files(repo, {"sets/guestbook.yaml": one})
    commit_all(repo, "drop prod from the set")
    assert world.controller is not None
    world.controller.refresh("appsets-root")

    async def app_gone() -> bool:
        return await world.store.apps.get("engineering-prod-guestbook") is None

    await world.until(app_gone, 60, "the dropped app deleted")
    await world.until_app("appsets-root", sync_status="Synced")
    assert await world.live("Deployment", "guestbook", "guestbook-ui-prod") is not None


PRIVATE = "https://example.com/platform/private.git"
PLATFORM_PROJECT = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AppProject",
    "metadata": {"name": "platform", "namespace": "argocd"},
    "spec": {
        "sourceRepos": [SETS, ARGO_CD],
        "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "*"}],
    },
}
READS_PRIVATE = GIT_DIRECTORIES_EXAMPLE.replace(
    "repoURL: https://github.com/argoproj/argo-cd.git\n      revision",
    f"repoURL: {PRIVATE}\n      revision",
)


async def test_a_git_generator_reads_only_repositories_its_parents_project_permits(
    world: World,
) -> None:
    new_repository(world.tmp / "private", {"secrets/prod/token.yaml": configmap("token")})
    world.repositories[PRIVATE] = world.tmp / "private"
    await world.store.projects.upsert(ProjectDefinition("platform", PLATFORM_PROJECT, "p.yaml"))
    repo, _ = await sets_world(
        world,
        {
            "root.yaml": SETS_ROOT.replace("project: default", "project: platform"),
            "sets/platform.yaml": yaml.safe_dump(PLATFORM_PROJECT),
        },
    )
    await world.until_app("appsets-root", sync_status="Synced", within=60)
    write_files(repo, {"sets/reads-private.yaml": READS_PRIVATE.replace("cluster-addons/*", "*/*")})
    commit_all(repo, "a set that reads a repository the project does not permit")
    assert world.controller is not None
    world.controller.refresh("appsets-root")
    root = await world.until_app("appsets-root", sync_status="Unknown", within=30)
    messages = " ".join(c.get("message", "") for c in root.status.conditions)
    assert f"repository {PRIVATE} is not permitted in project 'platform'" in messages
    assert "generators[0].git.repoURL" in messages
    assert await world.store.apps.get("prod") is None


TEAM_PROJECT = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AppProject",
    "metadata": {"name": "team-dev", "namespace": "argocd"},
    "spec": {
        "sourceRepos": [SETS, ARGO_CD],
        "destinations": [{"server": "https://kubernetes.default.svc", "namespace": "team-dev"}],
    },
}
INTO_PROD = LIST_EXAMPLE.replace("project: default", "project: prod")


async def test_a_teams_parent_generates_no_app_of_another_project(world: World) -> None:
    await world.store.projects.upsert(ProjectDefinition("team-dev", TEAM_PROJECT, "p.yaml"))
    prod = {**TEAM_PROJECT, "metadata": {"name": "prod", "namespace": "argocd"}}
    await world.store.projects.upsert(ProjectDefinition("prod", prod, "p.yaml"))
    root = yaml.safe_load(SETS_ROOT)
    root["spec"]["project"] = "team-dev"
    root["spec"]["destination"]["namespace"] = "team-dev"
    await sets_world(world, {"root.yaml": yaml.safe_dump(root), "sets/into-prod.yaml": INTO_PROD})

    seen: list[str] = []

    async def refused() -> bool:
        record = await world.store.apps.get("appsets-root")
        conditions = record.status.conditions if record else ()
        seen[:] = [str(c.get("message", "")) for c in conditions]
        wanted = "guestbook is in namespace 'team-dev', which project 'prod' does not list"
        return any(wanted in message for message in seen)

    try:
        await world.until(refused, 60, "the root's project refuses the generated apps")
    except AssertionError as failed:
        raise AssertionError(f"{failed}; the root's conditions: {seen}") from None
    assert await world.store.apps.get("engineering-dev-guestbook") is None
    assert await world.store.apps.get("engineering-prod-guestbook") is None
