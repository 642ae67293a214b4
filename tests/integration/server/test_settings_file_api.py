"""``gitward server --settings argocd-cm.yaml``: read at start, shown by the API, reloaded when
edited (and the ``--rbac`` file too), through a real server over HTTP."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import Api, ApiFactory

from gitward.errors import ConfigError
from gitward.server.running import ServerConfig, run_server
from support.example import DEV

HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n"


def write_settings(path: Path, data: str) -> None:
    """Write the file whole, as an editor or a ConfigMap volume swap does."""
    staged = path.with_suffix(".tmp")
    staged.write_text(HEADER + textwrap.indent(textwrap.dedent(data), "  "))
    staged.replace(path)


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 10.0) -> None:
    """Return once ``check()`` holds (the watcher looks every 0.05 s); fail after ``within``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, f"not within {within}s: {what}"
        await asyncio.sleep(0.05)


async def started(api_factory: ApiFactory, tmp_path: Path, data: str) -> tuple[Api, Path]:
    path = tmp_path / "argocd-cm.yaml"
    write_settings(path, data)
    return await api_factory(settings_file=path, settings_check_s=0.05), path


async def test_the_settings_and_their_warnings_are_shown_by_the_api_and_logged(
    api_factory: ApiFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api, _ = await started(
        api_factory,
        tmp_path,
        """
        url: https://gitward.example.com
        timeout.reconciliation: 180s
        users.session.duration: 8h
        controller.diff.server.side: "true"
        dex.config: "connectors: []"
        my.team.key: "1"
        resource.exclusions: |
          - apiGroups: [tekton.dev]
        oidc.config: |
          name: Okta
          issuer: https://sso.example.com
          clientID: gitward
          clientSecret: sso-client-secret-value
        """,
    )
    shown = (await (await api.admin()).get("/api/v1/settings")).json()
    assert shown["url"] == "https://gitward.example.com"
    assert shown["reconciliationSeconds"] == 180.0
    assert shown["sessionTTLSeconds"] == 8 * 3600
    assert shown["serverSideDiff"] is True
    assert api.server.controller.settings.server_side_diff is True
    assert shown["resourceExclusions"] == [
        {"apiGroups": ["tekton.dev"], "kinds": [], "clusters": []}
    ]
    warnings = "\n".join(shown["settingsWarnings"])
    assert "dex.config is not supported" in warnings
    assert "my.team.key is not a setting gitward knows" in warnings
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "argocd-cm key my.team.key is not a setting gitward knows" in logged
    assert api.server.controller.settings.reconciliation_s == 180.0
    assert shown["oidcConfig"]["issuer"] == "https://sso.example.com"
    assert api.server.services.oidc is not None
    assert api.server.services.oidc.config.redirect_uri == (
        "https://gitward.example.com/auth/callback"
    )
    assert "sso-client-secret-value" not in str(shown)


async def test_editing_the_settings_file_takes_effect_and_a_bad_edit_keeps_the_last_good(
    api_factory: ApiFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api, path = await started(api_factory, tmp_path, "timeout.reconciliation: 180s\n")
    admin = await api.admin()
    write_settings(path, "timeout.reconciliation: 240s\ntimeout.hard.reconciliation: 1h\n")

    async def reloaded() -> bool:
        shown = (await admin.get("/api/v1/settings")).json()
        return bool(shown["reconciliationSeconds"] == 240.0)

    await until(reloaded, "the new period in force")
    assert api.server.controller.settings.hard_reconciliation_s == 3600.0

    write_settings(path, "timeout.reconciliation: soon\n")

    async def refused() -> bool:
        return bool((await admin.get("/api/v1/settings")).json().get("settingsError"))

    await until(refused, "the bad edit reported")
    shown = (await admin.get("/api/v1/settings")).json()
    assert "data[timeout.reconciliation]" in shown["settingsError"]
    assert str(path) in shown["settingsError"]
    assert shown["reconciliationSeconds"] == 240.0
    assert api.server.controller.settings.reconciliation_s == 240.0
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("data[timeout.reconciliation]" in message for message in errors)

    write_settings(path, "timeout.reconciliation: 60s\n")

    async def recovered() -> bool:
        shown = (await admin.get("/api/v1/settings")).json()
        return shown["settingsError"] is None and shown["reconciliationSeconds"] == 60.0

    await until(recovered, "the fixed file in force, the error gone")


async def test_editing_the_rbac_file_changes_permissions_without_a_restart(api: Api) -> None:
    security = api.sso("auditor@example.com", "security-team")
    assert (await security.get(f"/api/v1/applications/{DEV}")).status_code == 200
    rbac = api.repo / "argocd-rbac-cm.yaml"
    text = rbac.read_text()
    staged = rbac.with_suffix(".tmp")
    staged.write_text(text.replace("p, security-team, applications, get, */*, allow", ""))
    staged.replace(rbac)

    async def denied() -> bool:
        return (await security.get(f"/api/v1/applications/{DEV}")).status_code == 403

    await until(denied, "security-team lost get after the edit", within=20.0)

    staged.write_text("apiVersion: v1\nkind: ConfigMap\ndata: [not, a, map]\n")
    staged.replace(rbac)
    admin = await api.admin()

    async def reported() -> bool:
        return bool((await admin.get("/api/v1/settings")).json().get("rbacError"))

    await until(reported, "the broken policy reported", within=20.0)
    developers = api.sso("dev@example.com", "devops-team")
    assert (await developers.get(f"/api/v1/applications/{DEV}")).status_code == 200
    assert (await security.get(f"/api/v1/applications/{DEV}")).status_code == 403


async def test_accounts_admin_and_anonymous_follow_the_file(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    api, path = await started(api_factory, tmp_path, "accounts.ci: apiKey\n")
    admin = await api.admin()
    made = await admin.post("/api/v1/account/ci/token", json={})
    assert made.status_code == 200, made.text
    ci = api.client(made.json()["token"])
    assert (await ci.get("/api/v1/settings")).status_code == 200
    listed = {item["name"]: item for item in (await admin.get("/api/v1/account")).json()["items"]}
    assert listed["ci"]["capabilities"] == ["apiKey"]

    write_settings(
        path,
        """
        accounts.ci: apiKey
        accounts.ci.enabled: "false"
        admin.enabled: "false"
        users.anonymous.enabled: "true"
        """,
    )
    anonymous = api.client()

    async def anonymous_allowed() -> bool:
        return (await anonymous.get("/api/v1/settings")).status_code == 200

    await until(anonymous_allowed, "anonymous access on after the edit")
    assert (await ci.get("/api/v1/applications")).status_code == 401
    assert api.server.admin_password is not None
    login = await api.client().post(
        "/api/v1/session", json={"username": "admin", "password": api.server.admin_password}
    )
    assert login.status_code == 401

    write_settings(path, "accounts.ci: apiKey\n")

    async def admin_back() -> bool:
        again = await api.client().post(
            "/api/v1/session", json={"username": "admin", "password": api.server.admin_password}
        )
        return again.status_code == 200

    await until(admin_back, "admin enabled again once the file no longer disables it")
    assert (await ci.get("/api/v1/applications")).status_code == 200
    assert (await anonymous.get("/api/v1/settings")).status_code == 401


async def test_a_bad_settings_file_stops_the_server_at_start_naming_the_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "argocd-cm.yaml"
    write_settings(path, "application.resourceTrackingMethod: uid\n")
    config = ServerConfig(data_dir=tmp_path / "data", reconcile=False, settings_file=path)
    with pytest.raises(ConfigError) as caught:
        async with run_server(config):
            pass
    assert str(path) in str(caught.value)
    assert "data[application.resourceTrackingMethod]" in str(caught.value)
