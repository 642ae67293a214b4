"""The application requests several commands share: where an app lives in the API, fetching it.

Only request shapes live here; nothing is printed.
"""

from __future__ import annotations

from typing import Any

from gitward.cli.app_views import dig
from gitward.cli.client import ApiClient, quoted

__all__ = ["app_path", "fetch_app", "items"]


def app_path(name: str, *rest: str) -> str:
    """``/api/v1/applications/NAME[/rest...]`` with the name quoted."""
    return "/".join(("/api/v1/applications", quoted(name), *rest))


def fetch_app(client: ApiClient, name: str, refresh: str = "") -> Any:
    """``GET`` one application, refreshed first when ``refresh`` is ``normal`` or ``hard``."""
    return client.get(app_path(name), {"refresh": refresh} if refresh else {})


def items(answer: object) -> list[Any]:
    """The ``items`` of a list answer (empty when it has none)."""
    found = dig(answer, "items")
    return found if isinstance(found, list) else []
