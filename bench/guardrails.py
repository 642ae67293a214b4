"""Guardrails at scale: the five built-in policies over one app's rendered objects.

Builds N Deployments (3 containers each, with requests and semver tags) and checks them all with
every built-in policy enabled, as the controller does on each refresh. Baseline, in the same
process: the same five rules written directly in Python over the same objects, so the ratio is
what CEL (compiled once, evaluated by cel-expr-python's C++ runtime) costs over hand-written code.
Usage: python bench/guardrails.py [--objects N] [--rounds R]. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from gitward.guardrails import Guardrails
from gitward.guardrails.catalog import builtin_policies

SEMVER = re.compile(r":v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(@sha256:[0-9a-f]{64})?$")


def deployment(index: int) -> dict[str, Any]:
    containers = [
        {
            "name": f"c{c}",
            "image": f"registry.example.com/team/app-{index}-{c}:v1.{c}.{index}",
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        }
        for c in range(3)
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"app-{index}", "namespace": "prod", "labels": {"app": str(index)}},
        "spec": {"replicas": 3, "template": {"spec": {"containers": containers}}},
    }


def by_hand(objects: list[dict[str, Any]]) -> int:
    """The same rules in plain Python (the baseline)."""
    found = 0
    for obj in objects:
        if obj["kind"] == "Secret" and ("data" in obj or "stringData" in obj):
            found += 1
        for container in obj["spec"]["template"]["spec"]["containers"]:
            image = container["image"]
            if "@sha256:" not in image and (
                not re.search(r":[^/:@]+$", image) or image.endswith(":latest")
            ):
                found += 1
            if not SEMVER.search(image):
                found += 1
            if not container.get("resources", {}).get("requests"):
                found += 1
    return found


def timed(run: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    objects = [deployment(i) for i in range(args.objects)]
    enabled = {"prod": tuple(sorted(builtin_policies()))}
    guardrails = Guardrails()

    def check() -> None:
        found = guardrails.check("bench", objects, project="prod", enabled=enabled)
        assert not found, found[:1]

    check()  # compile once, as a running controller has
    cel_s = timed(check, args.rounds)
    hand_s = timed(lambda: by_hand(objects), args.rounds)
    per_object_us = cel_s / args.objects * 1e6
    print(f"{args.objects} Deployments x {len(enabled['prod'])} built-in policies")
    print(f"  CEL (cel-expr-python): {cel_s * 1000:.1f} ms, {per_object_us:.0f} µs per object")
    print(f"  plain Python baseline: {hand_s * 1000:.1f} ms")
    print(f"  ratio: {cel_s / hand_s:.1f} x the hand-written rules")
    print(
        json.dumps(
            {
                "objects": args.objects,
                "policies": len(enabled["prod"]),
                "cel_ms": round(cel_s * 1000, 2),
                "per_object_us": round(per_object_us, 1),
                "baseline_ms": round(hand_s * 1000, 2),
                "ratio": round(cel_s / hand_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
