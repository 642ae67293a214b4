"""Assessing never raises: junk in any field of any kind gives a verdict, Unknown at worst."""

from __future__ import annotations

import itertools

import pytest

from gitward.health import Health, HealthCustomizations, assess
from gitward.health.checks import BUILT_IN

KINDS = [(group, kind) for group, kind in BUILT_IN] + [
    ("argoproj.io", "Application"),
    ("example.com", "Widget"),  # the generic convention check
    ("ec2.aws.upbound.io", "Instance"),  # Crossplane, found by its group
]
JUNK = [None, 3, "text", ["a", 1], {"x": {"y": [None]}}, True]
FIELDS = ["metadata", "spec", "status"]


def _api_version(group: str) -> str:
    return f"{group}/v1" if group else "v1"


def _objects():
    for (group, kind), field, junk in itertools.product(KINDS, FIELDS, JUNK):
        yield pytest.param(
            {"apiVersion": _api_version(group), "kind": kind, field: junk},
            id=f"{group or 'core'}/{kind} {field}={junk!r}",
        )


def _nested_junk():
    """Junk one level down, where checks look for lists of conditions and container states."""
    for (group, kind), junk in itertools.product(KINDS, JUNK):
        status = {
            "conditions": [junk, {"type": junk, "status": junk, "message": junk}],
            "containerStatuses": [{"name": junk, "state": junk, "lastState": {"terminated": junk}}],
            "initContainerStatuses": junk,
            "loadBalancer": {"ingress": [junk]},
            "health": {"status": junk, "message": junk},
            "sync": {"status": junk, "revision": junk, "revisions": junk, "comparedTo": junk},
            "operationState": junk,
            "phase": junk,
        }
        yield pytest.param(
            {"apiVersion": _api_version(group), "kind": kind, "status": status},
            id=f"{group or 'core'}/{kind} nested {junk!r}",
        )


@pytest.mark.parametrize("obj", list(_objects()) + list(_nested_junk()))
def test_junk_fields_give_a_verdict_not_an_exception(obj):
    health = assess(obj, expected_revision="abc")

    assert isinstance(health, Health)
    assert "malformed" not in health.message  # the readers coped; the last-resort net did not


def test_the_last_resort_net_still_turns_a_surprise_into_unknown():
    class Surprising(dict):  # a mapping whose reads fail in a way no reader expects
        def get(self, *args, **kwargs):
            raise KeyError("surprise")

    health = assess(Surprising(kind="Pod"))

    assert health.status.value == "Unknown"
    assert health.message == "Cannot assess health: malformed Pod ('surprise')"


@pytest.mark.parametrize("obj", [None, [], "Deployment", 3])
def test_an_object_that_is_not_a_mapping_is_unknown(obj):
    assert assess(obj).message == "Cannot assess health: the object is not a mapping"


def test_junk_reaches_lua_scripts_safely():
    custom = HealthCustomizations.from_config(
        {"resource.customizations.health.example.com_Widget": "return {status = 'Healthy'}"}
    )
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "status": {1: object(), "x": {2}}}

    assert isinstance(assess(widget, customizations=custom), Health)
