"""The chart port's public surface: what the controller, server and CLI may import."""

from __future__ import annotations

import gitward.charts


def test_the_public_surface_is_listed_and_exists() -> None:
    assert sorted(gitward.charts.__all__) == [
        "AccessLookup",
        "AddressPolicy",
        "ArchiveLimits",
        "ChartAccess",
        "ChartDependencies",
        "ChartRepositories",
        "ChartRequest",
        "fetch_dependencies",
    ]
    assert [name for name in gitward.charts.__all__ if not hasattr(gitward.charts, name)] == []


def test_chart_access_never_shows_its_secrets() -> None:
    access = gitward.charts.ChartAccess(username="ci", password="p4ss", bearer_token="t0ken")
    assert "p4ss" not in repr(access) and "t0ken" not in repr(access)
    assert set(access.secrets()) == {"p4ss", "t0ken"}
    assert access.headers() == {"Authorization": "Bearer t0ken"}
    assert access.basic_auth() is None
