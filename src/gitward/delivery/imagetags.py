"""Which promoted values the ``semver-images`` gate checks, and whether they pass.

The built-in guardrail ``semver-images`` (``gitward/guardrails/builtin/semver-images.yaml``)
checks rendered containers: every image must end in ``:TAG``, TAG a semantic version
(``1.2.3`` or ``v1.2.3``, a pre-release such as ``-rc.1`` allowed), optionally pinned further
with ``@sha256:<digest>``. A promotion copies values before anything is rendered, so it cannot
see which value becomes an image; it goes by the key's name, as charts name image values:

- a key whose last segment ends in ``tag`` (``image.tag``, ``backend.image.tag``, ``imageTag``)
  holds a tag;
- a key whose last segment is ``version`` holds a tag under an image (``backend.image.version``)
  or when its value looks like an image tag (``latest``, ``sha-7a8b9c0``, ``1.2``), a bare number
  excepted (``15`` is as often a schema's version); so does a last segment ending in ``Version``
  that names an image (``imageVersion``; not ``apiVersion``);
- a key whose last segment ends in ``image`` (``backend.image``, ``sidecarImage``) holding a
  whole reference with a tag or a digest (``example/api:1.2.3``, ``example/api@sha256:...``) is
  checked as the guardrail checks the image; one naming a repository only is not.

A tag passes when it is what the guardrail accepts after the image's last ``:``. It decides
only; it reads nothing.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from gitward.delivery.keys import parse_key
from gitward.errors import UsageError

__all__ = ["SEMVER_TAG", "ImageValue", "image_value", "is_semver"]

SEMVER_TAG: Final = r"v?[0-9]+[.][0-9]+[.][0-9]+(-[0-9A-Za-z.-]+)?(@sha256:[0-9a-f]{64})?"
"""The guardrail's pattern for what follows an image's last ``:`` (kept equal by a test)."""
_SEMVER_TAG: Final = re.compile(SEMVER_TAG)
_SEMVER_IMAGE: Final = re.compile(f":{SEMVER_TAG}$")
_TAG_GRAMMAR: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # the OCI spec's tag


class ImageValue(StrEnum):
    """What a promoted value is to the gate."""

    TAG = "tag"
    REFERENCE = "reference"


def image_value(key: str, value: str) -> ImageValue | None:
    """Whether ``key=value`` holds an image tag, a whole image reference, or neither (None)."""
    names = _names(key)
    if not names:
        return None
    last = names[-1].lower()
    if last.endswith("tag"):
        return ImageValue.TAG
    if last == "version" and (_under_image(names) or _looks_like_tag(value)):
        return ImageValue.TAG
    if last.endswith("version") and "image" in last:
        return ImageValue.TAG
    if last.endswith("image") and _has_tag_or_digest(value):
        return ImageValue.REFERENCE
    return None


def is_semver(kind: ImageValue, value: str) -> bool:
    """Whether the guardrail accepts ``value`` (a tag, or a reference ending in one)."""
    if kind is ImageValue.TAG:
        return _SEMVER_TAG.fullmatch(value) is not None
    return _SEMVER_IMAGE.search(value) is not None


def _names(key: str) -> list[str]:
    """The mapping keys along ``key`` (list indexes left out)."""
    try:
        steps = parse_key(key)
    except UsageError:
        return key.split(".")
    return [step.key for step in steps if not step.is_index]


def _under_image(names: list[str]) -> bool:
    return any("image" in name.lower() for name in names[:-1])


def _looks_like_tag(value: str) -> bool:
    return _TAG_GRAMMAR.fullmatch(value) is not None and not value.isdigit()


def _has_tag_or_digest(value: str) -> bool:
    """``repo:tag`` or ``repo@digest`` (a ``:`` before the last ``/`` is a registry's port)."""
    name = value.rsplit("/", 1)[-1]
    return ":" in name or "@" in name
