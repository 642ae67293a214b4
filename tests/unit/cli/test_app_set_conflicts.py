"""``gitward app set`` reads, edits and writes back at the version it read: a conflict (the
controller's status write moved the version meanwhile) is read again and retried."""

from __future__ import annotations

from typing import Any, cast

import pytest

from gitward.cli.app_settings import Edits, put_edited
from gitward.cli.client import ApiClient, ApiError


class Server:
    """A stand-in for the API: each GET answers the app at its current version, a PUT at
    another version is a 409, and ``status_writes_between`` writes bump the version after
    the first GETs, as the controller's status writes do."""

    def __init__(self, status_writes_between: int) -> None:
        self.version = 3
        self.spec: dict[str, Any] = {
            "source": {"repoURL": "r", "path": "a", "targetRevision": "main"}
        }
        self.status_writes_between = status_writes_between
        self.puts: list[dict[str, Any]] = []

    def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        answer = {
            "metadata": {"name": "web", "resourceVersion": str(self.version)},
            "spec": self.spec,
        }
        if self.status_writes_between > 0:
            self.status_writes_between -= 1
            self.version += 1  # a status write lands between this read and the write
        return answer

    def put(self, path: str, document: dict[str, Any]) -> dict[str, Any]:
        self.puts.append(document)
        if int(document["metadata"]["resourceVersion"]) != self.version:
            raise ApiError("the record is at another version", code="conflict", status=409)
        self.spec, self.version = document["spec"], self.version + 1
        return document


def edits(revision: str) -> Edits:
    return Edits(revision=revision)


def test_a_status_write_between_read_and_write_is_retried_with_the_edit_applied() -> None:
    server = Server(status_writes_between=2)
    put_edited(cast(ApiClient, server), "web", edits("v2"))
    assert len(server.puts) == 3
    assert server.spec["source"]["targetRevision"] == "v2"
    assert server.spec["source"]["path"] == "a"


def test_a_conflict_that_never_clears_fails_with_the_servers_error() -> None:
    server = Server(status_writes_between=100)
    with pytest.raises(ApiError) as raised:
        put_edited(cast(ApiClient, server), "web", edits("v2"))
    assert raised.value.status == 409
    assert len(server.puts) == 5
