"""A directory source of many tiny manifest files: how fast gitward refuses it, and at what cost.

Writes N one-object ConfigMap files into a temporary directory, then renders it twice in this
process: first with the limit raised above N (the baseline: what rendering them all costs), then
with the default file-count limit (10,000), which must refuse the directory with a located error
after reading at most that many files. Prints both times and the ratio, and as its last line one
JSON object for machines. Peak RSS is the process's (it only grows), so it is measured around the
refusal first. Usage: python bench/directory_files.py [--files N]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from gitward.errors import SourceError
from gitward.model.application import Application, Destination
from gitward.model.sources import DirectoryOptions, Source
from gitward.render import Limits, Renderer

SOURCE = Source(repo_url="https://example.invalid/r.git", path="m", directory=DirectoryOptions())
APP = Application(
    name="many",
    project="default",
    sources=(SOURCE,),
    destination=Destination(server="https://kubernetes.default.svc", namespace="bench"),
)


def write_files(root: Path, count: int) -> None:
    directory = root / "m"
    directory.mkdir(parents=True)
    for index in range(count):
        (directory / f"cm{index:06d}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{index}\n"
        )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_render(root: Path, limits: Limits) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        objects = Renderer(limits=limits).render(APP, SOURCE, root, sha=None).objects
        outcome = f"rendered {len(objects)} objects"
    except SourceError as err:
        outcome = f"refused: {err.problem}"
    return time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100_000)
    files = parser.parse_args().files
    with tempfile.TemporaryDirectory(prefix="gitward-bench-") as tmp:
        root = Path(tmp)
        write_files(root, files)
        limited_s, limited = timed_render(root, Limits())
        limited_mb = peak_mb()
        full_s, full = timed_render(root, Limits(max_files=files + 1))
        full_mb = peak_mb()
    print(
        f"{files:,} files, default limit: {limited_s:.2f} s, peak RSS {limited_mb:.0f} MB, "
        f"{limited}"
    )
    print(
        f"{files:,} files, no limit (baseline): {full_s:.2f} s, peak RSS {full_mb:.0f} MB, {full}"
    )
    print(f"refusal takes {limited_s / full_s:.3f} of the time rendering everything takes")
    print(
        json.dumps(
            {
                "files": files,
                "limited_s": round(limited_s, 3),
                "limited_peak_rss_mb": round(limited_mb),
                "full_s": round(full_s, 3),
                "full_peak_rss_mb": round(full_mb),
                "ratio": round(limited_s / full_s, 4),
                "refused": limited.startswith("refused"),
            }
        )
    )


if __name__ == "__main__":
    main()
