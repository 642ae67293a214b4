"""Generators: each turns its part of an ApplicationSet into parameter sets, as Argo CD's do.

``list`` gives its elements (and ``elementsYaml``); ``clusters`` the registered clusters whose
labels match (``name``, ``nameNormalized``, ``server``, ``project``, ``metadata.labels.<key>``;
the in-cluster entry too when there is no selector); ``git`` the directories or files its globs
select at the revision (see :mod:`gitward.appsets.gitfiles`); ``matrix`` every pair of its two
children's sets, the second child templated with the first's parameters; ``merge`` the first
child's sets, each updated by the later children's sets that agree on every merge key; a
generator's ``selector`` keeps the sets whose values (nested ones flattened to ``a.b``) match.
Parameters are flat strings (``path.basename``) or, with ``goTemplate``, nested values.

Git and the cluster list come through :class:`Ports` (the git port's checkouts, a function
listing clusters), so the engine runs the same under the controller and ``gitward render``.
It must not write anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import yaml

from gitward.appsets import gitfiles
from gitward.appsets.templating import GoTemplates, TemplateError, fill_fast, merge_patch
from gitward.errors import ConfigError, Location, ManifestError
from gitward.git.repo import Checkout
from gitward.model import annotations as argocd
from gitward.model.appsets import (
    ApplicationSet,
    ClustersGenerator,
    Generator,
    GitGenerator,
    ListGenerator,
    MatrixGenerator,
    MergeGenerator,
    SelectedGenerator,
)

__all__ = ["PARAM_SETS_LIMIT", "ClusterInfo", "ParamSet", "Ports", "Sources", "generate"]

ParamSet = dict[str, Any]

PARAM_SETS_LIMIT = 10_000
"""The parameter sets (so the Applications) one ApplicationSet may give: a matrix of two large
generators multiplies, and a million apps would exhaust the server before anything fails."""


class Sources(Protocol):
    """Where a git generator's files come from (the git port, or a fake in tests)."""

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout: ...


@dataclass(frozen=True)
class ClusterInfo:
    """A registered cluster as the clusters generator sees it."""

    name: str
    server: str
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    annotations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    project: str = ""


async def _no_clusters() -> Sequence[ClusterInfo]:
    return ()


@dataclass(frozen=True)
class Ports:
    """What generators may read: checkouts, and the registered clusters."""

    sources: Sources
    clusters: Callable[[], Awaitable[Sequence[ClusterInfo]]] = _no_clusters


class _Run:
    """Parameters of one ApplicationSet's generators."""

    def __init__(self, appset: ApplicationSet, ports: Ports, go: GoTemplates) -> None:
        self.appset = appset
        self.ports = ports
        self.go = go

    async def params(self, generator: Generator) -> list[ParamSet]:
        found = await self._params(generator)
        _bounded(len(found), generator.where)
        return found

    async def _params(self, generator: Generator) -> list[ParamSet]:
        if isinstance(generator, ListGenerator):
            return self._list(generator)
        if isinstance(generator, ClustersGenerator):
            return await self._clusters(generator)
        if isinstance(generator, GitGenerator):
            return await self._git(generator)
        if isinstance(generator, MatrixGenerator):
            return await self._matrix(generator)
        if isinstance(generator, SelectedGenerator):
            found = await self.params(generator.inner)
            return [p for p in found if generator.selector.matches(gitfiles.flat_texts(p))]
        return await self._merge(generator)

    def _list(self, generator: ListGenerator) -> list[ParamSet]:
        found = [self._element(dict(e), generator.where) for e in generator.elements]
        if generator.elements_yaml:
            try:
                extra = yaml.safe_load(generator.elements_yaml) or []
            except yaml.YAMLError as err:
                raise ManifestError(
                    f"elementsYaml is not YAML: {str(err).splitlines()[0]}",
                    where=generator.where.at(f"{generator.where.field}.elementsYaml"),
                ) from err
            if not isinstance(extra, list) or not all(isinstance(e, dict) for e in extra):
                raise ManifestError(
                    "elementsYaml must be a list of mappings",
                    where=generator.where.at(f"{generator.where.field}.elementsYaml"),
                    hint="Write elementsYaml as a YAML list: `- cluster: dev`",
                )
            found.extend(dict(e) for e in extra)
        return found

    def _element(self, element: dict[str, Any], where: Location) -> ParamSet:
        if self.appset.go_template:
            return element
        flat: ParamSet = {}
        for key, value in element.items():
            if key == "values" and isinstance(value, Mapping):
                flat.update({f"values.{k}": _text(v) for k, v in value.items()})
            elif isinstance(value, str | int | float | bool):
                flat[str(key)] = _text(value)
            else:
                raise ManifestError(
                    f"list element field {key!r} is not a string",
                    where=where,
                    hint="Without goTemplate, list elements hold strings (and a `values` "
                    "mapping); set goTemplate: true for nested values",
                )
        return flat

    async def _clusters(self, generator: ClustersGenerator) -> list[ParamSet]:
        clusters = list(await self.ports.clusters())
        if generator.selector.empty and not any(
            c.server == argocd.IN_CLUSTER_SERVER for c in clusters
        ):
            clusters.insert(0, ClusterInfo(argocd.IN_CLUSTER_NAME, argocd.IN_CLUSTER_SERVER))
        found = []
        for cluster in clusters:
            if generator.selector.matches(cluster.labels):
                params = self._cluster_params(cluster)
                found.append(self._with_values(params, generator.values, generator.where))
        return found

    def _cluster_params(self, cluster: ClusterInfo) -> ParamSet:
        common = {
            "name": cluster.name,
            "nameNormalized": gitfiles.sanitize_name(cluster.name),
            "server": cluster.server,
            "project": cluster.project,
        }
        if self.appset.go_template:
            meta = {"labels": dict(cluster.labels), "annotations": dict(cluster.annotations)}
            return {**common, "metadata": meta}
        flat = dict(common)
        flat.update({f"metadata.labels.{k}": v for k, v in cluster.labels.items()})
        flat.update({f"metadata.annotations.{k}": v for k, v in cluster.annotations.items()})
        return flat

    async def _git(self, generator: GitGenerator) -> list[ParamSet]:
        where = generator.where.at(f"{generator.where.field}.repoURL")
        checkout = await self.ports.sources.checkout(
            generator.repo_url, generator.revision, where=where
        )
        go, prefix = self.appset.go_template, generator.path_param_prefix
        found: list[ParamSet] = []
        if generator.directories:
            for path in gitfiles.matching_directories(checkout.root, generator.directories):
                found.append(gitfiles.directory_params(path, prefix, go))
        else:
            for path in gitfiles.matching_files(checkout.root, generator.files):
                found.extend(gitfiles.file_params(checkout.root, path, prefix, go, where))
        return [self._with_values(p, generator.values, generator.where) for p in found]

    def _with_values(
        self, params: ParamSet, values: Mapping[str, str], where: Location
    ) -> ParamSet:
        """A generator's ``values``, themselves templated with its parameters."""
        if not values:
            return params
        rendered = {key: self.fill(text, params, where) for key, text in values.items()}
        if self.appset.go_template:
            return {**params, "values": rendered}
        return {**params, **{f"values.{k}": v for k, v in rendered.items()}}

    def fill(self, text: str, params: Mapping[str, Any], where: Location) -> str:
        if "{{" not in text:
            return text
        if not self.appset.go_template:
            return fill_fast(text, params)
        return self.go.render_many([({"t": text}, params)], where)[0]["t"]

    async def _matrix(self, generator: MatrixGenerator) -> list[ParamSet]:
        first, second = generator.children
        found: list[ParamSet] = []
        for params in await self.params(first):
            templated = self._interpolated(second, params)
            more = await self.params(templated)
            _bounded(len(found) + len(more), generator.where)
            found.extend(self._combined(params, item, generator.where) for item in more)
        return found

    def _interpolated(self, generator: Generator, params: ParamSet) -> Generator:
        """The child with its strings filled in from the first child's parameters."""

        def fill(value: Any) -> Any:
            if isinstance(value, str):
                return self.fill(value, params, generator.where)
            if isinstance(value, tuple):
                return tuple(fill(item) for item in value)
            if isinstance(value, list):
                return [fill(item) for item in value]
            if isinstance(value, Mapping):
                return {key: fill(item) for key, item in value.items()}
            if dataclasses.is_dataclass(value) and not isinstance(value, type | Location):
                changes = {f.name: fill(getattr(value, f.name)) for f in dataclasses.fields(value)}
                return dataclasses.replace(value, **changes)
            return value

        filled: Generator = fill(generator)
        return filled

    def _combined(self, first: ParamSet, second: ParamSet, where: Location) -> ParamSet:
        """Both children's parameters; Go template parameters merge deeply (``values`` of
        both), flat ones must not disagree."""
        if self.appset.go_template:
            merged: ParamSet = merge_patch(first, second)
            return merged
        for key, value in second.items():
            if key in first and first[key] != value:
                raise TemplateError(
                    f"the matrix's generators both give parameter {key!r} "
                    f"({first[key]!r} and {value!r})",
                    where=where,
                    hint="Rename the parameter in one generator, or use pathParamPrefix",
                )
        return {**first, **second}

    async def _merge(self, generator: MergeGenerator) -> list[ParamSet]:
        base, *others = generator.children
        merged = [dict(p) for p in await self.params(base)]
        for child in others:
            for params in await self.params(child):
                key = self._merge_key(params, generator.merge_keys)
                for item in merged:
                    if key is not None and self._merge_key(item, generator.merge_keys) == key:
                        item.update(params)
        return merged

    def _merge_key(self, params: ParamSet, keys: Sequence[str]) -> tuple[str, ...] | None:
        found = []
        for key in keys:
            value: Any = params.get(key)
            if value is None and self.appset.go_template:
                value = params
                for part in key.split("."):
                    value = value.get(part) if isinstance(value, Mapping) else None
            if value is None:
                return None
            found.append(str(value))
        return tuple(found)


def _bounded(count: int, where: Location) -> None:
    """Refuse more than :data:`PARAM_SETS_LIMIT` parameter sets, naming the generator."""
    if count > PARAM_SETS_LIMIT:
        raise ConfigError(
            f"the generator gives more than {PARAM_SETS_LIMIT} parameter sets ({count} so far); "
            "gitward generates at most that many Applications per ApplicationSet",
            where=where,
            hint="Narrow the generators (a selector, fewer elements or paths), or split the set",
        )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def generate(appset: ApplicationSet, ports: Ports, go: GoTemplates) -> list[list[ParamSet]]:
    """The parameter sets of each top-level generator of ``appset``, in order."""
    run = _Run(appset, ports, go)
    found: list[list[ParamSet]] = []
    for generator in appset.generators:
        found.append(await run.params(generator))
        _bounded(sum(len(sets) for sets in found), generator.where)
    return found
