"""A client command loads only what it uses: run as its own process against a real server,
``gitward`` must not have imported the server, the controller, the store, the Helm SDK, the
sandbox, SQLAlchemy, lupa, FastAPI or uvicorn by the time it exits (each costs a person
seconds on every command), nor pydantic or httpx's own command line (a tenth of a second
each). ``--help`` does not load httpx either. The modules are read from the
process itself as it ends, so a lazy import that sneaks back to the top of a module fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_client_world import World, application

HEAVY_PACKAGES = (
    "gitward.server",
    "gitward.controller",
    "gitward.store",
    "gitward.sandbox",
    "gitward.kube",
    "gitward.render",
    "gitward.sync",
    "gitward.diff",
    "gitward.git",
    "helm_python",
    "sqlalchemy",
    "lupa",
    "fastapi",
    "starlette",
    "uvicorn",
    "lightkube",
    "alembic",
    "casbin",
    "jq",
    "pydantic",  # Typer reads every value through it, unless the value is plain (cli/values)
    "pygments",  # with click and rich: httpx's own command line, which gitward never runs
    "click",
    "h2",  # HTTP/2: the CLI speaks HTTP/1.1
)

# Runs gitward as ``python -m gitward`` does, then writes the names of the loaded modules.
RUN_AND_LIST = """
import json, os, runpy, sys
sys.argv = ["gitward", *sys.argv[1:]]
try:
    runpy.run_module("gitward", run_name="__main__")
except SystemExit as end:
    code = end.code
else:
    code = 0
with open(os.environ["MODULES_FILE"], "w") as listing:
    json.dump(sorted(sys.modules), listing)
sys.exit(code)
"""


def loaded_modules(config: Path, tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    """The exit code of ``gitward ARGS`` and the modules it had loaded when it ended."""
    listing = tmp_path / "modules.json"
    env = {**os.environ, "GITWARD_CONFIG": str(config), "MODULES_FILE": str(listing)}
    env.pop("GITWARD_SERVER", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, set(json.loads(listing.read_text()))


def heavy(modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if any(name == root or name.startswith(root + ".") for root in HEAVY_PACKAGES)
    )


@pytest.mark.parametrize(
    "args",
    [
        ("app", "list"),
        ("app", "get", "guestbook"),
        ("app", "wait", "guestbook", "--health", "--timeout", "1"),
        ("app", "history", "guestbook"),
        ("proj", "list"),
        ("appset", "list"),
        ("repo", "list"),
        ("cluster", "list"),
        ("account", "list"),
        ("promote", "guestbook", "--from", "guestbook", "--keys", "a.tag"),
    ],
    ids=" ".join,
)
def test_a_client_command_loads_no_server_controller_store_helm_or_sandbox(
    world: World, tmp_path: Path, args: tuple[str, ...]
) -> None:
    world.login()
    world.create_app(application("guestbook"))

    code, modules = loaded_modules(world.config_file, tmp_path, *args)

    assert code in (0, 1)  # the wait may time out: what it loaded is what counts
    assert "gitward.cli.client" in modules  # it did talk to the server
    assert heavy(modules) == []


def test_appset_create_dry_run_loads_no_heavy_module(world: World, tmp_path: Path) -> None:
    world.login()
    file = tmp_path / "set.yaml"
    file.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\n"
        "spec: {generators: [{list: {elements: [{e: a}]}}], template: {metadata: {name: "
        "'s-{{e}}'}, spec: {project: default, source: {repoURL: 'https://example.com/r.git', "
        "path: p}, destination: {server: 'https://kubernetes.default.svc', namespace: x}}}}\n"
    )

    code, modules = loaded_modules(
        world.config_file, tmp_path, "appset", "create", "-f", str(file), "--dry-run"
    )

    assert code == 0
    assert "gitward.cli.client" in modules
    assert heavy(modules) == []


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("app", "sync", "--help"),
        ("server", "--help"),
        ("demo", "--help"),
        ("render", "--help"),
        ("sandbox", "--help"),
    ],
    ids=" ".join,
)
def test_help_and_version_load_neither_heavy_modules_nor_httpx(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, modules = loaded_modules(tmp_path / "config.yaml", tmp_path, *args)

    assert code == 0
    assert heavy(modules) == []
    assert "httpx" not in modules
