"""Render throughput of the in-process Helm renderer (cold, warm, uncached) vs `helm template`.

Builds N synthetic Helm apps, each its own copy of the example's parent chart
(examples/ai-chatbot-infra/helm/ai-chatbot: a parent and its component subcharts, 14-18 objects)
with its own values (replicas, image tags, autoscaling, hosts, MongoDB size), then measures:

- cold: a fresh Renderer renders every app once (chart loaded, rendered, parsed; no cache hit);
- warm: the same Renderer renders every app again at the same commit (manifest cache hits);
- uncached: one chart at one commit rendered with different inline values each time, so no
  render is served from the manifest cache: the values are merged, the templates rendered and
  the output parsed afresh every time; only the loaded chart (Helm's parsed Chart.yaml,
  templates and files, keyed by commit and chart directory) is reused, as the controller reuses
  it for many apps of one chart;
- uncached, chart loaded: the same with no commit SHA, which bypasses every cache (the chart
  is loaded from disk for each render too);
- helm: the first M apps through `helm template` processes, as Argo CD's repo server runs it
  (skipped when no helm binary is on PATH or in .tools/bin).

Prints figures and ratios for people, and as its last line one JSON object for machines.
Usage: python bench/render.py [--apps N] [--helm-apps M]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitward.model.application import Application, Destination
from gitward.model.sources import HelmOptions, Source
from gitward.render import Renderer

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE_CHART = PROJECT / "examples" / "ai-chatbot-infra" / "helm" / "ai-chatbot"
# Bitnami's mongodb as the example's demo serves it; vendored into each copy (as `helm
# dependency build` leaves it) so this measures rendering, not fetching (bench/charts.py does).
EXAMPLE_MONGODB = PROJECT / "examples" / "ai-chatbot-infra" / "charts-repo" / "mongodb"
COMPONENTS = ("backend", "frontend", "ml", "worker")


def values_for(index: int) -> str:
    """Distinct values per app: replicas, tags, autoscaling on every other app, host, disk."""
    autoscale = index % 2 == 1
    lines = [f"global:\n  environment: bench-{index}\n  logLevel: info"]
    for component in COMPONENTS:
        lines.append(
            f"{component}:\n  replicaCount: {1 + index % 3}\n"
            f"  image:\n    tag: v{index}.{len(component)}\n"
            f"  autoscaling:\n    enabled: {str(autoscale).lower()}\n"
            f"    minReplicas: 2\n    maxReplicas: {4 + index % 5}\n"
            "    targetCPUUtilizationPercentage: 75"
        )
    lines.append(f"mongodb:\n  enabled: true\n  persistence:\n    size: {8 + index % 10}Gi")
    lines.append(f"migrations:\n  enabled: {str(index % 3 == 0).lower()}")
    lines.append(
        "ingress:\n  enabled: true\n  className: alb\n  hosts:\n"
        f"    - host: app-{index}.bench.example.com\n      paths:\n"
        "        - {path: /, pathType: Prefix, serviceName: frontend, servicePort: 80}"
    )
    return "\n".join(lines) + "\n"


def build_apps(root: Path, count: int) -> list[Application]:
    """``count`` apps, each rendering its own chart copy with its own value file."""
    apps = []
    for index in range(count):
        base = f"apps/app-{index:04d}"
        shutil.copytree(EXAMPLE_CHART, root / base / "chart")
        shutil.copytree(EXAMPLE_MONGODB, root / base / "chart" / "charts" / "mongodb")
        (root / base / "values.yaml").write_text(values_for(index))
        source = Source(
            repo_url="https://example.invalid/bench.git",
            path=f"{base}/chart",
            helm=HelmOptions(value_files=("../values.yaml",)),
        )
        apps.append(
            Application(
                name=f"bench-{index:04d}",
                project="default",
                sources=(source,),
                destination=Destination(
                    server="https://kubernetes.default.svc", namespace=f"ns-{index % 7}"
                ),
            )
        )
    return apps


def shared_chart_apps(root: Path, count: int) -> list[Application]:
    """``count`` apps of one chart copy, each with its own inline values (never a cache hit)."""
    shutil.copytree(EXAMPLE_CHART, root / "shared" / "chart")
    shutil.copytree(EXAMPLE_MONGODB, root / "shared" / "chart" / "charts" / "mongodb")
    return [
        Application(
            name=f"fresh-{index:04d}",
            project="default",
            sources=(
                Source(
                    repo_url="https://example.invalid/bench.git",
                    path="shared/chart",
                    helm=HelmOptions(values=values_for(index)),
                ),
            ),
            destination=Destination(
                server="https://kubernetes.default.svc", namespace=f"ns-{index % 7}"
            ),
        )
        for index in range(count)
    ]


def render_uncached(
    renderer: Renderer, apps: list[Application], root: Path, sha: str | None
) -> tuple[float, float]:
    """Seconds (wall, CPU of this process and its Go threads) to render every app once,
    checking that none was served from the cache."""
    start, cpu = time.perf_counter(), time.process_time()
    for app in apps:
        rendered = renderer.render(app, app.source, root, sha=sha)
        assert rendered.objects and not rendered.cached, app.name
    return time.perf_counter() - start, time.process_time() - cpu


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def render_all(renderer: Renderer, apps: list[Application], root: Path, sha: str) -> float:
    """Seconds to render every app once; checks each app produced objects."""
    start = time.perf_counter()
    for app in apps:
        rendered = renderer.render(app, app.source, root, sha=sha)
        assert rendered.objects, app.name
    return time.perf_counter() - start


def find_helm() -> str | None:
    return shutil.which("helm") or shutil.which("helm", path=str(PROJECT / ".tools" / "bin"))


def helm_all(helm: str, apps: list[Application], root: Path) -> tuple[float, float]:
    """Seconds (wall, CPU) for `helm template` of each app, with Argo CD's arguments."""
    start, cpu = time.perf_counter(), children_cpu()
    for app in apps:
        chart = root / app.source.path
        done = subprocess.run(
            [
                helm,
                "template",
                ".",
                "--name-template",
                app.name,
                "--namespace",
                app.destination.namespace,
                "--values",
                "../values.yaml",
                "--include-crds",
            ],
            cwd=chart,
            capture_output=True,
            check=False,
            env={**os.environ, "HELM_CACHE_HOME": str(root / ".helm")},
        )
        if done.returncode != 0:
            sys.exit(f"helm template failed for {app.name}: {done.stderr.decode()}")
    return time.perf_counter() - start, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=200, help="synthetic apps (default 200)")
    parser.add_argument("--helm-apps", type=int, default=20, help="apps run through helm")
    args = parser.parse_args()
    sha = "b" * 40
    with tempfile.TemporaryDirectory(prefix="gitward-bench-") as scratch:
        root = Path(scratch)
        apps = build_apps(root, args.apps + 1)
        warmup, apps = apps[0], apps[1:]
        Renderer().render(warmup, warmup.source, root, sha=None)  # load the Helm library once
        renderer = Renderer()
        cold = render_all(renderer, apps, root, sha)
        warm = render_all(renderer, apps, root, sha)
        objects = sum(len(renderer.render(a, a.source, root, sha=sha).objects) for a in apps)
        fresh_apps = shared_chart_apps(root, len(apps))
        uncached, uncached_cpu = render_uncached(Renderer(), fresh_apps, root, sha)
        loading, loading_cpu = render_uncached(Renderer(), fresh_apps, root, None)
        helm = find_helm()
        subset = apps[: max(1, min(args.helm_apps, len(apps)))]
        helm_s, helm_cpu = helm_all(helm, subset, root) if helm else (None, None)

    cold_rate = len(apps) / cold
    warm_rate = len(apps) / warm
    uncached_rate = len(apps) / uncached
    loading_rate = len(apps) / loading
    helm_rate = len(subset) / helm_s if helm_s else None

    def cpu_ms(seconds: float) -> float:
        return 1000 * seconds / len(apps)

    def cpu_ratio(seconds: float) -> float:
        return (helm_cpu or 0) / len(subset) / (seconds / len(apps))

    print(f"apps: {len(apps)} ({objects / len(apps):.1f} objects each on average)")
    print(
        f"cold in-process render: {cold_rate:8.1f} apps/s  ({1000 * cold / len(apps):.2f} ms/app)"
    )
    print(
        f"warm (cache hit)      : {warm_rate:8.1f} apps/s  ({1000 * warm / len(apps):.3f} ms/app)"
    )
    print(
        f"uncached (fresh values): {uncached_rate:7.1f} apps/s  "
        f"({1000 * uncached / len(apps):.2f} ms/app; loaded chart reused)"
    )
    print(
        f"uncached, chart loaded : {loading_rate:7.1f} apps/s  "
        f"({1000 * loading / len(apps):.2f} ms/app; no cache at all)"
    )
    if helm_rate is not None and helm_s is not None:
        print(
            f"helm template process : {helm_rate:8.1f} apps/s  "
            f"({1000 * helm_s / len(subset):.2f} ms/app, {len(subset)} apps)"
        )
        cold_ratio, warm_ratio = cold_rate / helm_rate, warm_rate / helm_rate
        print(f"cold vs helm: {cold_ratio:.1f}x   warm vs helm: {warm_ratio:.0f}x")
        print(
            f"uncached vs helm: {uncached_rate / helm_rate:.1f}x   "
            f"uncached, chart loaded vs helm: {loading_rate / helm_rate:.1f}x"
        )
        print(
            f"CPU per render (robust on a busy machine): uncached {cpu_ms(uncached_cpu):.2f} ms, "
            f"chart loaded {cpu_ms(loading_cpu):.2f} ms, helm process "
            f"{1000 * (helm_cpu or 0) / len(subset):.1f} ms; ratio "
            f"{cpu_ratio(uncached_cpu):.1f}x / {cpu_ratio(loading_cpu):.1f}x"
        )
    else:
        print("helm template process : skipped (no helm binary on PATH or in .tools/bin)")
    result = {
        "apps": len(apps),
        "render_cold_apps_per_s": round(cold_rate, 1),
        "render_warm_apps_per_s": round(warm_rate, 1),
        "helm_process_apps_per_s": round(helm_rate, 2) if helm_rate else None,
        "render_uncached_apps_per_s": round(uncached_rate, 1),
        "render_uncached_chart_loaded_apps_per_s": round(loading_rate, 1),
        "ratio_cold_vs_helm": round(cold_rate / helm_rate, 2) if helm_rate else None,
        "ratio_uncached_vs_helm": round(uncached_rate / helm_rate, 2) if helm_rate else None,
        "ratio_uncached_chart_loaded_vs_helm": (
            round(loading_rate / helm_rate, 2) if helm_rate else None
        ),
        "ratio_warm_vs_helm": round(warm_rate / helm_rate, 1) if helm_rate else None,
        "cpu_ms_per_uncached_render": round(cpu_ms(uncached_cpu), 2),
        "cpu_ms_per_uncached_chart_loaded_render": round(cpu_ms(loading_cpu), 2),
        "cpu_ms_per_helm_process": round(1000 * helm_cpu / len(subset), 1) if helm_cpu else None,
        "cpu_ratio_uncached_vs_helm": round(cpu_ratio(uncached_cpu), 1) if helm_cpu else None,
        "cpu_ratio_uncached_chart_loaded_vs_helm": (
            round(cpu_ratio(loading_cpu), 1) if helm_cpu else None
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
