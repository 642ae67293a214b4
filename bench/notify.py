"""Notification costs: trigger evaluation and template rendering per app.

Builds N Applications as the API shows them (with an operation and conditions), each subscribed
to Argo CD's eight catalogue triggers (from tests/unit/notify's ConfigMap). Measures:

- decisions/s: ``decide()`` over every app (eight triggers, their ``when`` and ``oncePer``
  through the expr-lang evaluator), against the baseline of copying each app's JSON once
  (``json.loads(json.dumps(app))``, what building the app's JSON costs at least);
- renders/s: the catalogue's app-sync-succeeded and app-health-degraded templates (message and
  email subject) through Helm's ``tpl``, one call per notification;
- a predicate condition (``any``/``filter`` over a sync result of 100 resources, as users write
  to be told only of real changes): evaluations/s, against the catalogue's on-deployed
  condition evaluated over the same app in the same process.

Prints figures for people, and as its last line one JSON object for machines.
Usage: python bench/notify.py [--apps N] [--renders N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from gitward.notify.config import load_notify_config
from gitward.notify.expr import compile_expression
from gitward.notify.templates import TemplateRenderer, render_templates
from gitward.notify.triggers import decide

CATALOGUE = Path(__file__).parents[1] / "tests" / "unit" / "notify"
TRIGGERS = (
    "on-created",
    "on-deleted",
    "on-deployed",
    "on-health-degraded",
    "on-sync-failed",
    "on-sync-running",
    "on-sync-status-unknown",
    "on-sync-succeeded",
)


def application(i: int) -> dict[str, Any]:
    annotations = {f"notifications.argoproj.io/subscribe.{t}.hooks": "" for t in TRIGGERS}
    revision = f"{i:040x}"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": f"app-{i}", "namespace": "argocd", "annotations": annotations},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/x.git", "path": f"apps/{i}"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": f"ns-{i}"},
        },
        "status": {
            "sync": {"status": "Synced", "revision": revision},
            "health": {
                "status": ("Healthy", "Degraded", "Progressing")[i % 3],
                "lastTransitionTime": "2026-12-07T10:00:05Z",
            },
            "conditions": [{"type": "SyncError", "message": "x"}] if i % 5 == 0 else [],
            "reconciledAt": "2026-12-07T10:00:06Z",
            "operationState": {
                "phase": ("Succeeded", "Failed", "Running")[i % 3],
                "startedAt": "2026-12-07T10:00:00Z",
                "finishedAt": "2026-12-07T10:00:04Z",
                "syncResult": {"revision": revision},
            },
        },
    }


PREDICATE = (
    "app.status.operationState.phase in ['Succeeded'] and "
    "any(app.status.operationState.syncResult.resources ?? [], {.message endsWith 'configured'})"
    " and len(filter(app.status.operationState.syncResult.resources, .kind == 'Deployment')) > 0"
)
PLAIN = (
    "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] "
    "and app.status.health.status == 'Healthy'"
)


def conditions(app: dict[str, Any], rounds: int = 2000) -> tuple[float, float]:
    """(predicate evaluations/s, plain condition evaluations/s) over ``app`` with a sync result
    of 100 resources, the changed one last."""
    resources = [
        {"kind": "ConfigMap", "name": f"c{i}", "message": f"configmap/c{i} unchanged"}
        for i in range(99)
    ]
    resources.append(
        {"kind": "Deployment", "name": "web", "message": "deployment.apps/web configured"}
    )
    status = {
        **app["status"],
        "operationState": {"phase": "Succeeded", "syncResult": {"resources": resources}},
    }
    env = {"app": {**app, "status": status}}
    figures = []
    for source in (PREDICATE, PLAIN):
        expression = compile_expression(source)
        started = time.perf_counter()
        for _ in range(rounds):
            expression.evaluate(env)
        figures.append(per_second(rounds, time.perf_counter() - started))
    return figures[0], figures[1]


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--renders", type=int, default=200)
    args = parser.parse_args()
    config = load_notify_config(
        CATALOGUE / "argocd-notifications-cm.yaml", CATALOGUE / "argocd-notifications-secret.yaml"
    )
    apps = [application(i) for i in range(args.apps)]

    started = time.perf_counter()
    for app in apps:
        json.loads(json.dumps(app))
    copying = time.perf_counter() - started

    started = time.perf_counter()
    due = sum(len(decide(config, app, {}).due) for app in apps)
    deciding = time.perf_counter() - started

    renderer = TemplateRenderer()
    names = ("app-sync-succeeded", "app-health-degraded")
    data = {"app": apps[0], "context": dict(config.context), "serviceType": "email"}
    started = time.perf_counter()
    for _ in range(args.renders):
        render_templates(renderer, config, names, "email", data)
    rendering = time.perf_counter() - started

    predicate_per_s, plain_per_s = conditions(apps[0])

    figures = {
        "apps": args.apps,
        "due": due,
        "decisions_per_s": round(per_second(args.apps, deciding)),
        "baseline_copies_per_s": round(per_second(args.apps, copying)),
        "decision_vs_copy": round(deciding / copying, 2) if copying else None,
        "renders_per_s": round(per_second(args.renders, rendering), 1),
        "ms_per_render": round(rendering / args.renders * 1000, 2),
        "predicate_evaluations_per_s": round(predicate_per_s),
        "plain_condition_evaluations_per_s": round(plain_per_s),
        "predicate_vs_plain": round(plain_per_s / predicate_per_s, 2),
    }
    print(f"{args.apps} apps x {len(TRIGGERS)} triggers: {figures['decisions_per_s']} decisions/s")
    print(f"baseline (copy each app's JSON): {figures['baseline_copies_per_s']} apps/s")
    print(f"a decision costs {figures['decision_vs_copy']}x a copy of the app's JSON")
    print(f"templates (2 per notification, Helm tpl): {figures['ms_per_render']} ms/notification")
    print(
        f"predicate over 100 resources: {figures['predicate_evaluations_per_s']} evaluations/s "
        f"({figures['predicate_vs_plain']}x the catalogue's on-deployed condition)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
