"""ApplicationSets at scale: expand one set of 500 list elements into 500 Applications.

In this process: fasttemplate (the baseline); Go templates rendered the way gitward does
(every string of every parameter set in one call to Helm's ``tpl``), first on a fresh engine and
then again (a parent's next refresh: the rendered jobs are remembered). Each generated
Application is parsed as any Application is. Prints figures for people, and as its
last line one JSON object for machines. Usage: python bench/appsets.py [--elements N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from gitward.appsets.expanding import Expander
from gitward.appsets.generating import Ports
from gitward.appsets.templating import GoTemplates
from gitward.errors import Location
from gitward.git.repo import Checkout
from gitward.model.appsets import parse_appset


class NoGit:
    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        raise AssertionError("a list generator reads no git")


def appset(elements: int, go: bool) -> dict[str, Any]:
    ref = (lambda name: f"{{{{.{name}}}}}") if go else (lambda name: f"{{{{{name}}}}}")
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "bench", "namespace": "argocd"},
        "spec": {
            "goTemplate": go,
            "generators": [
                {
                    "list": {
                        "elements": [
                            {"team": f"team-{i:04d}", "url": "https://kubernetes.default.svc"}
                            for i in range(elements)
                        ]
                    }
                }
            ],
            "template": {
                "metadata": {"name": f"app-{ref('team')}", "labels": {"team": ref("team")}},
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": "https://git.example.com/apps.git",
                        "targetRevision": "main",
                        "path": f"apps/{ref('team')}",
                        "helm": {"valueFiles": [f"values/{ref('team')}.yaml"]},
                    },
                    "destination": {"server": ref("url"), "namespace": ref("team")},
                },
            },
        },
    }


def timed(run: Any, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--elements", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    templates = GoTemplates()
    expander = Expander(templates)

    def go_engine() -> GoTemplates:
        return GoTemplates()

    ports = Ports(NoGit())
    fast_set = parse_appset(appset(args.elements, go=False)).value
    go_set = parse_appset(appset(args.elements, go=True)).value

    def expand(which: Any, engine: Expander = expander) -> int:
        return len(asyncio.run(engine.expand(which, ports)).apps)

    assert expand(fast_set) == expand(go_set) == args.elements
    fast_ms = timed(lambda: expand(fast_set), args.rounds)
    fresh_ms = timed(lambda: expand(go_set, Expander(go_engine())), args.rounds)
    again_ms = timed(lambda: expand(go_set), args.rounds)
    print(f"{args.elements} Applications from one list generator (median of {args.rounds})")
    print(f"  fasttemplate (baseline)           {fast_ms:8.1f} ms")
    print(f"  Go templates, first render        {fresh_ms:8.1f} ms  ({fresh_ms / fast_ms:.1f}x)")
    print(f"  Go templates, next refresh        {again_ms:8.1f} ms  ({again_ms / fast_ms:.1f}x)")
    print(
        json.dumps(
            {
                "elements": args.elements,
                "fast_ms": round(fast_ms, 1),
                "go_first_ms": round(fresh_ms, 1),
                "go_again_ms": round(again_ms, 1),
                "go_first_vs_fast": round(fresh_ms / fast_ms, 2),
                "go_again_vs_fast": round(again_ms / fast_ms, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
