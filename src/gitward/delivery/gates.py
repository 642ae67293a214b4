"""What must hold before values move from one environment to the next.

Two gates, as the strategy document's release process asks:

- the source app is ``Synced`` and ``Healthy`` at the revision the values are read from: what
  is promoted is what runs, and runs well, in the source environment. ``--force`` passes this
  gate (the promotion is then recorded as forced);
- a target project that enables the built-in guardrail ``semver-images`` (its
  ``gitward.io/policies`` annotation, in Deny mode) takes only semantic-version image tags: a
  promoted value that holds an image tag or a whole image reference (by its key's name, as
  :mod:`gitward.delivery.imagetags` says: ``backend.image.tag``, ``imageTag``,
  ``backend.image.version``, ``backend.image: example/api:1.2.3``...) must be ``1.2.3`` or
  ``v1.2.3`` (a pre-release such as ``-rc.1`` allowed), the rule the policy applies to rendered
  images. ``--force`` does not pass it: the sync would be refused anyway.

A refusal is a :class:`PromotionRefusedError` saying what is wrong and what to do. It decides
only; it reads nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitward.delivery import imagetags
from gitward.delivery.valuefiles import FoundValue
from gitward.errors import GitwardError, Location
from gitward.model.project import AppProject

__all__ = [
    "SEMVER_POLICY",
    "PromotionRefusedError",
    "check_semver",
    "check_source",
    "requires_semver",
]

SEMVER_POLICY = "semver-images"
_SYNCED, _HEALTHY = "Synced", "Healthy"


class PromotionRefusedError(GitwardError):
    """A gate refused the promotion: nothing was written."""


def check_source(
    app: str, *, sync_status: str, health_status: str, revision: str, forced: bool
) -> None:
    """Refuse unless ``app`` is Synced and Healthy at a known ``revision`` (or ``forced``)."""
    if forced:
        return
    at = f" at {revision[:12]}" if revision else ""
    if sync_status == _SYNCED and health_status == _HEALTHY and revision:
        return
    raise PromotionRefusedError(
        f"the source is {sync_status or 'Unknown'} and {health_status or 'Unknown'}{at}; "
        "promotion takes values only from an app that is Synced and Healthy at the revision "
        "holding them",
        where=Location(obj=f"Application {app}", field="status"),
        hint="Wait until it is synced and healthy, or promote with --force (recorded as forced)",
    )


def requires_semver(project: AppProject) -> bool:
    """Whether ``project`` enables ``semver-images`` in Deny mode (``NAME`` or ``NAME:Deny``)."""
    for entry in project.policies:
        name, _, mode = entry.partition(":")
        if name.strip() == SEMVER_POLICY and mode.strip().lower() in ("", "deny"):
            return True
    return False


def check_semver(project: AppProject, values: Sequence[FoundValue], *, target: str) -> None:
    """Refuse image tags that are not semantic versions when ``project`` requires them."""
    if not requires_semver(project):
        return
    for found in values:
        kind = imagetags.image_value(found.key, found.value)
        if kind is not None and not imagetags.is_semver(kind, found.value):
            what = (
                "a semantic version tag (such as v1.2.3)"
                if kind is imagetags.ImageValue.TAG
                else "an image with a semantic version tag (such as example/app:v1.2.3)"
            )
            raise PromotionRefusedError(
                f"{found.key}={found.value} is not {what}, and "
                f"project {project.name!r} requires them ({SEMVER_POLICY})",
                where=Location(obj=f"Application {target}", field=found.key),
                hint="Release a semantic version first and promote that, or change the "
                "project's gitward.io/policies annotation",
            )
