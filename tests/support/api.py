"""gitward's API as a test's scene-setter uses it: a client logged in as admin."""

from __future__ import annotations

import httpx

API_TIMEOUT_S = 60.0


def admin_client(url: str, password: str) -> httpx.Client:
    """An API client of the server at ``url``, logged in as admin with ``password``."""
    answer = httpx.post(f"{url}/api/v1/session", json={"username": "admin", "password": password})
    assert answer.status_code == 200, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    return httpx.Client(base_url=url, headers=headers, timeout=API_TIMEOUT_S)
