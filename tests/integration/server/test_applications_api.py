"""The applications endpoints over HTTP, as the admin: Argo CD's paths and shapes."""

from __future__ import annotations

import copy
import json
from typing import Any

from conftest import Api

from gitward.store import AppStatus
from support.applications import application
from support.example import DEV, PROD, REPO_URL, ROOT, STAGING
from support.repos import git


def guestbook(project: str = "dev", namespace: str = "dev", **spec: Any) -> dict[str, Any]:
    """The example's chart as an app named guestbook, labelled team=web."""
    return application(
        "guestbook",
        repo_url=REPO_URL,
        path="helm/ai-chatbot",
        project=project,
        namespace=namespace,
        labels={"team": "web"},
        **spec,
    )


async def test_the_list_holds_every_app_with_its_project_and_status(api: Api) -> None:
    admin = await api.admin()
    listed = (await admin.get("/api/v1/applications")).json()["items"]
    assert [item["metadata"]["name"] for item in listed] == [DEV, PROD, ROOT, STAGING]
    dev = listed[0]
    assert dev["spec"]["project"] == "dev"
    assert dev["status"]["sync"]["status"] == "Unknown"


async def test_a_list_item_carries_source_destination_and_policy_in_argo_cd_shape(
    api: Api,
) -> None:
    admin = await api.admin()
    policy = {"automated": {"prune": True, "selfHeal": True}, "syncOptions": ["Validate=false"]}
    await admin.post("/api/v1/applications", json=guestbook(syncPolicy=policy))

    answer = await admin.get("/api/v1/applications", params={"name": "guestbook"})

    [item] = answer.json()["items"]
    assert item["spec"] == {
        "project": "dev",
        "source": {"repoURL": REPO_URL, "path": "helm/ai-chatbot", "targetRevision": "main"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "dev"},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
    }
    assert item["status"]["sync"] == {"status": "Unknown", "revision": ""}


async def test_the_list_filters_by_project_label_selector_and_name_glob(api: Api) -> None:
    admin = await api.admin()
    await admin.post("/api/v1/applications", json=guestbook())
    by_project = await admin.get("/api/v1/applications", params={"project": ["prod", "staging"]})
    by_label = await admin.get("/api/v1/applications", params={"selector": "team=web"})
    by_glob = await admin.get("/api/v1/applications", params={"name": "ai-chatbot-*g*"})
    names = [
        [item["metadata"]["name"] for item in answer.json()["items"]]
        for answer in (by_project, by_label, by_glob)
    ]
    assert names == [[PROD, STAGING], ["guestbook"], [STAGING]]


async def test_a_malformed_selector_is_an_invalid_argument(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.get("/api/v1/applications", params={"selector": "a=(b"})
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_argument")


async def test_get_shows_the_app_as_argo_cd_does(api: Api) -> None:
    admin = await api.admin()
    app = (await admin.get(f"/api/v1/applications/{PROD}")).json()
    assert app["metadata"]["name"] == PROD
    assert app["spec"]["syncPolicy"] == {"manual": {}}
    assert set(app["status"]) >= {"sync", "health", "history", "conditions", "resources"}
    assert app["status"]["sync"]["comparedTo"]["destination"]["namespace"] == "prod"


async def test_creating_an_app_stores_it_and_a_second_create_conflicts(api: Api) -> None:
    admin = await api.admin()
    created = await admin.post("/api/v1/applications", json=guestbook())
    again = await admin.post("/api/v1/applications", json=guestbook())
    upserted = await admin.post("/api/v1/applications?upsert=true", json=guestbook())
    assert created.status_code == 200 and created.json()["metadata"]["name"] == "guestbook"
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    assert upserted.status_code == 200
    audit = await api.server.services.store.audit.list(target="Application guestbook")
    assert [(entry.actor, entry.action.value) for entry in audit] == [
        ("admin", "update"),
        ("admin", "create"),
    ]


async def test_an_app_outside_its_projects_destinations_is_refused(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.post("/api/v1/applications", json=guestbook(namespace="prod"))
    assert answer.status_code == 400
    assert "not permitted in project 'dev'" in answer.json()["message"]
    assert await api.server.services.store.apps.get("guestbook") is None


async def test_an_app_from_a_repository_its_project_does_not_allow_is_refused(api: Api) -> None:
    admin = await api.admin()
    document = guestbook()
    document["spec"]["source"]["repoURL"] = "https://example.com/other.git"
    answer = await admin.post("/api/v1/applications", json=document)
    assert answer.status_code == 400
    assert "spec.source.repoURL" in answer.json()["message"]


async def test_an_app_in_a_project_that_does_not_exist_is_refused(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.post("/api/v1/applications", json=guestbook(project="nope"))
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_argument")


async def test_a_malformed_application_names_the_field(api: Api) -> None:
    admin = await api.admin()
    document = guestbook()
    document["spec"]["destination"] = "dev"
    answer = await admin.post("/api/v1/applications", json=document)
    assert answer.status_code == 400
    assert "destination" in answer.json()["message"]


async def test_an_update_replaces_the_spec_and_a_stale_version_conflicts(api: Api) -> None:
    admin = await api.admin()
    created = (await admin.post("/api/v1/applications", json=guestbook())).json()
    changed = copy.deepcopy(created)
    changed["spec"]["source"]["targetRevision"] = "v2"
    updated = await admin.put("/api/v1/applications/guestbook", json=changed)
    stale = await admin.put("/api/v1/applications/guestbook", json=changed)
    assert updated.json()["spec"]["source"]["targetRevision"] == "v2"
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")


async def test_an_update_must_name_the_app_of_its_path(api: Api) -> None:
    admin = await api.admin()
    await admin.post("/api/v1/applications", json=guestbook())
    other = guestbook()
    other["metadata"]["name"] = "other"
    answer = await admin.put("/api/v1/applications/guestbook", json=other)
    assert answer.status_code in (400, 403)


async def test_deleting_an_app_removes_it_and_then_it_is_not_found(api: Api) -> None:
    admin = await api.admin()
    await admin.post("/api/v1/applications", json=guestbook())
    deleted = await admin.delete("/api/v1/applications/guestbook", params={"cascade": "false"})
    after = await admin.get("/api/v1/applications/guestbook")
    assert deleted.status_code == 200
    assert (after.status_code, after.json()) == (
        404,
        {"code": "not_found", "message": "application guestbook not found"},
    )


async def test_a_sync_records_an_operation_at_the_commit_main_names(api: Api) -> None:
    admin = await api.admin()
    head = git(api.repo, "rev-parse", "HEAD")
    answer = await admin.post(
        f"/api/v1/applications/{PROD}/sync",
        json={"prune": True, "syncOptions": {"items": ["CreateNamespace=true"]}},
    )
    state = answer.json()["status"]["operationState"]
    assert state["phase"] == "Running"
    assert state["operation"]["initiatedBy"]["username"] == "admin"
    assert state["operation"]["sync"]["revision"] == head
    assert state["operation"]["sync"]["syncOptions"] == ["CreateNamespace=true"]
    again = await admin.post(f"/api/v1/applications/{PROD}/sync", json={})
    assert (again.status_code, again.json()["code"]) == (409, "conflict")


async def test_a_sync_to_a_revision_that_does_not_exist_is_refused(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/sync", json={"revision": "nope"})
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_argument")


async def test_terminating_stops_the_running_operation_and_then_there_is_none(api: Api) -> None:
    admin = await api.admin()
    await admin.post(f"/api/v1/applications/{PROD}/sync", json={})
    stopped = await admin.delete(f"/api/v1/applications/{PROD}/operation")
    app = (await admin.get(f"/api/v1/applications/{PROD}")).json()
    assert stopped.status_code == 200
    assert app["status"]["operationState"]["phase"] == "Terminating"


async def test_terminating_with_nothing_running_is_a_conflict(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.delete(f"/api/v1/applications/{PROD}/operation")
    assert (answer.status_code, answer.json()["code"]) == (409, "conflict")


async def test_a_rollback_of_an_automated_app_is_refused(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{DEV}/rollback", json={"id": 1})
    assert answer.status_code == 400
    assert "auto-sync" in answer.json()["message"]


async def test_a_rollback_to_an_unknown_history_entry_is_refused(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/rollback", json={"id": 7})
    assert answer.status_code == 400
    assert "history entry 7" in answer.json()["message"]


async def test_a_rollback_carries_its_prune_and_dry_run_flags(api: Api) -> None:
    store = api.server.services.store
    prod = await store.apps.get(PROD)
    assert prod is not None
    source = {"source": prod.document["spec"]["source"]}
    await store.history.record(
        PROD, revision="main", commit_sha="a" * 40, source=source, initiated_by="bob"
    )
    admin = await api.admin()
    answer = await admin.post(
        f"/api/v1/applications/{PROD}/rollback", json={"id": 1, "prune": True, "dryRun": True}
    )
    assert answer.status_code == 200, answer.text
    started = await store.operations.latest(PROD)
    assert started is not None
    assert (started.request["prune"], started.request["dryRun"]) == (True, True)
    assert started.request["kind"] == "rollback"


async def test_history_lists_deployments_oldest_first(api: Api) -> None:
    store = api.server.services.store
    for sha in ("a" * 40, "b" * 40):
        await store.history.record(
            PROD, revision="main", commit_sha=sha, source={"source": {}}, initiated_by="bob"
        )
    admin = await api.admin()
    history = (await admin.get(f"/api/v1/applications/{PROD}/revisions/history")).json()
    app = (await admin.get(f"/api/v1/applications/{PROD}")).json()
    assert [(h["id"], h["revision"]) for h in history["items"]] == [(1, "a" * 40), (2, "b" * 40)]
    assert app["status"]["history"] == history["items"]


async def test_a_refresh_is_accepted_and_answers_with_the_app(api: Api) -> None:
    admin = await api.admin()
    normal = await admin.get(f"/api/v1/applications/{DEV}", params={"refresh": "normal"})
    hard = await admin.get(f"/api/v1/applications/{DEV}", params={"refresh": "hard"})
    wrong = await admin.get(f"/api/v1/applications/{DEV}", params={"refresh": "soft"})
    assert (normal.status_code, hard.status_code, wrong.status_code) == (200, 200, 400)
    assert api.server.controller.queue.depth >= 1


async def test_manifests_are_the_rendered_desired_objects(api: Api) -> None:
    admin = await api.admin()
    answer = (await admin.get(f"/api/v1/applications/{ROOT}/manifests")).json()
    kinds = sorted({json.loads(text)["kind"] for text in answer["manifests"]})
    assert kinds == ["AppProject", "Application"]


def chart_with_values(**spec: Any) -> dict[str, Any]:
    """guestbook from two sources: the chart from main, a ``ref: values`` source from branch
    ``values``."""
    document = guestbook(**spec)
    document["spec"].pop("source")
    document["spec"]["sources"] = [
        {"repoURL": REPO_URL, "targetRevision": "main", "path": "helm/ai-chatbot"},
        {"repoURL": REPO_URL, "targetRevision": "values", "ref": "values"},
    ]
    return document


def branch_values_behind_main(api: Api) -> tuple[str, str]:
    """Branch ``values`` at the first commit and main one commit ahead; their commits."""
    git(api.repo, "branch", "values")
    git(api.repo, "commit", "-q", "--allow-empty", "-m", "ahead")
    return git(api.repo, "rev-parse", "main"), git(api.repo, "rev-parse", "values")


async def test_a_multi_source_apps_sync_status_has_one_commit_per_source_and_no_revision(
    api: Api,
) -> None:
    admin = await api.admin()
    document = chart_with_values()
    await admin.post("/api/v1/applications", json=document)
    store = api.server.services.store
    await store.apps.set_status(
        "guestbook", AppStatus(sync_status="Synced", observed_revisions=("a" * 40, "b" * 40))
    )

    app = (await admin.get("/api/v1/applications/guestbook")).json()

    assert app["status"]["sync"] == {
        "status": "Synced",
        "revision": "",
        "revisions": ["a" * 40, "b" * 40],
        "comparedTo": {
            "sources": document["spec"]["sources"],
            "destination": document["spec"]["destination"],
        },
    }


async def test_a_single_source_apps_sync_status_has_the_commit_in_revision_only(
    api: Api,
) -> None:
    admin = await api.admin()
    document = guestbook()
    await admin.post("/api/v1/applications", json=document)
    store = api.server.services.store
    await store.apps.set_status("guestbook", AppStatus(observed_revisions=("a" * 40,)))

    app = (await admin.get("/api/v1/applications/guestbook")).json()

    assert app["status"]["sync"] == {
        "status": "Unknown",
        "revision": "a" * 40,
        "comparedTo": {
            "source": document["spec"]["source"],
            "destination": document["spec"]["destination"],
        },
    }


async def test_a_multi_source_sync_shows_revisions_and_sources_in_its_operation_state(
    api: Api,
) -> None:
    main, values = branch_values_behind_main(api)
    admin = await api.admin()
    document = chart_with_values()
    await admin.post("/api/v1/applications", json=document)

    answer = await admin.post("/api/v1/applications/guestbook/sync", json={"prune": True})

    assert answer.status_code == 200, answer.text
    state = answer.json()["status"]["operationState"]
    assert state["operation"]["sync"] == {
        "prune": True,
        "dryRun": False,
        "resources": None,
        "syncOptions": [],
        "revisions": [main, values],
    }
    assert state["syncResult"] == {
        "revision": "",
        "revisions": [main, values],
        "sources": document["spec"]["sources"],
        "resources": [],
    }


async def test_a_single_source_sync_shows_revision_and_source_in_its_sync_result(
    api: Api,
) -> None:
    admin = await api.admin()
    head = git(api.repo, "rev-parse", "HEAD")
    document = guestbook()
    await admin.post("/api/v1/applications", json=document)

    answer = await admin.post("/api/v1/applications/guestbook/sync", json={})

    state = answer.json()["status"]["operationState"]
    assert state["operation"]["sync"]["revision"] == head
    assert "revisions" not in state["operation"]["sync"]
    assert state["syncResult"] == {
        "revision": head,
        "source": document["spec"]["source"],
        "resources": [],
    }


async def deployed_chart_with_values(api: Api, admin: Any) -> list[Any]:
    """The multi-source guestbook, created, with one deployment of both sources in its history;
    returns its sources."""
    sources: list[Any] = chart_with_values()["spec"]["sources"]
    await admin.post("/api/v1/applications", json=chart_with_values())
    await api.server.services.store.history.record(
        "guestbook",
        revision="main, values",
        commit_sha="a" * 40,
        source={"sources": sources, "revisions": ["a" * 40, "b" * 40]},
        initiated_by="bob",
    )
    return sources


async def test_a_multi_source_history_entry_has_revisions_and_sources_and_no_revision(
    api: Api,
) -> None:
    admin = await api.admin()
    sources = await deployed_chart_with_values(api, admin)

    history = (await admin.get("/api/v1/applications/guestbook/revisions/history")).json()
    app = (await admin.get("/api/v1/applications/guestbook")).json()

    [entry] = history["items"]
    assert {key: entry[key] for key in ("revision", "revisions", "sources")} == {
        "revision": "",
        "revisions": ["a" * 40, "b" * 40],
        "sources": sources,
    }
    assert "source" not in entry
    assert app["status"]["history"] == history["items"]


async def test_a_multi_source_rollback_names_the_sources_and_commits_it_deploys(
    api: Api,
) -> None:
    admin = await api.admin()
    sources = await deployed_chart_with_values(api, admin)

    answer = await admin.post("/api/v1/applications/guestbook/rollback", json={"id": 1})

    assert answer.status_code == 200, answer.text
    state = answer.json()["status"]["operationState"]
    assert state["operation"]["kind"] == "rollback"
    assert (state["operation"]["sync"]["revisions"], state["operation"]["sync"]["sources"]) == (
        ["a" * 40, "b" * 40],
        sources,
    )
    assert "revision" not in state["operation"]["sync"]
    assert (state["syncResult"]["revision"], state["syncResult"]["revisions"]) == (
        "",
        ["a" * 40, "b" * 40],
    )


async def test_a_multi_source_list_item_shows_its_first_source_and_that_sources_commit(
    api: Api,
) -> None:
    admin = await api.admin()
    document = chart_with_values()
    await admin.post("/api/v1/applications", json=document)
    store = api.server.services.store
    await store.apps.set_status("guestbook", AppStatus(observed_revisions=("a" * 40, "b" * 40)))

    [item] = (await admin.get("/api/v1/applications", params={"name": "guestbook"})).json()["items"]

    assert item["spec"]["source"] == {
        "repoURL": REPO_URL,
        "path": "helm/ai-chatbot",
        "targetRevision": "main",
    }
    assert item["status"]["sync"] == {"status": "Unknown", "revision": "a" * 40}
