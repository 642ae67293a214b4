"""Sync windows over HTTP: a person's sync or rollback during prod's freeze is refused (409) with
the window named, the freeze shows in ``/syncwindows`` as Argo CD's does, and a window that allows
manual syncs lets the release manager through.

The freeze is ``* * * * *`` for an hour: a window that opens every minute is open whatever the
time the test runs at.
"""

from __future__ import annotations

from typing import Any

from conftest import Api

from gitward.store import ProjectDefinition
from support.example import DEV, PROD

FREEZE = {
    "kind": "deny",
    "schedule": "* * * * *",
    "duration": "1h",
    "applications": ["*-prod"],
    "description": "release freeze",
}
OFFICE = {"kind": "allow", "schedule": "0 9 * * 1-5", "duration": "8h", "namespaces": ["dev"]}


async def freeze_prod(api: Api, **window: Any) -> None:
    store = api.server.services.store
    stored = await store.projects.get("prod")
    assert stored is not None
    document = dict(stored.document)
    document["spec"] = {**document["spec"], "syncWindows": [OFFICE, {**FREEZE, **window}]}
    await store.projects.upsert(ProjectDefinition("prod", document, "projects.yaml"))


async def test_a_sync_during_a_deny_window_is_refused_naming_the_window(api: Api) -> None:
    await freeze_prod(api)
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/sync", json={})
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["code"] == "conflict"
    assert body["message"].startswith(
        "projects.yaml: AppProject prod: spec.syncWindows[1]: cannot sync Application "
        'ai-chatbot-prod: blocked by sync window: deny window "* * * * *" for 1h (UTC) '
        '"release freeze" is open with no end in sight'
    )
    assert "set `manualSync: true` on the window" in body["message"]
    assert await api.server.services.store.operations.latest(PROD) is None


async def test_a_rollback_during_a_deny_window_is_refused(api: Api) -> None:
    await freeze_prod(api)
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/rollback", json={"id": 1})
    assert answer.status_code == 409, answer.text
    assert "cannot rollback Application ai-chatbot-prod" in answer.json()["message"]


async def test_a_dry_run_changes_nothing_and_passes_the_window(api: Api) -> None:
    await freeze_prod(api)
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/sync", json={"dryRun": True})
    assert answer.status_code == 200, answer.text
    started = await api.server.services.store.operations.latest(PROD)
    assert started is not None and started.request["dryRun"] is True


async def test_a_window_that_allows_manual_syncs_lets_a_person_sync(api: Api) -> None:
    await freeze_prod(api, manualSync=True)
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/sync", json={})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"]["operationState"]["phase"] == "Running"


async def test_the_sync_windows_of_an_app_show_the_freeze(api: Api) -> None:
    await freeze_prod(api)
    admin = await api.admin()
    answer = await admin.get(f"/api/v1/applications/{PROD}/syncwindows")
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    window = {
        "kind": "deny",
        "schedule": "* * * * *",
        "duration": "1h",
        "manualSync": False,
        "timeZone": "UTC",
        "active": True,
        "closesAt": None,
        "description": "release freeze",
    }
    assert shown["assignedWindows"] == [window]
    assert shown["activeWindows"] == [window]
    assert (shown["canSync"], shown["canAutoSync"], shown["nextSyncAt"]) == (False, False, None)
    assert "blocked" not in shown["message"]
    assert 'deny window "* * * * *" for 1h (UTC)' in shown["message"]


async def test_an_app_no_window_applies_to_can_sync(api: Api) -> None:
    await freeze_prod(api)
    admin = await api.admin()
    shown = (await admin.get(f"/api/v1/applications/{DEV}/syncwindows")).json()
    assert shown == {
        "assignedWindows": [],
        "activeWindows": [],
        "canSync": True,
        "canAutoSync": True,
        "message": "",
        "nextSyncAt": None,
    }


async def test_the_sync_windows_need_get_on_the_app(api: Api) -> None:
    developer = api.sso("dana", "devops-team")
    outsider = api.sso("olly", "contractors")
    seen = await developer.get(f"/api/v1/applications/{DEV}/syncwindows")
    hidden = await outsider.get(f"/api/v1/applications/{PROD}/syncwindows")
    assert seen.status_code == 200
    assert (hidden.status_code, hidden.json()["code"]) == (403, "permission_denied")
