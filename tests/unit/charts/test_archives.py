"""Chart archives are checked before anything is written, kept by digest, and evicted by size."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from gitward.charts.archives import ArchiveCache, ArchiveLimits
from gitward.errors import SourceError


def archive(entries: dict[str, str], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in entries.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


CHART = {"web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n", "web/values.yaml": ""}


def test_a_chart_archive_is_kept_once_and_expanded_once(tmp_path: Path) -> None:
    cache = ArchiveCache(tmp_path)
    digest = cache.store(archive(CHART), shown="web")
    assert cache.store(archive(CHART), shown="web") == digest
    assert cache.stored == 1
    root = cache.expanded(digest, shown="web")
    assert (root / "Chart.yaml").read_text().startswith("apiVersion: v2")
    assert cache.expanded(digest, shown="web") == root


@pytest.mark.parametrize(
    ("entries", "links", "named"),
    [
        ({**CHART, "web/../../evil.yaml": "x"}, None, "evil.yaml"),
        ({**CHART, "/etc/evil.yaml": "x"}, None, "/etc/evil.yaml"),
        (CHART, {"web/templates/secret.yaml": "/etc/shadow"}, "link"),
        ({**CHART, "other/Chart.yaml": "x"}, None, "outside one top directory"),
    ],
)
def test_an_unsafe_archive_is_refused_before_anything_is_written(
    tmp_path: Path, entries: dict[str, str], links: dict[str, str] | None, named: str
) -> None:
    cache = ArchiveCache(tmp_path)
    with pytest.raises(SourceError, match="refused") as refused:
        cache.store(archive(entries, links), shown="web 1.0.0")
    assert named in refused.value.message
    assert not (tmp_path / "archives").exists()


def test_an_archive_larger_than_the_bounds_is_refused(tmp_path: Path) -> None:
    big = {**CHART, "web/templates/big.yaml": "x" * 5000}
    with pytest.raises(SourceError, match="exceeds 4000 bytes expanded"):
        ArchiveCache(tmp_path, ArchiveLimits(max_expanded_bytes=4000)).store(
            archive(big), shown="web"
        )
    with pytest.raises(SourceError, match="exceeds 10 bytes compressed"):
        ArchiveCache(tmp_path, ArchiveLimits(max_archive_bytes=10)).store(
            archive(CHART), shown="web"
        )


def test_not_an_archive_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"not a readable \.tgz"):
        ArchiveCache(tmp_path).store(b"<html>not found</html>", shown="web")


def test_the_least_recently_used_archives_leave_when_the_cache_is_full(tmp_path: Path) -> None:
    one = archive({**CHART, "web/a.yaml": "a" * 3000})
    two = archive({**CHART, "web/b.yaml": "b" * 3000})
    cache = ArchiveCache(tmp_path, ArchiveLimits(max_bytes=len(one) + len(two) - 1))
    first = cache.store(one, shown="web")
    cache.expanded(first, shown="web")
    second = cache.store(two, shown="web")
    assert cache.has(second) and not cache.has(first)
    assert not (tmp_path / "expanded" / first).exists()
