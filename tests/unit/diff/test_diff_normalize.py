"""Normalisation: quantities, pointers and the shape both sides are brought to."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from gitward import diff
from gitward.diff.paths import format_pointer, parse_pointer
from gitward.diff.quantities import canonical_quantity
from gitward.errors import ConfigError
from gitward.model.application import IgnoreDifference


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("1000m", "1"),
        ("0.5", "500m"),
        (0.5, "500m"),
        (1, "1"),
        ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"),
        ("1073741824", "1Gi"),
        ("1000M", "1G"),
        ("2G", "2G"),
        ("1e3", "1k"),
        ("100m", "100m"),
        ("0", "0"),
        ("not-a-quantity", "not-a-quantity"),
    ],
)
def test_a_quantity_has_one_spelling_per_amount(written: Any, canonical: str) -> None:
    assert canonical_quantity(written) == canonical


def test_binary_and_decimal_units_of_different_amounts_stay_different() -> None:
    assert canonical_quantity("1Gi") != canonical_quantity("1G")


def test_pointers_round_trip_with_escaped_slashes_and_tildes() -> None:
    path = parse_pointer("/metadata/annotations/example.com~1a~0b/0")

    assert path == ("metadata", "annotations", "example.com/a~b", 0)
    assert format_pointer(path) == "/metadata/annotations/example.com~1a~0b/0"


def test_a_pointer_without_a_leading_slash_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_pointer("spec/replicas")

    assert "spec/replicas" in caught.value.message


def test_normalising_drops_server_fields_and_never_changes_its_input() -> None:
    live = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "s",
            "namespace": "dev",
            "uid": "u",
            "resourceVersion": "1",
            "managedFields": [{"manager": "m"}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
        },
        "stringData": {"a": "x"},
        "data": {"b": None},
        "status": {"phase": "whatever"},
    }
    before = copy.deepcopy(live)

    normalised = diff.normalize(live)

    assert normalised == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"a": "eA==", "b": ""},
    }
    assert live == before


def test_malformed_shapes_do_not_crash_the_comparison() -> None:
    odd = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": "not-a-map", "spec": [1, 2]}
    other = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": 3}

    result = diff.compare(odd, other)

    assert result.status == "OutOfSync"


def _random_value(rnd: random.Random, depth: int = 0) -> Any:
    keys = [
        "spec",
        "metadata",
        "containers",
        "ports",
        "resources",
        "requests",
        "data",
        "port",
        "stringData",
        "managedFields",
        "fieldsV1",
        "f:spec",
        "volumeClaimTemplates",
        "name",
        'k:{"name":"a"}',
        "finalizers",
        "annotations",
        "env",
        "protocol",
    ]
    roll = rnd.random()
    if depth > 4 or roll < 0.3:
        return rnd.choice([None, 1, "1", "500m", "a", True, 0.5, "", [], {}, "x:latest"])
    if roll < 0.65:
        return {rnd.choice(keys): _random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}
    return [_random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]


def _random_object(rnd: random.Random) -> dict[str, Any]:
    fields = {
        rnd.choice(["spec", "metadata", "data", "stringData", "status"]): _random_value(rnd, 1)
        for _ in range(rnd.randint(0, 5))
    }
    return {
        **fields,
        "kind": rnd.choice(["Secret", "Deployment", "StatefulSet", "Service"]),
        "apiVersion": rnd.choice(["v1", "apps/v1"]),
    }


def test_arbitrary_shapes_never_crash_any_entry_point() -> None:
    rnd = random.Random(20260101)
    rule = IgnoreDifference(
        kind="*", group="*", json_pointers=("/spec/replicas",), managed_fields_managers=("m",)
    )
    outcomes = set()
    for _ in range(400):
        desired, live = _random_object(rnd), _random_object(rnd)
        result = diff.compare(desired, live, ignore=[rule])
        _ = result.diff
        diff.respect_ignored(desired, live, [rule])
        diff.hide_secret_data(desired, live)
        outcomes.add(result.status)

    assert outcomes <= {"Synced", "OutOfSync", "Unknown"}
    assert "OutOfSync" in outcomes
