"""Argo CD's ``ApplicationSet``, read as it is written: generators, a template, policies.

Parsing only, with a location in every complaint: which generators exist and how they nest,
the template (kept as written: it is templated before it is an Application), the Go template
switches, ``templatePatch``, ``syncPolicy`` and the RollingSync ``strategy``. The generators
that need a provider's API (pull requests, SCM providers, cluster decision resources, plugins)
are refused here with an error saying so. Producing Applications is
:mod:`gitward.appsets`' job; this module must not read files or talk to anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitward.errors import Location, ManifestError
from gitward.model import annotations as argocd
from gitward.model.application import validate_name
from gitward.model.fields import Fields, Parsed, Warnings, object_name
from gitward.model.objects import api_group

__all__ = [
    "APPLICATIONS_SYNC",
    "ApplicationSet",
    "ClustersGenerator",
    "Generator",
    "GitGenerator",
    "GitPath",
    "LabelSelector",
    "ListGenerator",
    "MatrixGenerator",
    "MergeGenerator",
    "Requirement",
    "RollingStep",
    "SelectedGenerator",
    "git_generators",
    "is_appset",
    "parse_appset",
]

APPLICATIONS_SYNC = ("create-only", "create-update", "create-delete", "sync")
"""``syncPolicy.applicationsSync``: what the set may do to the Applications it generated."""

_REFUSED = {
    "pullRequest": "it asks a Git hosting API for open pull requests",
    "scmProvider": "it asks a Git hosting API for repositories",
    "clusterDecisionResource": "it reads a custom resource of another controller",
    "plugin": "it calls an external plugin service",
}
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_KINDS = ("list", "clusters", "git", "matrix", "merge")


@dataclass(frozen=True)
class Requirement:
    """One ``matchExpressions`` entry."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def holds(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            return labels.get(self.key) not in self.values
        return (self.key in labels) == (self.operator == "Exists")


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector (``matchLabels`` and ``matchExpressions``)."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    expressions: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels.items()) and all(
            item.holds(labels) for item in self.expressions
        )

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.expressions


@dataclass(frozen=True)
class ListGenerator:
    where: Location
    elements: tuple[Mapping[str, Any], ...]
    elements_yaml: str = ""


@dataclass(frozen=True)
class ClustersGenerator:
    where: Location
    selector: LabelSelector
    values: Mapping[str, str]


@dataclass(frozen=True)
class GitPath:
    """A ``directories`` or ``files`` entry: a glob, and whether it excludes."""

    path: str
    exclude: bool = False


@dataclass(frozen=True)
class GitGenerator:
    where: Location
    repo_url: str
    revision: str
    directories: tuple[GitPath, ...]
    files: tuple[GitPath, ...]
    path_param_prefix: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class MatrixGenerator:
    where: Location
    children: tuple[Generator, Generator]


@dataclass(frozen=True)
class MergeGenerator:
    where: Location
    merge_keys: tuple[str, ...]
    children: tuple[Generator, ...]


@dataclass(frozen=True)
class SelectedGenerator:
    """A generator with a post-selector: only its parameter sets whose (flattened) values
    match ``selector`` are kept."""

    where: Location
    inner: Generator
    selector: LabelSelector


Generator = (
    ListGenerator
    | ClustersGenerator
    | GitGenerator
    | MatrixGenerator
    | MergeGenerator
    | SelectedGenerator
)


@dataclass(frozen=True)
class RollingStep:
    """A RollingSync step: the generated apps whose labels match, and how many at once."""

    expressions: tuple[Requirement, ...]
    max_update: int | str | None = None


@dataclass(frozen=True)
class ApplicationSet:
    name: str
    namespace: str
    generators: tuple[Generator, ...]
    template: Mapping[str, Any]
    go_template: bool = False
    go_template_options: tuple[str, ...] = ()
    template_patch: str | None = None
    preserve_resources_on_deletion: bool = False
    applications_sync: str = "sync"
    rolling_steps: tuple[RollingStep, ...] | None = None
    generator_templates: tuple[Mapping[str, Any] | None, ...] = ()
    """Each top-level generator's own ``template``, merged over ``template`` for its apps."""
    labels: Mapping[str, str] = field(default_factory=dict)
    file: str | None = None

    @property
    def missing_key_error(self) -> bool:
        return "missingkey=error" in self.go_template_options

    @property
    def where(self) -> Location:
        return Location(file=self.file, obj=f"ApplicationSet {self.name}")


def git_generators(generators: tuple[Generator, ...]) -> list[GitGenerator]:
    """Every git generator among ``generators``, nested ones (matrix, merge) included."""
    found: list[GitGenerator] = []
    for generator in generators:
        if isinstance(generator, GitGenerator):
            found.append(generator)
        elif isinstance(generator, MatrixGenerator | MergeGenerator):
            found.extend(git_generators(generator.children))
        elif isinstance(generator, SelectedGenerator):
            found.extend(git_generators((generator.inner,)))
    return found


def is_appset(document: Mapping[str, Any]) -> bool:
    """An ``argoproj.io`` ApplicationSet (any version)."""
    group = api_group(str(document.get("apiVersion", "")))
    return group == argocd.APP_GROUP and document.get("kind") == argocd.APPSET_KIND


def parse_appset(document: Any, *, file: str | None = None) -> Parsed[ApplicationSet]:
    """Read one ApplicationSet; raises ``ManifestError`` naming file, object and field."""
    warnings = Warnings()
    name = object_name(document, file)
    top = Fields(document, Location(file=file, obj=f"ApplicationSet {name}"), "", warnings)
    metadata = top.mapping("metadata", required=True)
    spec = top.mapping("spec", required=True)
    assert metadata is not None and spec is not None
    validate_name(metadata.text("name", required=True), metadata.where("name"))
    items = spec.mappings("generators")
    generators = tuple(_generator(item) for item in items)
    overrides = tuple(_override(item) for item in items)
    if not generators:
        raise ManifestError(
            "an ApplicationSet needs at least one generator",
            where=spec.where("generators"),
            hint="Add a list, clusters, git, matrix or merge generator",
        )
    appset = ApplicationSet(
        name=name,
        namespace=metadata.text("namespace"),
        generators=generators,
        template=_template(spec),
        go_template=spec.flag("goTemplate"),
        go_template_options=_template_options(spec),
        template_patch=spec.optional_text("templatePatch"),
        labels=metadata.text_map("labels"),
        file=file,
        rolling_steps=_strategy(spec),
        generator_templates=overrides,
        **_policy(spec),
    )
    metadata.ignore("annotations", "uid", "resourceVersion", "generation", "creationTimestamp")
    metadata.ignore("finalizers", "managedFields", "ownerReferences")
    spec.unsupported("ignoreApplicationDifferences", "generated Applications are written whole")
    spec.unsupported("preservedFields", "generated Applications are written whole")
    top.ignore("apiVersion", "kind", "status")
    for fields in (top, metadata, spec):
        fields.finish()
    return Parsed(appset, tuple(str(w) for w in warnings))


def _template(spec: Fields) -> Mapping[str, Any]:
    template = spec.mapping("template", required=True)
    assert template is not None
    meta = template.mapping("metadata", required=True)
    body = template.mapping("spec", required=True)
    assert meta is not None and body is not None
    template.finish()
    raw = spec.raw("template")
    assert isinstance(raw, Mapping)
    return raw


def _template_options(spec: Fields) -> tuple[str, ...]:
    options = spec.texts("goTemplateOptions")
    for index, option in enumerate(options):
        if option not in ("missingkey=error", "missingkey=zero", "missingkey=default"):
            raise ManifestError(
                f"unknown Go template option {option!r}",
                where=spec.where(f"goTemplateOptions[{index}]"),
                hint='Use "missingkey=error", "missingkey=zero" or "missingkey=default"',
            )
    return options


def _policy(spec: Fields) -> dict[str, Any]:
    policy = spec.mapping("syncPolicy")
    if policy is None:
        return {}
    sync = policy.text("applicationsSync", default="sync")
    if sync not in APPLICATIONS_SYNC:
        raise ManifestError(
            f"unknown applicationsSync policy {sync!r}",
            where=policy.where("applicationsSync"),
            hint="Use one of " + ", ".join(APPLICATIONS_SYNC),
        )
    preserve = policy.flag("preserveResourcesOnDeletion")
    policy.finish()
    return {"applications_sync": sync, "preserve_resources_on_deletion": preserve}


def _strategy(spec: Fields) -> tuple[RollingStep, ...] | None:
    strategy = spec.mapping("strategy")
    if strategy is None:
        return None
    kind = strategy.text("type", default="AllAtOnce")
    if kind not in ("AllAtOnce", "RollingSync"):
        raise ManifestError(
            f"unknown strategy type {kind!r}",
            where=strategy.where("type"),
            hint="Use AllAtOnce or RollingSync",
        )
    rolling = strategy.mapping("rollingSync")
    strategy.finish()
    if kind == "AllAtOnce":
        return None
    if rolling is None:
        raise ManifestError(
            "a RollingSync strategy needs its steps",
            where=strategy.where("rollingSync"),
            hint="Add rollingSync.steps, each with matchExpressions on the apps' labels",
        )
    steps = tuple(_step(item) for item in rolling.mappings("steps"))
    rolling.finish()
    return steps


def _step(step: Fields) -> RollingStep:
    expressions = tuple(_requirement(item) for item in step.mappings("matchExpressions"))
    max_update = step.raw("maxUpdate")
    if max_update is not None and (
        isinstance(max_update, bool) or not isinstance(max_update, int | str)
    ):
        raise ManifestError(
            "expected an integer or a percentage",
            where=step.where("maxUpdate"),
            hint="Write maxUpdate as 1 or as '50%'",
        )
    if max_update is not None:
        step.warnings.add(
            step.where("maxUpdate"),
            "not read by gitward: every app of a step follows a new commit at once, once the "
            "earlier steps are Synced and Healthy",
        )
    step.finish()
    return RollingStep(expressions, max_update)


def _requirement(item: Fields) -> Requirement:
    operator = item.text("operator", required=True)
    if operator not in _OPERATORS:
        raise ManifestError(
            f"unknown operator {operator!r}",
            where=item.where("operator"),
            hint="Use one of " + ", ".join(_OPERATORS),
        )
    requirement = Requirement(item.text("key", required=True), operator, item.texts("values"))
    item.finish()
    return requirement


def _selector(fields: Fields | None) -> LabelSelector:
    if fields is None:
        return LabelSelector()
    selector = LabelSelector(
        fields.text_map("matchLabels"),
        tuple(_requirement(item) for item in fields.mappings("matchExpressions")),
    )
    fields.finish()
    return selector


def _generator(item: Fields) -> Generator:
    for name, why in _REFUSED.items():
        if item.has(name):
            raise ManifestError(
                f"the {name} generator is not supported: {why}",
                where=item.where(name),
                hint="Use a list, clusters, git, matrix or merge generator",
            )
    kinds = [name for name in _KINDS if item.has(name)]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        raise ManifestError(
            f"a generator needs exactly one of list, clusters, git, matrix, merge (found {found})",
            where=item.where(),
            hint="Write one generator per list entry",
        )
    parsers: dict[str, Callable[[Fields], Generator]] = {
        "list": _list,
        "clusters": _clusters,
        "git": _git,
        "matrix": _matrix,
        "merge": _merge,
    }
    parse = parsers[kinds[0]]
    inner = item.mapping(kinds[0])
    assert inner is not None
    generator = parse(inner)
    selector = _selector(item.mapping("selector"))
    item.finish()
    if not selector.empty:
        return SelectedGenerator(item.where("selector"), generator, selector)
    return generator


def _list(fields: Fields) -> ListGenerator:
    elements = []
    for index, element in enumerate(fields.raw("elements") or []):
        if not isinstance(element, Mapping):
            raise ManifestError(
                "a list element must be a mapping",
                where=fields.where(f"elements[{index}]"),
                hint="Write each element as `key: value` pairs",
            )
        elements.append(element)
    generator = ListGenerator(fields.where(), tuple(elements), fields.text("elementsYaml"))
    fields.ignore("template")  # read by _generator for top-level generators
    fields.finish()
    return generator


def _clusters(fields: Fields) -> ClustersGenerator:
    generator = ClustersGenerator(
        fields.where(), _selector(fields.mapping("selector")), fields.text_map("values")
    )
    fields.ignore("template")  # read by _generator for top-level generators
    fields.finish()
    return generator


def _git(fields: Fields) -> GitGenerator:
    def paths(name: str) -> tuple[GitPath, ...]:
        found = []
        for entry in fields.mappings(name):
            found.append(GitPath(entry.text("path", required=True), entry.flag("exclude")))
            entry.finish()
        return tuple(found)

    generator = GitGenerator(
        where=fields.where(),
        repo_url=fields.text("repoURL", required=True),
        revision=fields.text("revision", default="HEAD") or "HEAD",
        directories=paths("directories"),
        files=paths("files"),
        path_param_prefix=fields.text("pathParamPrefix"),
        values=fields.text_map("values"),
    )
    if bool(generator.directories) == bool(generator.files):
        raise ManifestError(
            "a git generator needs either `directories` or `files`",
            where=fields.where(),
            hint="Add directories: [{path: apps/*}] or files: [{path: config/*.json}]",
        )
    fields.ignore("requeueAfterSeconds")
    fields.ignore("template")  # read by _generator for top-level generators
    fields.finish()
    return generator


def _children(fields: Fields) -> tuple[Generator, ...]:
    items = fields.mappings("generators")
    for item in items:
        for kind in _KINDS:
            inner = item.mapping(kind) if item.has(kind) else None
            if inner is not None:
                inner.unsupported("template", "only a top-level generator's template is read")
    return tuple(_generator(item) for item in items)


def _override(item: Fields) -> Mapping[str, Any] | None:
    """A top-level generator's own ``template`` (as written), if it has one."""
    for kind in _KINDS:
        inner = item.raw(kind) if item.has(kind) else None
        template = inner.get("template") if isinstance(inner, Mapping) else None
        if isinstance(template, Mapping) and template:
            return template
    return None


def _matrix(fields: Fields) -> MatrixGenerator:
    children = _children(fields)
    if len(children) != 2:
        raise ManifestError(
            f"a matrix generator combines exactly two generators, found {len(children)}",
            where=fields.where("generators"),
            hint="Nest a matrix inside the matrix to combine more",
        )
    fields.ignore("template")  # read by _generator for top-level generators
    fields.finish()
    return MatrixGenerator(fields.where(), (children[0], children[1]))


def _merge(fields: Fields) -> MergeGenerator:
    keys = fields.texts("mergeKeys")
    children = _children(fields)
    if not keys or len(children) < 2:
        raise ManifestError(
            "a merge generator needs mergeKeys and at least two generators",
            where=fields.where(),
            hint="Set mergeKeys: [server] and list the generators to merge",
        )
    fields.ignore("template")  # read by _generator for top-level generators
    fields.finish()
    return MergeGenerator(fields.where(), keys, children)
