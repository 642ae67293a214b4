"""Image-tag write-back under contention: N CI jobs push N services' tags to one repository.

A bare repository holds one value file with N services; N clones each run ``write_back`` (the
code behind ``gitward values set --push``) at the same time, in this process. Baseline: the same
N writes one after another, where no push is ever refused. Prints the wall time of both, the
ratio, push attempts (total and worst) and checks that every tag landed on a linear history.
Last line: one JSON object. Usage: python bench/writeback.py [--writers N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from gitward.delivery.editing import parse_assignment
from gitward.delivery.writeback import WriteBack, WriteBackResult, write_back

IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def git(cwd: Path, *args: str) -> str:
    command = ["git", *IDENTITY, *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True).stdout


def make_origin(where: Path, writers: int) -> Path:
    bare = where / "origin.git"
    git(where, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = where / "seed"
    git(where, "clone", "--quiet", str(bare), str(seed))
    body = "".join(f"  s{n:03d}:\n    image:\n      tag: old\n" for n in range(writers))
    (seed / "values.yaml").write_text(f"services:\n{body}")
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "seed")
    git(seed, "push", "--quiet", "origin", "main")
    return bare


def clones(bare: Path, where: Path, writers: int) -> list[Path]:
    found = []
    for n in range(writers):
        path = where / f"job{n:03d}"
        git(where, "clone", "--quiet", str(bare), str(path))
        git(path, "config", "user.name", "bench")
        git(path, "config", "user.email", "bench@example.com")
        found.append(path)
    return found


def request(work: Path, n: int, tag: str) -> WriteBack:
    key = f"services.s{n:03d}.image.tag={tag}"
    return WriteBack(work / "values.yaml", (parse_assignment(key),), push=True, attempts=100)


async def run(works: list[Path], tag: str, *, together: bool) -> list[WriteBackResult]:
    if together:
        return list(
            await asyncio.gather(*(write_back(request(w, n, tag)) for n, w in enumerate(works)))
        )
    return [await write_back(request(w, n, tag)) for n, w in enumerate(works)]


def check(bare: Path, writers: int, tag: str) -> None:
    values = yaml.safe_load(git(bare, "show", "main:values.yaml"))["services"]
    assert all(values[f"s{n:03d}"]["image"]["tag"] == tag for n in range(writers)), "a tag was lost"
    assert git(bare, "rev-list", "--merges", "main") == "", "history is not linear"


def measure(writers: int, *, together: bool) -> tuple[float, list[WriteBackResult]]:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        bare = make_origin(where, writers)
        works = clones(bare, where, writers)
        start = time.perf_counter()
        results = asyncio.run(run(works, "new", together=together))
        elapsed = time.perf_counter() - start
        check(bare, writers, "new")
    return elapsed, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=20)
    writers = parser.parse_args().writers
    serial_s, _ = measure(writers, together=False)
    together_s, results = measure(writers, together=True)
    attempts = [result.attempts for result in results]
    print(f"{writers} writers one after another: {serial_s:.2f} s (baseline)")
    print(f"{writers} writers at once:          {together_s:.2f} s ({together_s / serial_s:.2f}x)")
    print(f"push attempts: {sum(attempts)} in all, {max(attempts)} at most for one writer")
    print("every tag landed, history linear")
    figures = {
        "writers": writers,
        "serial_s": round(serial_s, 3),
        "concurrent_s": round(together_s, 3),
        "ratio": round(together_s / serial_s, 3),
        "attempts_total": sum(attempts),
        "attempts_max": max(attempts),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
