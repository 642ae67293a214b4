"""Which promoted values the semver-images gate checks (by the key's name, as charts name image
values), and that it accepts exactly what the guardrail accepts on a rendered image."""

from __future__ import annotations

from pathlib import Path

import pytest

import gitward.guardrails
from gitward.delivery.imagetags import SEMVER_TAG, ImageValue, image_value, is_semver

TAG, REFERENCE = ImageValue.TAG, ImageValue.REFERENCE


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("image.tag", "latest", TAG),
        ("backend.image.tag", "v1.2.3", TAG),
        ("imageTag", "sha-7a8b9c0", TAG),
        ("workers[0].image.tag", "latest", TAG),
        ("backend.image.version", "15", TAG),  # under an image: a tag, whatever it looks like
        ("backend.version", "latest", TAG),
        ("backend.version", "1.2", TAG),
        ("backend.version", "15", None),  # a bare number may be a schema's version
        ("backend.version", "not a tag!", None),
        ("backend.imageVersion", "2", TAG),
        ("apiVersion", "v1", None),
        ("backend.image", "example/api:latest", REFERENCE),
        ("sidecarImage", "registry:5000/example/api@sha256:" + "a" * 64, REFERENCE),
        ("backend.image", "registry:5000/example/api", None),  # a repository, tag elsewhere
        ("backend.replicaCount", "3", None),
        ("backend.image.repository", "example/api", None),
    ],
)
def test_a_value_is_checked_when_its_key_names_an_image_tag_or_reference(
    key: str, value: str, kind: ImageValue | None
) -> None:
    assert image_value(key, value) is kind


@pytest.mark.parametrize(
    ("kind", "value", "passes"),
    [
        (TAG, "1.2.3", True),
        (TAG, "v1.2.3-rc.1", True),
        (TAG, "v1.2.3@sha256:" + "0" * 64, True),
        (TAG, "1.2", False),
        (TAG, "latest", False),
        (REFERENCE, "example/api:v1.2.3", True),
        (REFERENCE, "registry:5000/example/api:1.2.3-rc.1", True),
        (REFERENCE, "example/api:latest", False),
        (REFERENCE, "example/api@sha256:" + "0" * 64, False),  # the guardrail wants a tag too
    ],
)
def test_a_tag_or_reference_passes_as_the_guardrail_would(
    kind: ImageValue, value: str, passes: bool
) -> None:
    assert is_semver(kind, value) is passes


def test_the_gate_and_the_guardrail_use_one_pattern() -> None:
    policy = Path(gitward.guardrails.__file__).parent / "builtin" / "semver-images.yaml"
    assert f'":{SEMVER_TAG}$"' in policy.read_text()
