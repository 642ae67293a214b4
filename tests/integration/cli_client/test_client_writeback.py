"""CI's write-back reaching a cluster: ``gitward values set --push`` from a CI clone, and the
server deploying the pushed commit to the sandbox (real git, real HTTP, no shortcuts)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from cli_client_world import World, application

from support.processes import run_gitward
from support.repos import git, identity

IMAGE_KEY = "spec.template.spec.containers[0].image"


def ci_clone(world: World) -> Path:
    """A CI job's clone of the server's repository, which accepts pushes to main."""
    git(world.repo, "config", "receive.denyCurrentBranch", "updateInstead")
    work = world.tmp / "ci-job"
    subprocess.run(["git", "clone", "-q", str(world.repo), str(work)], check=True)
    return work


def values_set(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_gitward(["values", "set", *args], identity("ci"), cwd=work)


def live_image(world: World) -> str:
    with world.api() as client:
        answer = client.get("/api/v1/applications/guestbook/managed-resources").json()
    deployment = next(item for item in answer["items"] if item["kind"] == "Deployment")
    live = json.loads(deployment["liveState"])
    image: str = live["spec"]["template"]["spec"]["containers"][0]["image"]
    return image


def test_a_pushed_image_tag_is_deployed_by_the_server(world: World) -> None:
    world.login()
    world.create_app(application("guestbook", automated=True))
    world.wait_for_app("guestbook", _synced_and_healthy, timeout=90)
    work = ci_clone(world)

    done = values_set(work, "guestbook/deployment.yaml", f"{IMAGE_KEY}=nginx:1.28", "--push")

    assert done.returncode == 0, done.stderr
    pushed = git(world.repo, "rev-parse", "main")
    assert done.stdout.splitlines()[-1] == "pushed to origin/main"
    refreshed = world.run("app", "get", "guestbook", "--refresh")
    assert refreshed.exit_code == 0, refreshed.output

    def deployed(app: dict[str, Any]) -> bool:
        return _synced_and_healthy(app) and app["status"]["sync"].get("revision") == pushed

    world.wait_for_app("guestbook", deployed, timeout=120)
    assert live_image(world) == "nginx:1.28"


def _synced_and_healthy(app: dict[str, Any]) -> bool:
    status = app["status"]
    return status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"
