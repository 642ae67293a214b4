"""Promotion in a real browser against the example's server: staging shows it follows dev, a
release manager promotes staging's values into prod from the dialog (prod's semver rule refuses
staging's ``latest`` tags; a log level goes to a branch for review, with the pull request's page
and its Markdown as text), and the promotion is then among prod's history and events. Who may
not sync prod sees no Promote button.

Only prod is promoted into: it is manual, so its main branch never moves and the other browser
tests see the example as they expect."""

from __future__ import annotations

import re
from typing import Any

from browsing import as_user, log_in, screenshot
from playwright.sync_api import expect
from ui_world import UiWorld

DEV, STAGING, PROD = "ai-chatbot-dev", "ai-chatbot-staging", "ai-chatbot-prod"
COMPARE = "https://github.com/giridharan-official/ai-chatbot-infra/compare/main...gitward/promote/"


def open_app(page: Any, name: str) -> None:
    """Open the app's page once the root app has created it (the world may have just started)."""
    page.goto("/applications")
    expect(page.locator(f"[data-app='{name}']")).to_be_visible(timeout=60_000)
    page.goto(f"/applications/{name}")
    expect(page.locator(".app-head h1")).to_have_text(name)


def test_staging_says_whom_it_follows_and_for_which_keys(page: Any, world: UiWorld) -> None:
    log_in(page, world)
    open_app(page, STAGING)
    promotion = page.locator(f".summary dd[data-promotion='{DEV}']")
    expect(promotion).to_contain_text(f"Follows {DEV} for backend.image.tag, frontend.image.tag")
    promotion.locator(f"a[href='/applications/{DEV}']").click()
    expect(page.locator(".app-head h1")).to_have_text(DEV)


def test_a_release_manager_promotes_into_prod_from_the_dialog(page: Any, world: UiWorld) -> None:
    log_in(page, world)
    open_app(page, PROD)
    expect(page.locator(".summary dd[data-promotion=manual]")).to_contain_text("by hand")

    # By keyboard: open the dialog, name the source, submit with Enter.
    page.focus("[data-action=promote]")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=f"Promote into {PROD}")
    expect(dialog).to_be_visible()
    source = dialog.get_by_label("Source application")
    expect(source).to_be_focused()
    expect(dialog.get_by_label("Keys")).to_have_value(re.compile(r"^backend\.image\.tag, "))
    page.keyboard.type(STAGING)
    page.keyboard.press("Enter")
    refused = dialog.locator("[data-outcome=refused]")
    expect(refused).to_contain_text(
        re.compile("not a semantic version tag|Synced and Healthy"), timeout=60_000
    )

    dialog.get_by_label("Keys").fill("global.logLevel")
    dialog.get_by_label(re.compile("Force")).check()
    dialog.locator("[data-confirm=promote]").click()
    expect(dialog.locator("[data-outcome=proposed]")).to_be_visible(timeout=90_000)
    branch = dialog.locator("code[data-branch]")
    expect(branch).to_have_text(re.compile(f"^gitward/promote/{PROD}/[0-9a-f]{{12}}$"))
    link = dialog.get_by_role("link", name="Open a pull request for this branch")
    expect(link).to_have_attribute("href", re.compile("^" + re.escape(COMPARE)))
    body = dialog.locator(".pull-request-body pre")
    expect(body).to_contain_text("| `global.logLevel` | `warn` | `info` |")
    assert body.locator("*").count() == 0  # the Markdown is text, never markup
    screenshot(page, "promote-dialog")
    pushed = world.repo / ".git" / "refs" / "heads" / branch.inner_text()
    assert pushed.is_file(), "the promotion branch was pushed to the repository"
    dialog.get_by_role("button", name="Close").click()

    page.click("[data-action=history]")
    row = page.locator("dialog tr[data-promotion=proposed]")
    expect(row).to_contain_text(f"Promoted global.logLevel=info from {STAGING}@")
    expect(row).to_contain_text("(forced)")
    expect(row.get_by_role("link", name="pull request")).to_have_attribute(
        "href", re.compile("^" + re.escape(COMPARE))
    )
    page.keyboard.press("Escape")
    page.click("[data-action=events]")
    expect(page.locator("dialog table.events")).to_contain_text("PromotionProposed")


def test_promote_is_offered_only_to_who_may_sync_the_target(page: Any, world: UiWorld) -> None:
    as_user(page, world, "sam", "security-team")
    open_app(page, PROD)
    expect(page.locator("[data-action=history]")).to_be_visible()
    expect(page.locator("[data-action=promote]")).to_have_count(0)
    as_user(page, world, "dana", "app-developers")
    open_app(page, STAGING)
    expect(page.locator("[data-action=promote]")).to_be_visible()
