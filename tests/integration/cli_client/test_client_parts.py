"""The client's pure parts: ``--resource`` patterns, durations, ``app set`` edits, diff text with
Secrets, and the config file."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from gitward.cli import config as cli_config
from gitward.cli.accounts import seconds
from gitward.cli.app_diffs import resource_diffs
from gitward.cli.app_operations import parse_resource, select_resources
from gitward.cli.app_settings import Edits, SyncPolicy, edited_spec
from gitward.errors import ConfigError, UsageError

APP: dict[str, Any] = {
    "status": {
        "resources": [
            {"group": "", "kind": "Service", "namespace": "dev", "name": "web"},
            {"group": "apps", "kind": "Deployment", "namespace": "dev", "name": "web"},
            {"group": "apps", "kind": "Deployment", "namespace": "jobs", "name": "web"},
        ]
    }
}


@pytest.mark.parametrize(
    ("patterns", "chosen"),
    [
        ([":Service:web"], [("Service", "dev")]),
        (["apps:Deployment:web"], [("Deployment", "dev"), ("Deployment", "jobs")]),
        (["apps:Deployment:jobs/web"], [("Deployment", "jobs")]),
        (["*:*:*", "!apps:*:*"], [("Service", "dev")]),
        (["!:Service:*"], [("Deployment", "dev"), ("Deployment", "jobs")]),
    ],
)
def test_resource_patterns_choose_as_argocd_does(
    patterns: list[str], chosen: list[tuple[str, str]]
) -> None:
    selected = select_resources("web", APP, [parse_resource(p) for p in patterns])

    assert [(r["kind"], r["namespace"]) for r in selected] == chosen


@pytest.mark.parametrize("text", ["Deployment", "apps:Deployment", "a:b:c:d", "apps::web", "::"])
def test_a_resource_pattern_needs_group_kind_and_name(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_resource(text)

    assert raised.value.problem == f"--resource {text!r} is not GROUP:KIND:NAME"


@pytest.mark.parametrize(
    ("text", "expected"), [("0", 0), ("90", 90), ("30s", 30), ("1h30m", 5400), ("7d", 604800)]
)
def test_durations_read_as_argocd_writes_them(text: str, expected: int) -> None:
    assert seconds(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "1x", "h", "-5m"])
def test_a_duration_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(UsageError):
        seconds(text)


def spec() -> dict[str, Any]:
    return {
        "source": {"repoURL": "https://x/r.git", "targetRevision": "main", "path": "a"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "dev"},
    }


def test_edits_leave_the_original_spec_alone_and_keep_other_fields() -> None:
    original = spec()

    edited = edited_spec("web", original, Edits(revision="v2", sync_policy=SyncPolicy.AUTOMATED))

    assert original == spec()
    assert edited["source"] == {"repoURL": "https://x/r.git", "targetRevision": "v2", "path": "a"}
    assert edited["syncPolicy"] == {"automated": {}}


def test_revision_of_a_multi_source_app_is_refused_with_what_to_do() -> None:
    multi = {"sources": [spec()["source"], spec()["source"]]}

    with pytest.raises(UsageError) as raised:
        edited_spec("web", multi, Edits(revision="v2"))

    assert raised.value.message == (
        "app 'web' has several sources; --revision and --path change single-source apps. "
        "Edit spec.sources in its Application file and apply it with app create --upsert"
    )


def test_turning_automation_off_drops_an_empty_sync_policy() -> None:
    automated = {**spec(), "syncPolicy": {"automated": {"prune": True}}}

    edited = edited_spec("web", automated, Edits(sync_policy=SyncPolicy.NONE))

    assert "syncPolicy" not in edited


def secret_item(live: dict[str, str], target: dict[str, str], diff: str) -> dict[str, Any]:
    def state(data: dict[str, str]) -> str:
        return json.dumps({"apiVersion": "v1", "kind": "Secret", "data": data})

    return {
        "group": "",
        "kind": "Secret",
        "namespace": "dev",
        "name": "db",
        "status": "OutOfSync",
        "diff": diff,
        "liveState": state(live),
        "targetState": state(target),
    }


def test_a_secret_diff_never_shows_a_value_even_when_the_server_sends_one() -> None:
    item = secret_item(
        {"password": "b2xk", "user": "YWRtaW4="},
        {"password": "bmV3", "user": "YWRtaW4="},
        "-  password: b2xk\n+  password: bmV3\n",
    )

    [diff] = resource_diffs([item])

    assert diff.differs
    assert diff.header == "===== /Secret dev/db ======"
    for value in ("b2xk", "bmV3", "YWRtaW4="):
        assert value not in diff.body
    assert "+  password: '****** (changed)'\n" in diff.body
    assert "  user: '******'\n" in diff.body


def test_a_resource_the_server_could_not_compare_counts_as_a_difference() -> None:
    item = {"kind": "ConfigMap", "name": "c", "status": "Unknown", "error": "render failed"}

    [diff] = resource_diffs([item])

    assert diff.differs
    assert diff.body == "# gitward could not compare this resource: render failed\n"


def test_the_config_file_round_trips_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "gitward" / "config.yaml"
    context = cli_config.Context("prod", "https://gitward.example.com", "admin", "tok", False)

    cli_config.save(cli_config.ClientConfig(path).with_context(context))
    loaded = cli_config.load(path)

    assert loaded.current_context() == context
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "tok" not in repr(loaded)


def test_the_config_path_follows_gitward_config_then_xdg(tmp_path: Path) -> None:
    explicit = cli_config.config_path({"GITWARD_CONFIG": str(tmp_path / "c.yaml")})
    xdg = cli_config.config_path({"XDG_CONFIG_HOME": str(tmp_path)})

    assert explicit == tmp_path / "c.yaml"
    assert xdg == tmp_path / "gitward" / "config.yaml"


def test_a_config_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("contexts: [\n")

    with pytest.raises(ConfigError) as raised:
        cli_config.load(path)

    assert raised.value.message == (
        f"{path}: the CLI config is not valid YAML. Fix or delete the file, then run gitward "
        "login again"
    )
