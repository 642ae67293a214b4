"""An Application's sources: where its manifests come from and how they are generated.

Mirrors Argo CD's ``ApplicationSource`` (``spec.source`` / ``spec.sources[]``): repository,
revision, path or chart, and the Helm, directory or Kustomize options. Pure data and parsing;
deciding which generator a path needs is rendering's job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from gitward.errors import Location, ManifestError
from gitward.model.fields import Fields
from gitward.redaction import carries_credentials

__all__ = [
    "DirectoryOptions",
    "HelmFileParameter",
    "HelmOptions",
    "HelmParameter",
    "JsonnetOptions",
    "JsonnetVar",
    "KustomizeOptions",
    "Source",
    "check_no_credentials",
    "parse_source",
]

CREDENTIALS_HINT = (
    "Remove them from the URL and register the repository with its credentials "
    "(gitward repo add URL --username USER --password TOKEN, or POST /api/v1/repositories): "
    "they are then stored encrypted and never shown"
)


@dataclass(frozen=True, slots=True)
class HelmParameter:
    """``helm.parameters[]``: one ``--set`` (or ``--set-string`` when ``force_string``)."""

    name: str
    value: str
    force_string: bool = False


@dataclass(frozen=True, slots=True)
class HelmFileParameter:
    """``helm.fileParameters[]``: one ``--set-file``, the path relative to the source path."""

    name: str
    path: str


@dataclass(frozen=True, slots=True)
class HelmOptions:
    """``source.helm``. Precedence as in Argo CD: parameters > valuesObject > values > files."""

    value_files: tuple[str, ...] = ()
    values: str = ""
    values_object: Mapping[str, Any] | None = None
    parameters: tuple[HelmParameter, ...] = ()
    file_parameters: tuple[HelmFileParameter, ...] = ()
    release_name: str = ""
    ignore_missing_value_files: bool = False
    skip_crds: bool = False
    skip_schema_validation: bool = False
    skip_tests: bool = False
    namespace: str = ""
    kube_version: str = ""
    api_versions: tuple[str, ...] = ()
    pass_credentials: bool = False
    version: str = ""


@dataclass(frozen=True, slots=True)
class JsonnetVar:
    """``directory.jsonnet.tlas[]`` / ``extVars[]``: a string, or Jsonnet code when ``code``.

    ``value`` may name ``$ARGOCD_APP_*`` build variables, substituted when rendering.
    """

    name: str
    value: str = ""
    code: bool = False


@dataclass(frozen=True, slots=True)
class JsonnetOptions:
    """``directory.jsonnet``: what the ``*.jsonnet`` files of a directory source are given.

    ``libs`` are library directories relative to the repository root (as in Argo CD), searched
    for imports after the importing file's directory and the source directory.
    """

    tlas: tuple[JsonnetVar, ...] = ()
    ext_vars: tuple[JsonnetVar, ...] = ()
    libs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DirectoryOptions:
    """``source.directory``: plain YAML/JSON manifests and Jsonnet files."""

    recurse: bool = False
    include: str = ""
    exclude: str = ""
    jsonnet: JsonnetOptions = field(default_factory=JsonnetOptions)


@dataclass(frozen=True, slots=True)
class KustomizeOptions:
    """``source.kustomize``; the options are passed to kustomize as Argo CD does."""

    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str = ""
    images: tuple[str, ...] = ()
    common_labels: Mapping[str, str] = field(default_factory=dict)
    common_annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Source:
    """One source of an Application."""

    repo_url: str
    path: str = ""
    target_revision: str = ""
    chart: str = ""
    ref: str = ""
    name: str = ""
    helm: HelmOptions | None = None
    directory: DirectoryOptions | None = None
    kustomize: KustomizeOptions | None = None
    plugin: bool = False
    """A ``plugin`` block is set: gitward runs no config management plugin, so rendering
    refuses (it never renders such a source as a directory or a kustomization instead)."""

    @property
    def revision(self) -> str:
        """The revision to resolve; Argo CD reads an empty targetRevision as HEAD."""
        return self.target_revision or "HEAD"

    def fingerprint(self) -> str:
        """A stable text of every field, for cache keys."""
        return json.dumps(asdict(self), sort_keys=True, default=str)


def parse_source(fields: Fields) -> Source:
    """Read one ``source`` mapping."""
    source = Source(
        repo_url=fields.text("repoURL", required=True),
        path=fields.text("path"),
        target_revision=fields.scalar_text("targetRevision"),
        chart=fields.text("chart"),
        ref=fields.text("ref"),
        name=fields.text("name"),
        helm=_optional(fields, "helm", _parse_helm),
        directory=_optional(fields, "directory", _parse_directory),
        kustomize=_optional(fields, "kustomize", _parse_kustomize),
        plugin=fields.has("plugin"),
    )
    check_no_credentials(source.repo_url, fields.where("repoURL"))
    fields.ignore("plugin")  # kept: rendering refuses it, naming the field
    fields.finish()
    if source.chart and source.path:
        raise ManifestError(
            "both `chart` and `path` are set",
            where=fields.where("chart"),
            hint="Use `chart` for a Helm repository chart or `path` for a directory in Git",
        )
    return source


def check_no_credentials(url: str, where: Location) -> None:
    """Refuse a repository URL with a secret in it (it would be stored and shown as written)."""
    if carries_credentials(url):
        raise ManifestError(
            "the repository URL carries credentials (user:password@ or a token before @), "
            "which would be stored in plain text and shown to everyone who may see the app",
            where=where,
            hint=CREDENTIALS_HINT,
        )


def _optional(fields: Fields, name: str, parse: Any) -> Any:
    child = fields.mapping(name)
    if child is None:
        return None
    parsed = parse(child)
    child.finish()
    return parsed


def _parse_helm(fields: Fields) -> HelmOptions:
    values_object = fields.raw("valuesObject")
    if values_object is not None and not isinstance(values_object, Mapping):
        raise ManifestError(
            "expected a mapping of Helm values",
            where=fields.where("valuesObject"),
            hint="Write `valuesObject` as YAML values, or use `values` for a YAML string",
        )
    values = fields.raw("values")
    if isinstance(values, Mapping):  # Argo CD accepts an object here too and treats it as YAML
        values_object = {**values, **(values_object or {})}
        values = ""
    elif values is not None and not isinstance(values, str):
        raise ManifestError(
            "expected a YAML string",
            where=fields.where("values"),
            hint="Write `values: |` followed by the YAML values",
        )
    return HelmOptions(
        value_files=fields.texts("valueFiles"),
        values=values or "",
        values_object=values_object,
        parameters=tuple(_parameter(item) for item in fields.mappings("parameters")),
        file_parameters=tuple(_file_parameter(item) for item in fields.mappings("fileParameters")),
        release_name=fields.text("releaseName"),
        ignore_missing_value_files=fields.flag("ignoreMissingValueFiles"),
        skip_crds=fields.flag("skipCrds"),
        skip_schema_validation=fields.flag("skipSchemaValidation"),
        skip_tests=fields.flag("skipTests"),
        namespace=fields.text("namespace"),
        kube_version=fields.text("kubeVersion"),
        api_versions=fields.texts("apiVersions"),
        pass_credentials=fields.flag("passCredentials"),
        version=fields.text("version"),
    )


def _parameter(fields: Fields) -> HelmParameter:
    parameter = HelmParameter(
        name=fields.text("name", required=True),
        value=fields.scalar_text("value"),
        force_string=fields.flag("forceString"),
    )
    fields.finish()
    return parameter


def _file_parameter(fields: Fields) -> HelmFileParameter:
    parameter = HelmFileParameter(
        name=fields.text("name", required=True), path=fields.text("path", required=True)
    )
    fields.finish()
    return parameter


def _parse_directory(fields: Fields) -> DirectoryOptions:
    return DirectoryOptions(
        recurse=fields.flag("recurse"),
        include=fields.text("include"),
        exclude=fields.text("exclude"),
        jsonnet=_optional(fields, "jsonnet", _parse_jsonnet) or JsonnetOptions(),
    )


def _parse_jsonnet(fields: Fields) -> JsonnetOptions:
    return JsonnetOptions(
        tlas=_jsonnet_vars(fields, "tlas"),
        ext_vars=_jsonnet_vars(fields, "extVars"),
        libs=fields.texts("libs"),
    )


def _jsonnet_vars(fields: Fields, name: str) -> tuple[JsonnetVar, ...]:
    found: list[JsonnetVar] = []
    for item in fields.mappings(name):
        found.append(
            JsonnetVar(
                name=item.text("name", required=True),
                value=item.scalar_text("value"),
                code=item.flag("code"),
            )
        )
        item.finish()
    return tuple(found)


_KUSTOMIZE_NOT_YET = (
    "version",
    "replicas",
    "patches",
    "components",
    "forceCommonLabels",
    "forceCommonAnnotations",
)


def _parse_kustomize(fields: Fields) -> KustomizeOptions:
    for name in _KUSTOMIZE_NOT_YET:
        fields.unsupported(name, "this kustomize option is not passed on yet")
    return KustomizeOptions(
        name_prefix=fields.text("namePrefix"),
        name_suffix=fields.text("nameSuffix"),
        namespace=fields.text("namespace"),
        images=fields.texts("images"),
        common_labels=fields.text_map("commonLabels"),
        common_annotations=fields.text_map("commonAnnotations"),
    )
