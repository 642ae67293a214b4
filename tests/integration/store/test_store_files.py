"""The store's files are owner-only whatever the umask: the data directory 0700, the SQLite
file and its WAL and shared-memory files 0600; ones that exist already are tightened, and a
directory the operator chose for a SQLite file outside the data directory is left alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_builders import app

from gitward.store import Store


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_store_makes_an_owner_only_directory_and_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with await Store.open(str(data / "gitward.db"), data_dir=data, env={}) as store:
        await store.apps.upsert(app("web"))
        files = {path.name: mode(path) for path in data.iterdir() if path.is_file()}
    assert mode(data) == 0o700
    assert {"gitward.db", "gitward.db-wal", "gitward.db-shm"} <= set(files)
    assert set(files.values()) == {0o600}, files


async def test_an_existing_readable_store_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with await Store.open(str(data / "gitward.db"), data_dir=data, env={}):
        pass
    data.chmod(0o755)
    (data / "gitward.db").chmod(0o644)
    async with await Store.open(str(data / "gitward.db"), data_dir=data, env={}) as store:
        await store.apps.upsert(app("web"))
        files = [mode(path) for path in data.glob("gitward.db*")]
    assert mode(data) == 0o700
    assert set(files) == {0o600}


async def test_the_directory_of_a_sqlite_file_outside_the_data_directory_is_left_alone(
    tmp_path: Path,
) -> None:
    chosen = tmp_path / "home"
    chosen.mkdir(mode=0o755)
    async with await Store.open(str(chosen / "gitward.db"), env={}) as store:
        await store.apps.upsert(app("web"))
        files = [mode(path) for path in chosen.glob("gitward.db*")]
    assert mode(chosen) == 0o755
    assert set(files) == {0o600}
