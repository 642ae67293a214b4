"""Promotion's cost and contention: N promotions into N environments' value files of one repository.

A bare repository holds one value file per target environment. The baseline is the write-back of
``gitward values set --push`` in a clone that already exists (no clone to make), run N times one
after another. Then the promotion engine (:func:`gitward.delivery.promotion.promote`: a scratch
clone of the target's branch, the edit, a commit with trailers, a push with re-applied edits)
runs N times one after another, and N at once (their pushes race on one branch). Prints the wall
time of each, the ratios against the baseline, and checks that every value landed, each in one
commit, on a linear history. Last line: one JSON object.
Usage: python bench/promotion.py [--targets N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path

from gitward.delivery.editing import parse_assignment
from gitward.delivery.promotion import PromotionRequest, promote
from gitward.delivery.writeback import WriteBack, write_back

IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def git(cwd: Path, *args: str) -> str:
    command = ["git", *IDENTITY, *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout


def make_origin(where: Path, targets: int) -> Path:
    bare = where / "origin.git"
    git(where, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = where / "seed"
    git(where, "clone", "--quiet", str(bare), str(seed))
    for n in range(targets):
        folder = seed / f"env{n:03d}"
        folder.mkdir()
        (folder / "values.yaml").write_text("backend:\n  image:\n    tag: old  # kept\n")
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "seed")
    git(seed, "push", "--quiet", "origin", "main")
    return bare


def request(bare: Path, n: int, tag: str) -> PromotionRequest:
    return PromotionRequest(
        source_app="dev",
        source_revision="0" * 40,
        target_app=f"env{n:03d}",
        repo_url=str(bare),
        branch="main",
        files=(f"env{n:03d}/values.yaml",),
        values=(("backend.image.tag", tag),),
        actor="bench",
        by_branch=False,
    )


async def baseline(bare: Path, where: Path, targets: int) -> float:
    clone = where / "ci"
    git(where, "clone", "--quiet", str(bare), str(clone))
    git(clone, "config", "user.email", "bench@example.com")
    git(clone, "config", "user.name", "bench")
    started = time.perf_counter()
    for n in range(targets):
        change = WriteBack(
            file=clone / f"env{n:03d}/values.yaml",
            assignments=(parse_assignment("backend.image.tag=base"),),
            repo=clone,
            commit=True,
            push=True,
        )
        await write_back(change)
    return time.perf_counter() - started


async def promotions(bare: Path, targets: int, tag: str, *, at_once: bool) -> tuple[float, int]:
    started = time.perf_counter()
    if at_once:
        results = await asyncio.gather(*(promote(request(bare, n, tag)) for n in range(targets)))
    else:
        results = [await promote(request(bare, n, tag)) for n in range(targets)]
    return time.perf_counter() - started, sum(len(r.changed) for r in results)


def check(bare: Path, targets: int, tag: str) -> int:
    """Every target holds ``tag``; the history is linear; returns the number of commits."""
    for n in range(targets):
        shown = git(bare, "show", f"main:env{n:03d}/values.yaml")
        assert f"tag: {tag}  # kept" in shown, shown
    merges = git(bare, "rev-list", "--merges", "--count", "main").strip()
    assert merges == "0", "history is not linear"
    return int(git(bare, "rev-list", "--count", "main").strip())


async def run(targets: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as scratch:
        where = Path(scratch)
        bare = make_origin(where, targets)
        base_s = await baseline(bare, where, targets)
        serial_s, serial_changed = await promotions(bare, targets, "v1.0.0", at_once=False)
        check(bare, targets, "v1.0.0")
        racing_s, racing_changed = await promotions(bare, targets, "v1.1.0", at_once=True)
        commits = check(bare, targets, "v1.1.0")
    assert serial_changed == racing_changed == targets
    return {
        "targets": targets,
        "baseline_values_set_s": round(base_s, 3),
        "promotions_serial_s": round(serial_s, 3),
        "promotions_at_once_s": round(racing_s, 3),
        "serial_vs_baseline": round(serial_s / base_s, 2),
        "at_once_vs_serial": round(racing_s / serial_s, 2),
        "commits": commits,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=10)
    figures = asyncio.run(run(parser.parse_args().targets))
    print(f"values set --push, {figures['targets']} times: {figures['baseline_values_set_s']} s")
    print(f"promotions one after another: {figures['promotions_serial_s']} s "
          f"({figures['serial_vs_baseline']}x the baseline: a scratch clone each)")  # fmt: skip
    at_once, ratio = figures["promotions_at_once_s"], figures["at_once_vs_serial"]
    print(f"promotions at once: {at_once} s ({ratio}x one after another)")
    print(f"{figures['commits']} commits on a linear history, every value landed")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
