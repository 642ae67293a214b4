"""The Containerfile's rules, read from its instructions (no image can be built here: there is no
container runtime). Two stages, a base pinned by tag, nothing fetched by ADD or piped into a shell,
a numeric non-root user matching the chart's, and writable paths only where the chart mounts
emptyDir volumes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
import yaml
from deploy_support import CHART, CONTAINERFILE


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    argument: str


def instructions(text: str) -> list[Instruction]:
    """The Containerfile's instructions, continuation lines joined and comments dropped."""
    logical = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines()
                                             if not line.lstrip().startswith("#")))  # fmt: skip
    found, stage = [], -1
    for line in logical.splitlines():
        if not line.strip():
            continue
        keyword, _, argument = line.strip().partition(" ")
        stage += keyword.upper() == "FROM"
        found.append(Instruction(stage, keyword.upper(), argument.strip()))
    return found


@pytest.fixture(scope="module")
def parsed() -> list[Instruction]:
    return instructions(CONTAINERFILE.read_text())


def final(parsed: list[Instruction]) -> list[Instruction]:
    last = max(item.stage for item in parsed)
    return [item for item in parsed if item.stage == last]


def test_a_builder_stage_makes_the_wheel_and_the_final_stage_copies_only_the_environment(
    parsed: list[Instruction],
) -> None:
    froms = [item.argument for item in parsed if item.keyword == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE}"]
    builder = [item.argument for item in parsed if item.stage == 0 and item.keyword == "RUN"]
    assert any("pip wheel" in run for run in builder)
    copies = [item.argument for item in final(parsed) if item.keyword == "COPY"]
    assert copies == ["--from=builder /opt/gitward /opt/gitward"]


def test_the_base_image_is_pinned_by_a_full_version_tag(parsed: list[Instruction]) -> None:
    (arg,) = [item.argument for item in parsed if item.keyword == "ARG"]
    name, _, image = arg.partition("=")
    assert name == "PYTHON_IMAGE"
    repository, _, tag = image.partition(":")
    assert repository == "python"
    assert re.fullmatch(r"\d+\.\d+\.\d+-slim-\w+", tag), tag


def test_nothing_is_fetched_by_add_or_piped_into_a_shell(parsed: list[Instruction]) -> None:
    assert [item for item in parsed if item.keyword == "ADD"] == []
    runs = " ".join(item.argument for item in parsed if item.keyword == "RUN")
    assert not re.search(r"\b(curl|wget)\b", runs)
    assert not re.search(r"\|\s*(ba)?sh\b", runs)


def test_the_final_stage_installs_git_and_nothing_that_builds(parsed: list[Instruction]) -> None:
    (run,) = [item.argument for item in final(parsed) if item.keyword == "RUN"]
    packages = re.search(r"--no-install-recommends ([\w\- ]+?) &&", run)
    assert packages is not None
    assert packages.group(1).split() == ["git", "openssh-client", "ca-certificates"]
    assert "rm -rf /var/lib/apt/lists/*" in run


def test_it_runs_gitward_server_as_the_non_root_user_the_chart_expects(
    parsed: list[Instruction],
) -> None:
    last = final(parsed)
    (user,) = [item.argument for item in last if item.keyword == "USER"]
    uid, _, gid = user.partition(":")
    assert int(uid) > 0 and int(gid) > 0
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["podSecurityContext"]["runAsUser"] == int(uid)
    assert values["podSecurityContext"]["runAsGroup"] == int(gid)
    assert last[-1].keyword == "CMD" and last[-2].keyword == "ENTRYPOINT"
    assert json.loads(last[-2].argument) == ["gitward"]
    command = json.loads(last[-1].argument)
    assert command[0] == "server"
    assert "--metrics-port" in command and "8083" in command


def test_the_writable_paths_are_the_ones_the_chart_mounts_as_empty_dirs(
    parsed: list[Instruction],
) -> None:
    (env,) = [item.argument for item in final(parsed) if item.keyword == "ENV"]
    settings = dict(pair.split("=", 1) for pair in env.split())
    writable = {
        settings["GITWARD_DATA_DIR"],
        settings["GITWARD_CACHE_DIR"],
        settings["TMPDIR"],
        settings["HOME"],
    }
    assert writable == {"/var/lib/gitward", "/var/cache/gitward", "/tmp"}
    deployment = (CHART / "templates" / "deployment.yaml").read_text()
    for path in writable:
        assert f"mountPath: {path}\n" in deployment
    assert settings["PYTHONDONTWRITEBYTECODE"] == "1"


def violations(parsed: list[Instruction]) -> list[str]:
    """The image rules a Containerfile breaks, one sentence each."""
    found = []
    args = {k: v for k, _, v in (i.argument.partition("=") for i in parsed if i.keyword == "ARG")}
    for item in (i for i in parsed if i.keyword == "FROM"):
        image = item.argument.split()[0]
        image = args.get(image.strip("${}"), image) if image.startswith("$") else image
        if not re.search(r":\d[\w.\-]*$", image):
            found.append(f"base {image} is not pinned by a version tag")
    found += [f"ADD {i.argument}" for i in parsed if i.keyword == "ADD"]
    for run in (i.argument for i in parsed if i.keyword == "RUN"):
        if re.search(r"\b(curl|wget)\b.*\|\s*(ba)?sh\b", run):
            found.append(f"a download piped into a shell: {run}")
    users = [i.argument for i in final(parsed) if i.keyword == "USER"]
    if not users or not re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]):
        found.append(f"the final user is not a numeric non-root id: {users}")
    return found


def test_the_containerfile_breaks_no_image_rule(parsed: list[Instruction]) -> None:
    assert violations(parsed) == []


def test_the_rules_catch_a_containerfile_that_breaks_them() -> None:
    broken = instructions(
        "FROM python:latest\nADD https://example.com/x.sh /x.sh\n"
        "RUN curl -s https://example.com/x | sh\nUSER root\n"
    )
    assert violations(broken) == [
        "base python:latest is not pinned by a version tag",
        "ADD https://example.com/x.sh /x.sh",
        "a download piped into a shell: curl -s https://example.com/x | sh",
        "the final user is not a numeric non-root id: ['root']",
    ]
