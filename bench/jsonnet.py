"""What bounding Jsonnet costs: reused worker processes against a fresh process per render.

Writes a directory source whose one ``.jsonnet`` file builds N ConfigMaps through a library in
``libs`` (given a TLA and an extVar), then renders it R times in this process (no cache: the
checkout has no commit) three ways: with gitward's reused worker processes (what the controller
does), with a fresh worker process per render (the baseline a per-render subprocess would cost),
and, for reference, with go-jsonnet called in this process with no time or memory bound (the
same import callback is not used there: imports are read by go-jsonnet from ``jpathdir``).
Prints the mean time per render of each and the ratios, and as its last line one JSON object.
Usage: python bench/jsonnet.py [--objects N] [--renders R]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from gitward.model.application import Application, Destination
from gitward.model.sources import DirectoryOptions, JsonnetOptions, JsonnetVar, Source
from gitward.render import Renderer
from gitward.render.jsonnetpool import JsonnetJob, JsonnetWorkers

MAIN = """
local k = import 'k.libsonnet';
function(count) [k.configMap('%s-%d' % [std.extVar('app'), i], i) for i in std.range(1, count)]
"""
LIB = """
{
  configMap(name, i):: {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name, labels: { index: '%d' % i } },
    data: { index: std.toString(i), even: std.toString(i % 2 == 0) },
  },
}
"""


def source(objects: int) -> Source:
    options = JsonnetOptions(
        tlas=(JsonnetVar("count", str(objects), code=True),),
        ext_vars=(JsonnetVar("app", "$ARGOCD_APP_NAME"),),
        libs=("vendor",),
    )
    return Source(
        repo_url="https://example.invalid/r.git",
        path="app",
        directory=DirectoryOptions(jsonnet=options),
    )


class FreshProcessPerRender:
    """The baseline: a new worker process for every evaluation, stopped after it."""

    def evaluate(self, job: JsonnetJob, timeout_s: float) -> str:
        workers = JsonnetWorkers(workers=1)
        try:
            return workers.evaluate(job, timeout_s)
        finally:
            workers.close()


def timed_renders(root: Path, objects: int, renders: int, runner: Any) -> list[float]:
    app_source = source(objects)
    app = Application(
        name="bench",
        project="default",
        sources=(app_source,),
        destination=Destination(server="https://kubernetes.default.svc", namespace="bench"),
    )
    renderer = Renderer(jsonnet=runner)
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        rendered = renderer.render(app, app_source, root, sha=None)
        times.append(time.perf_counter() - started)
        assert len(rendered.objects) == objects
    return times


def timed_in_process(root: Path, objects: int, renders: int) -> list[float]:
    binding = importlib.import_module("_gojsonnet")
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        output = binding.evaluate_file(
            str(root / "app" / "main.jsonnet"),
            jpathdir=[str(root / "vendor")],
            tla_codes={"count": str(objects)},
            ext_vars={"app": "bench"},
        )
        assert len(json.loads(output)) == objects
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--renders", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitward-bench-") as tmp:
        root = Path(tmp)
        (root / "app").mkdir()
        (root / "vendor").mkdir()
        (root / "app" / "main.jsonnet").write_text(MAIN)
        (root / "vendor" / "k.libsonnet").write_text(LIB)
        workers = JsonnetWorkers(workers=1)
        try:
            timed_renders(root, args.objects, 1, workers)  # start the worker once
            reused = statistics.mean(timed_renders(root, args.objects, args.renders, workers))
        finally:
            workers.close()
        fresh_times = timed_renders(root, args.objects, args.renders, FreshProcessPerRender())
        fresh = statistics.mean(fresh_times)
        in_process = statistics.mean(timed_in_process(root, args.objects, args.renders))
    print(f"{args.objects} ConfigMaps from Jsonnet, mean of {args.renders} renders:")
    print(f"  reused worker process:           {reused * 1000:8.1f} ms")
    print(f"  fresh process per render (base): {fresh * 1000:8.1f} ms")
    print(f"  go-jsonnet in process, unbounded:{in_process * 1000:8.1f} ms (evaluation only)")
    print(f"reused worker takes {reused / fresh:.2f} of the time a fresh process takes")
    print(
        json.dumps(
            {
                "objects": args.objects,
                "renders": args.renders,
                "reused_worker_ms": round(reused * 1000, 2),
                "fresh_process_ms": round(fresh * 1000, 2),
                "in_process_unbounded_ms": round(in_process * 1000, 2),
                "ratio_reused_to_fresh": round(reused / fresh, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
