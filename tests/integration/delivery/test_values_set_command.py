"""``gitward values set`` as CI runs it: real CLI processes, real git, a local bare repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.example import EXAMPLE
from support.repos import identity

DEV_VALUES = EXAMPLE / "gitops" / "dev" / "values.yaml"
WRITERS = 20
IDENTITY = identity("ci")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=_env()
    )
    return done.stdout


def _env(**extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return {**environ, **IDENTITY, **extra}


def gitward(*args: str, cwd: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitward", "values", "set", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(**env),
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository whose main branch holds gitops/dev/values.yaml and 20 services."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = clone(bare, tmp_path / "seed")
    services = "".join(f"  s{n:02d}:\n    image:\n      tag: old  # CI\n" for n in range(WRITERS))
    (seed / "gitops" / "dev").mkdir(parents=True)
    (seed / "gitops" / "dev" / "values.yaml").write_bytes(DEV_VALUES.read_bytes())
    (seed / "services.yaml").write_text(f"# one entry per service\nservices:\n{services}")
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "seed")
    git(seed, "push", "--quiet", "origin", "main")
    return bare


def clone(bare: Path, where: Path) -> Path:
    git(bare.parent, "clone", "--quiet", str(bare), str(where))
    return where


def test_twenty_concurrent_writers_all_land_on_a_linear_history(
    origin: Path, tmp_path: Path
) -> None:
    clones = [clone(origin, tmp_path / f"job{n:02d}") for n in range(WRITERS)]
    running = [
        gitward("services.yaml", f"services.s{n:02d}.image.tag=sha{n:02d}", "--push", cwd=work)
        for n, work in enumerate(clones)
    ]
    results = [finished(process) for process in running]
    assert [code for code, _, _ in results] == [0] * WRITERS, [err for _, _, err in results]
    log = git(origin, "log", "--format=%H %P %s", "main").splitlines()
    assert len(log) == WRITERS + 1
    assert all(len(line.split(" ", 2)[1].split()) <= 1 for line in log)  # no merges
    assert git(origin, "rev-list", "--merges", "main") == ""
    final = yaml.safe_load(git(origin, "show", "main:services.yaml"))
    tags = {name: entry["image"]["tag"] for name, entry in final["services"].items()}
    assert tags == {f"s{n:02d}": f"sha{n:02d}" for n in range(WRITERS)}
    assert git(origin, "show", "main:services.yaml").count("  # CI\n") == WRITERS


def test_a_stale_clone_reapplies_its_edit_on_the_new_head(origin: Path, tmp_path: Path) -> None:
    first, second = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    values = "gitops/dev/values.yaml"
    code, out, err = finished(gitward(values, "backend.image.tag=abc", "--push", cwd=first))
    assert code == 0, err
    code, out, err = finished(gitward(values, "frontend.image.tag=def", "--push", cwd=second))
    assert code == 0, err
    assert out.splitlines()[-1] == "pushed to origin/main after 2 attempts"
    pushed = git(origin, "show", f"main:{values}")
    original = DEV_VALUES.read_text(encoding="utf-8")
    expected = original.replace("backend\n    tag: latest", "backend\n    tag: abc").replace(
        "frontend\n    tag: latest", "frontend\n    tag: def"
    )
    assert pushed == expected


def test_the_commit_says_what_changed_and_which_ci_run_did_it(origin: Path, tmp_path: Path) -> None:
    work = clone(origin, tmp_path / "ci")
    github = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "org/app",
        "GITHUB_RUN_ID": "42",
    }
    process = gitward("gitops/dev/values.yaml", "ml.image.tag=abc123", "--push", cwd=work, **github)
    code, out, err = finished(process)
    assert code == 0, err
    assert out.splitlines()[0] == "set ml.image.tag=abc123 in gitops/dev/values.yaml (was latest)"
    message = git(origin, "log", "-1", "--format=%B", "main")
    assert message == (
        "ci(values): set ml.image.tag=abc123 in gitops/dev/values.yaml\n\n"
        "Gitward-Values: gitops/dev/values.yaml ml.image.tag=abc123\n"
        "Gitward-CI-Run: https://github.com/org/app/actions/runs/42\n\n"
    )
    trailers = git(origin, "log", "-1", "--format=%(trailers:key=Gitward-Values,valueonly)")
    assert trailers.strip() == "gitops/dev/values.yaml ml.image.tag=abc123"


def test_a_value_already_there_is_a_no_op_without_an_empty_commit(
    origin: Path, tmp_path: Path
) -> None:
    work = clone(origin, tmp_path / "ci")
    head = git(origin, "rev-parse", "main")
    code, out, err = finished(
        gitward("services.yaml", "services.s03.image.tag=old", "--push", cwd=work)
    )
    assert code == 0, err
    assert (
        out == "services.s03.image.tag already set in services.yaml: nothing to change or commit\n"
    )
    assert git(origin, "rev-parse", "main") == head
    assert git(work, "status", "--porcelain") == ""


def test_unpushed_local_commits_are_never_left_behind(origin: Path, tmp_path: Path) -> None:
    first, second = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    code, _, err = finished(
        gitward("services.yaml", "services.s01.image.tag=x", "--push", cwd=first)
    )
    assert code == 0, err
    (second / "notes.txt").write_text("mine\n")
    git(second, "add", "notes.txt")
    git(second, "commit", "--quiet", "-m", "local work")
    code, _, err = finished(
        gitward("services.yaml", "services.s02.image.tag=y", "--push", cwd=second)
    )
    assert code == 1
    assert "holds 1 commit(s) that origin lacks" in err
    assert (second / "notes.txt").is_file()
    assert git(second, "log", "-1", "--format=%s").startswith("ci(values): set services.s02")


def test_a_missing_key_fails_naming_file_and_key_and_commits_nothing(
    origin: Path, tmp_path: Path
) -> None:
    work = clone(origin, tmp_path / "ci")
    code, _, err = finished(
        gitward("services.yaml", "services.s99.image.tag=x", "--push", cwd=work)
    )
    assert code == 1
    assert err == (
        "error: services.yaml: services.s99.image.tag: no such key. "
        "Check the key's spelling, or pass --create to add it\n"
    )
    assert git(work, "status", "--porcelain") == ""


@pytest.mark.parametrize("attempts", ["1", "50"])
def test_a_push_the_remote_refuses_for_another_reason_fails_at_once(
    origin: Path, tmp_path: Path, attempts: str
) -> None:
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    work = clone(origin, tmp_path / "ci")
    process = gitward(
        "services.yaml", "services.s01.image.tag=x", "--push", "--attempts", attempts, cwd=work
    )
    code, _, err = finished(process)
    assert code == 1
    assert err.startswith("error: services.yaml: origin refused the push to main: ")
    assert "main is protected" in err
    assert git(work, "rev-list", "--count", "origin/main..main").strip() == "1"  # kept locally


def test_the_file_may_be_named_inside_the_clone_given_with_repo(
    origin: Path, tmp_path: Path
) -> None:
    work = clone(origin, tmp_path / "ci")
    process = gitward(
        "services.yaml", "services.s05.image.tag=v2", "--repo", str(work), "--commit", cwd=tmp_path
    )
    code, out, err = finished(process)
    assert code == 0, err
    assert out.splitlines()[0] == "set services.s05.image.tag=v2 in services.yaml (was old)"
    assert (
        git(work, "log", "-1", "--format=%s")
        == "ci(values): set services.s05.image.tag=v2 in services.yaml\n"
    )
    assert git(origin, "rev-list", "--count", "main").strip() == "1"  # --commit does not push


@pytest.mark.parametrize("option", ["--remote", "--branch"])
def test_a_remote_or_branch_that_git_would_read_as_an_option_is_refused(
    origin: Path, tmp_path: Path, option: str
) -> None:
    work = clone(origin, tmp_path / "ci")
    process = gitward(
        "services.yaml", "services.s01.image.tag=x", "--push", option, "--exec=x", cwd=work
    )
    code, _, err = finished(process)
    assert code == 2
    assert "'--exec=x' is not a valid name" in err
