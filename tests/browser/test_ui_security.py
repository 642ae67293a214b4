"""What a hostile value or a narrower role cannot do in the UI: HTML and script in app fields
are shown as text, only http(s) links are links (Argo CD CVE-2022-31035's forms included), the
page forbids inline script, and buttons a user's RBAC forbids are not offered."""

from __future__ import annotations

from typing import Any

import httpx
from browsing import as_user, log_in
from playwright.sync_api import expect
from ui_world import DEVELOPERS_ONLY, UiWorld

from support.example import REPO_URL

HOSTILE = "hostile-links"
SCRIPT = "<img src=x onerror=alert('xss')>"
LINKS = {
    "link.argocd.argoproj.io/plain": "javascript:alert('plain')",
    "link.argocd.argoproj.io/mixed": "JaVaScRiPt:alert('mixed')",
    "link.argocd.argoproj.io/spaced": "  javascript:alert('spaced')",
    "link.argocd.argoproj.io/data": "data:text/html,<script>alert('data')</script>",
    "link.argocd.argoproj.io/titled": "Runbook|javascript:alert('titled')",
    "link.argocd.argoproj.io/good": "Dashboard|https://grafana.example.com/d/abc",
}


def hostile_app() -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": HOSTILE,
            "namespace": "argocd",
            "annotations": LINKS,
            "labels": {"team": "web"},
        },
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "gitops/dev"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "dev"},
            "info": [{"name": SCRIPT, "value": "<script>alert('info')</script>"}],
        },
    }


def admin_client(world: UiWorld) -> httpx.Client:
    client = httpx.Client(base_url=world.url, timeout=30)
    answer = client.post(
        "/api/v1/session", json={"username": "admin", "password": world.admin_password}
    )
    assert answer.status_code == 200, answer.text
    return client


def test_hostile_values_are_text_and_links_only_http(page: Any, world: UiWorld) -> None:
    client = admin_client(world)
    try:
        created = client.post("/api/v1/applications?upsert=true", json=hostile_app())
    finally:
        client.close()
    assert created.status_code == 200, created.text
    log_in(page, world)
    page.goto(f"/applications/{HOSTILE}")
    expect(page.locator(".links")).to_be_visible()
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if not h.startswith(("/", "#", "http://", "https://"))], hrefs
    expect(page.locator(".links a[href='https://grafana.example.com/d/abc']")).to_have_text(
        "Dashboard"
    )
    expect(page.locator(".links .unsafe-link")).to_have_count(5)
    expect(page.locator(".summary")).to_contain_text(SCRIPT)
    assert page.locator(".summary img").count() == 0


def test_pages_forbid_inline_script(page: Any, world: UiWorld) -> None:
    answer = page.goto("/applications")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    ran = page.evaluate(
        """() => new Promise(resolve => {
          window.__ran = false;
          const s = document.createElement('script');
          s.textContent = 'window.__ran = true';
          document.body.append(s);
          setTimeout(() => resolve(window.__ran), 50);
        })"""
    )
    assert ran is False


def test_a_developer_syncs_dev_but_never_sees_prod(page: Any, world: UiWorld) -> None:
    as_user(page, world, "dana", DEVELOPERS_ONLY)
    page.goto("/applications")
    expect(page.locator("[data-app='ai-chatbot-dev']")).to_be_visible(timeout=60_000)
    expect(page.locator("[data-app='ai-chatbot-staging']")).to_be_visible()
    expect(page.locator("[data-app='ai-chatbot-prod']")).to_have_count(0)
    page.goto("/applications/ai-chatbot-dev")
    expect(page.locator("[data-action=sync]")).to_be_visible()
    expect(page.locator("[data-action=delete]")).to_have_count(0)
    page.goto("/applications/ai-chatbot-prod")
    expect(page.locator(".error")).to_contain_text("does not exist or you may not see it")
    expect(page.locator("[data-action=sync]")).to_have_count(0)


def test_the_security_team_sees_prod_without_a_sync_button(page: Any, world: UiWorld) -> None:
    as_user(page, world, "sam", "security-team")
    page.goto("/applications/ai-chatbot-prod")
    expect(page.locator(".app-head h1")).to_have_text("ai-chatbot-prod")
    expect(page.locator("[data-action=history]")).to_be_visible()
    expect(page.locator("[data-action=sync]")).to_have_count(0)
    expect(page.locator("[data-action=delete]")).to_have_count(0)


def test_a_release_manager_may_sync_prod(page: Any, world: UiWorld) -> None:
    as_user(page, world, "rita", "devops-team")
    page.goto("/applications/ai-chatbot-prod")
    expect(page.locator("[data-action=sync]")).to_be_visible()
