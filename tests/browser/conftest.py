"""Chromium (Debian's, never a downloaded build) driven by Playwright against a running
gitward server. In CI (``GITWARD_REQUIRE_TOOLS=1``) a missing browser fails the run instead of
skipping it. Any JavaScript dialog (``alert``, ``confirm``) fails the test: the UI uses none, so
one can only come from injected script.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from browsing import chromium_path
from ui_world import UiWorld


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiWorld]:
    started = UiWorld(tmp_path_factory.mktemp("ui-world")).start()
    yield started
    started.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium for one test. Playwright's sync API runs an event loop in this thread while it is
    started, which would make every later asyncio test of the same worker fail ("asyncio.run()
    cannot be called from a running event loop"), so it lives no longer than a test."""
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
