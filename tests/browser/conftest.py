"""Chromium (Debian's, never a downloaded build) driven by Playwright against a running
gitward server. In CI (``GITWARD_REQUIRE_TOOLS=1``) a missing browser fails the run instead of
skipping it. Any JavaScript dialog (``alert``, ``confirm``) fails the test: the UI uses none, so
one can only come from injected script.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_world import UiWorld

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    configured = os.environ.get("GITWARD_CHROMIUM")
    if configured:
        return configured
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiWorld]:
    started = UiWorld(tmp_path_factory.mktemp("ui-world")).start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail("Chromium is required for the browser tests: ./dev setup installs it")
        pytest.skip("no Chromium on this machine (./dev setup installs Debian's chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, world: UiWorld) -> Iterator[Any]:
    context = browser.new_context(base_url=world.url, viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.set_default_timeout(20_000)
    yield opened
    context.close()
    assert not dialogs, f"a script opened a dialog (injected script ran): {dialogs}"
    assert not errors, f"the page raised: {errors}"


def log_in(page: Any, world: UiWorld) -> None:
    page.goto("/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", world.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url("**/applications")


def as_user(page: Any, world: UiWorld, name: str, *groups: str) -> None:
    """Be a single sign-on user of ``groups`` (the session cookie the OIDC login would set)."""
    cookie, token = world.session_for(name, *groups)
    page.context.add_cookies([{"name": cookie, "value": token, "url": world.url}])


def screenshot(page: Any, name: str) -> None:
    """Keep a picture of the page for the user guide (docs/images), when asked to."""
    target = os.environ.get("GITWARD_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"))
