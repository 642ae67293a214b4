"""Chart versions and ranges choose what Masterminds semver (Helm, Argo CD) chooses."""

from __future__ import annotations

import pytest

from gitward.charts.versions import highest, is_exact, parse_range

LISTED = ["0.9.0", "1.0.0", "1.2.0", "1.2.3", "1.3.0-rc.1", "1.3.0", "2.0.0", "2.1.0-beta"]


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        ("1.2.3", "1.2.3"),
        ("v1.2.3", "1.2.3"),
        ("1.2", "1.2.0"),
        ("<=1.2", "1.2.3"),
        (">1.2", "2.0.0"),
        ("*", "2.0.0"),
        (">=0.0.0", "2.0.0"),
        ("^1.2", "1.3.0"),
        ("^0.9", "0.9.0"),
        ("~1.2", "1.2.3"),
        ("~1.2.0", "1.2.3"),
        ("1.x", "1.3.0"),
        ("1.2.x", "1.2.3"),
        (">=1 <2", "1.3.0"),
        (">=1, <1.3", "1.2.3"),
        ("<1.0.0 || >=2.0.0", "2.0.0"),
        ("1.0 - 1.2", "1.2.3"),
        ("1.3.0-rc.1", "1.3.0-rc.1"),
        (">=1.3.0-rc.0 <1.3.0", "1.3.0-rc.1"),
        (">2.0.0", None),
        ("3.0.0", None),
        ("!=2.0.0", "1.3.0"),
    ],
)
def test_a_range_chooses_the_highest_version_it_admits(wanted: str, chosen: str | None) -> None:
    assert highest(LISTED, wanted) == chosen


def test_a_prerelease_is_chosen_only_by_a_range_that_names_one() -> None:
    assert highest(["2.1.0-beta"], "^2") is None
    assert highest(["2.1.0-beta"], ">=2.1.0-alpha") == "2.1.0-beta"


def test_exact_versions_and_ranges_are_told_apart() -> None:
    assert is_exact("1.2.3") and is_exact("v1")
    assert not is_exact("^1.2") and not is_exact(">=1")


def test_nonsense_is_no_range() -> None:
    assert parse_range("latest") is None
    assert highest(LISTED, "latest") is None
