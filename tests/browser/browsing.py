"""What the browser tests do as a person would: find Chromium, log in, be a user of a group,
keep a screenshot. A module of its own (not conftest) so that its name is unique in a test run
that collects every directory's conftest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

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
