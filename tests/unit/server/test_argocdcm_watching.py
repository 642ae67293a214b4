"""The settings watcher reloads a file when it changes and keeps the last good one otherwise."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gitward.errors import ConfigError, Location
from gitward.server.argocdcm.watching import Reloadable, Watcher


class Recorder:
    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.reports: list[str | None] = []

    async def reload(self, path: Path) -> None:
        text = await asyncio.to_thread(path.read_text)
        if "bad" in text:
            raise ConfigError("a bad value", where=Location(file=str(path), field="data[x]"))
        self.loaded.append(text)


def replace(path: Path, text: str) -> None:
    staged = path.with_suffix(".tmp")
    staged.write_text(text)
    staged.replace(path)


async def test_an_unchanged_file_is_not_read_again_and_a_replaced_one_is(tmp_path: Path) -> None:
    path = tmp_path / "argocd-cm.yaml"
    path.write_text("one")
    recorder = Recorder()
    watcher = Watcher([Reloadable(path, recorder.reload, recorder.reports.append)])
    watcher.mark_loaded()
    await watcher.check()
    assert (recorder.loaded, watcher.reloads) == ([], 0)
    replace(path, "two")
    await watcher.check()
    assert recorder.loaded == ["two"]
    assert recorder.reports == [None]


async def test_a_bad_or_missing_file_is_reported_with_its_location_and_then_recovers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "argocd-cm.yaml"
    path.write_text("one")
    recorder = Recorder()
    watcher = Watcher([Reloadable(path, recorder.reload, recorder.reports.append)])
    watcher.mark_loaded()
    replace(path, "bad")
    await watcher.check()
    path.unlink()
    await watcher.check()
    replace(path, "three")
    await watcher.check()
    assert recorder.loaded == ["three"]
    first, gone, fixed = recorder.reports
    assert first is not None and "data[x]" in first and str(path) in first
    assert "last good version stays in force" in first
    assert gone is not None and "is gone" in gone
    assert fixed is None
