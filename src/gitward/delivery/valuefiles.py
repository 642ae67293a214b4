"""Where a Helm app's value keys live in Git: its value files, and which one holds each key.

Promotion reads keys from one app's value files and writes them into another's. Both are named
by the Application: ``spec.source.helm.valueFiles``, relative to the chart's ``path`` (as Argo CD
reads them, ``../../gitops/dev/values.yaml`` from ``helm/ai-chatbot``), or ``$ref/path`` into the
source whose ``ref`` is ``ref`` (multi-source apps). Helm lets later files win, so a key is read
from, and written to, the *last* file that sets it.

It only reads Application fields and file text; it runs no git and touches no file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gitward.delivery.editing import read_values
from gitward.delivery.keys import parse_key, show_key
from gitward.errors import ConfigError, Location
from gitward.git.paths import join_source_path, looks_like_url
from gitward.model.application import Application
from gitward.model.sources import Source

__all__ = ["FoundValue", "ValueFiles", "locate_keys", "value_files_of"]


@dataclass(frozen=True, slots=True)
class ValueFiles:
    """The repository, the targetRevision and the repository-relative value files (Helm's
    order) that one app reads its values from."""

    app: str
    repo_url: str
    revision: str
    files: tuple[str, ...]
    source_index: int = 0
    """Which of the app's sources holds the files (its observed revision is theirs)."""


@dataclass(frozen=True, slots=True)
class FoundValue:
    """One key: the file that sets it last and the value there."""

    key: str
    file: str
    value: str


def value_files_of(app: Application) -> ValueFiles:
    """The value files of ``app``; a located error when it has none gitward can write."""
    where = Location(file=app.file, obj=f"Application {app.name}")
    for index, source in enumerate(app.sources):
        entries = source.helm.value_files if source.helm is not None else ()
        if not entries:
            continue
        field = (
            f"spec.sources[{index}].helm.valueFiles"
            if app.multi_source
            else ("spec.source.helm.valueFiles")
        )
        return _files_of(app, index, entries, where.at(field))
    raise ConfigError(
        "has no Helm value files, so there is no file to promote values into or out of",
        where=where.at("spec.source.helm.valueFiles"),
        hint="Promotion works on Helm apps whose values are in value files in Git",
    )


def _files_of(app: Application, own: int, entries: Sequence[str], where: Location) -> ValueFiles:
    source = app.sources[own]
    refs = {s.ref: (i, s) for i, s in enumerate(app.sources) if s.ref}
    found: list[tuple[int, Source, str]] = []
    for entry in entries:
        if looks_like_url(entry) or any(c in entry for c in "*?["):
            raise ConfigError(
                f"value file {entry!r} is a URL or a glob; promotion writes named files only",
                where=where,
                hint="Name the value file itself",
            )
        if entry.startswith("$"):
            name, _, rest = entry[1:].partition("/")
            if name not in refs:
                raise ConfigError(
                    f"value file {entry!r} names ${name}, which no source declares as `ref`",
                    where=where,
                    hint=f"Add `ref: {name}` to the source holding the file",
                )
            index, holder = refs[name]
            found.append((index, holder, join_source_path("", rest)))
        else:
            found.append((own, source, join_source_path(source.path, entry)))
    holders = {(holder.repo_url, holder.revision) for _, holder, _ in found}
    if len(holders) > 1:
        raise ConfigError(
            "its value files come from several repositories or revisions",
            where=where,
            hint="Promotion writes one repository's files; keep the value files together",
        )
    index, holder, _ = found[0]
    files = tuple(path for _, _, path in found)
    return ValueFiles(app.name, holder.repo_url, holder.revision, files, index)


def locate_keys(
    texts: Mapping[str, str], files: Sequence[str], keys: Sequence[str], *, app: str
) -> list[FoundValue]:
    """Each key's last setting among ``files`` (``texts`` by file); an error naming the app,
    the key and the files when no file sets it."""
    parsed = [parse_key(key) for key in keys]
    latest: dict[str, FoundValue] = {}
    for file in files:
        if file not in texts:
            continue
        for key, value in zip(keys, read_values(texts[file], parsed, file=file), strict=True):
            if value is not None:
                latest[key] = FoundValue(show_key(parse_key(key)), file, value)
    missing = [key for key in keys if key not in latest]
    if missing:
        raise ConfigError(
            f"no value file sets {', '.join(missing)} (read: {', '.join(files)})",
            where=Location(obj=f"Application {app}", field=missing[0]),
            hint="Promotion copies keys that both apps' value files already set; add the key "
            "to the value file first",
        )
    return [latest[key] for key in keys]
