"""The user-supplied values of a Helm source, layered exactly as Argo CD hands them to Helm.

Argo CD runs ``helm template`` with ``--values`` for each ``valueFiles`` entry (in order), then a
temporary file holding ``valuesObject`` (or, when that is unset, ``values``), then ``--set`` for
each parameter, ``--set-string`` for each ``forceString`` parameter and ``--set-file`` for each
file parameter. Helm merges the files (maps merge, anything else replaces, ``null`` is kept so
that it later deletes a chart default) and writes the ``--set`` expressions into the result. This
module builds that one dict; coalescing it with the chart's own values is Helm's job.

Value files are read only from inside a checkout: relative to the chart, anywhere inside the
repository, or inside another source's checkout through ``$ref/path``. An entry with ``*``,
``?`` or ``[`` is a glob, expanded in place as Argo CD does (:mod:`~gitward.render.valueglobs`):
a file an explicit entry names is left to that entry, a file two globs match comes at the
first, and a glob that matches nothing is an error unless ``ignoreMissingValueFiles``. Remote (``http(s)://``)
value files are refused: gitward never fetches URLs named by a repository.
It must not load or render a chart.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitward.errors import GitwardError, Location, ManifestError, SourceError
from gitward.git import paths
from gitward.redaction import redact, redact_url
from gitward.render import manifests, valueglobs
from gitward.render.request import RenderRequest

__all__ = ["UserValues", "argocd_env", "envsubst", "merge_values", "user_values"]

Values = dict[str, Any]

# Go's os.Expand: ${name}, ${} and an unclosed ${ (both eaten), a one-character shell special
# ($$, $1, $-, ...) or a name of letters, digits and underscores.
_ENV_REFERENCE = re.compile(r"\$\{([^}]+)\}|\$\{\}?|\$([*#$@!?0-9-])|\$([A-Za-z_][A-Za-z0-9_]*)")
_YAML_LINE = re.compile(r"\bline (\d+)")


@dataclass
class UserValues:
    """The merged user values and what was noticed while reading them."""

    values: Values = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def argocd_env(request: RenderRequest) -> dict[str, str]:
    """The ``$ARGOCD_APP_*`` variables Argo CD substitutes into value file paths and parameters."""
    revision = request.sha or ""
    return {
        "ARGOCD_APP_NAME": request.app.name,
        "ARGOCD_APP_NAMESPACE": request.namespace,
        "ARGOCD_APP_PROJECT_NAME": request.app.project,
        "ARGOCD_APP_REVISION": revision,
        "ARGOCD_APP_REVISION_SHORT": revision[:7],
        "ARGOCD_APP_REVISION_SHORT_8": revision[:8],
        "ARGOCD_APP_SOURCE_PATH": request.source.path,
        "ARGOCD_APP_SOURCE_REPO_URL": request.source.repo_url,
        "ARGOCD_APP_SOURCE_TARGET_REVISION": request.source.target_revision,
    }


def envsubst(text: str, env: Mapping[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` replaced from ``env`` (unknown ones by ""), ``$$`` -> ``$``.

    The same expansion as Go's ``os.Expand``, which Argo CD uses, down to its corners: ``$1``,
    ``$-`` and the other shell specials are one-character names (``$1x`` -> ``x``), and the
    bad syntax ``${}`` and an unclosed ``${`` is dropped.
    """
    if "$" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3) or ""
        if name == "$":  # Argo CD's mapping keeps $$ (and ${$}) as one $
            return "$"
        return env.get(name, "")

    return _ENV_REFERENCE.sub(replace, text)


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> Values:
    """Helm's merge of two values files: maps merge recursively, anything else replaces.

    ``null`` in ``override`` is kept (Helm later reads it as "delete this chart default").
    """
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_values(current, value)
        else:
            merged[key] = value
    return merged


def user_values(request: RenderRequest) -> UserValues:
    """Value files, then values/valuesObject, then parameters: later layers win."""
    options = request.source.helm
    result = UserValues()
    if options is None:
        return result
    env = argocd_env(request)
    explicit = _explicit_files(request, env)
    globbed: set[Path] = set()
    for index, raw in enumerate(options.value_files):
        if not _is_pattern(raw, env):
            layer = _value_file(request, index, raw, env, result.warnings)
            if layer is not None:
                result.values = merge_values(result.values, layer)
            continue
        for path, shown in _glob_files(request, index, raw, env, result.warnings):
            if path in explicit or path in globbed:
                continue  # as in Argo CD: an explicit entry places it; else the first match
            globbed.add(path)
            layer = _read_value_file(request, path, shown)
            result.values = merge_values(result.values, layer)
    result.values = merge_values(result.values, _inline_values(request, result.warnings))
    result.values = _apply_parameters(request, result.values, env)
    return result


def _value_file(
    request: RenderRequest, index: int, raw: str, env: Mapping[str, str], warnings: list[str]
) -> Values | None:
    assert request.source.helm is not None
    where = request.where(f"helm.valueFiles[{index}]")
    path, shown = _resolve_value_file(request, raw, env, where)
    if not path.exists():
        missing = f"value file {shown!r} does not exist{_in_ref_source(request, raw)}"
        if request.source.helm.ignore_missing_value_files:
            warnings.append(f"{where}: {missing}, skipped")
            return None
        relative_to = (
            "the root of the repository of the source with that `ref`"
            if raw.startswith("$")
            else "the chart directory"
        )
        raise SourceError(
            missing,
            where=where,
            hint=f"Check the path (relative to {relative_to}), or set "
            "`ignoreMissingValueFiles: true`",
        )
    if not path.is_file():
        raise SourceError(
            f"value file {shown!r} is not a file", where=where, hint="Name a YAML file"
        )
    return _read_value_file(request, path, shown)


def _read_value_file(request: RenderRequest, path: Path, shown: str) -> Values:
    text = manifests.read_text(path, shown=shown, limits=request.limits)
    return _parse_values(text, Location(file=shown, obj=request.obj), what="values file")


def _is_pattern(raw: str, env: Mapping[str, str]) -> bool:
    """A glob entry (never a URL: those are refused as they are)."""
    text = envsubst(raw, env)
    return valueglobs.is_glob(text) and not paths.looks_like_url(text)


def _explicit_files(request: RenderRequest, env: Mapping[str, str]) -> set[Path]:
    """The files the plain entries name: a glob leaves them to their own entry's place."""
    assert request.source.helm is not None
    found = set()
    for index, raw in enumerate(request.source.helm.value_files):
        if not _is_pattern(raw, env):
            where = request.where(f"helm.valueFiles[{index}]")
            with contextlib.suppress(GitwardError):  # reported at its own turn
                found.add(_resolve_value_file(request, raw, env, where)[0])
    return found


def _glob_files(
    request: RenderRequest, index: int, raw: str, env: Mapping[str, str], warnings: list[str]
) -> list[tuple[Path, str]]:
    """The files a glob entry matches, in Argo CD's order (see ``valueglobs``), with how each
    is shown; none is an error unless ``ignoreMissingValueFiles``."""
    assert request.source.helm is not None
    where = request.where(f"helm.valueFiles[{index}]")
    if raw.startswith("$"):
        ref, _, rest = raw.partition("/")
        root = _ref_root(request, raw, ref, where)
        pattern, shown_prefix = envsubst(rest, env), f"{ref}/"
    else:
        root = request.root
        pattern = paths.join_source_path(request.source_path, envsubst(raw, env))
        shown_prefix = ""
    matched = valueglobs.expand(root, pattern, where=where)
    if not matched:
        problem = f"values file glob {raw!r} matched no files{_in_ref_source(request, raw)}"
        if request.source.helm.ignore_missing_value_files:
            warnings.append(f"{where}: {problem}, skipped")
            return []
        raise SourceError(
            problem,
            where=where,
            hint="Add a matching file, fix the pattern, or set `ignoreMissingValueFiles: true`",
        )
    return [
        (paths.resolve_inside(root, relative, where=where), f"{shown_prefix}{relative}")
        for relative in matched
    ]


def _resolve_value_file(
    request: RenderRequest, raw: str, env: Mapping[str, str], where: Location
) -> tuple[Path, str]:
    """The real path of a value file and how to show it (relative to its repository)."""
    if raw.startswith("$"):
        ref, _, rest = raw.partition("/")
        root = _ref_root(request, raw, ref, where)
        relative = envsubst(rest, env) or "."
        return paths.resolve_inside(root, relative, where=where, must_exist=False), raw
    text = envsubst(raw, env)
    if text.strip().lower().startswith(("http://", "https://")):
        raise SourceError(
            f"value file {text!r} is a URL; gitward does not fetch value files from the network",
            where=where,
            hint="Commit the values file to a repository and name it by path, or through a "
            "`$ref/` source",
        )
    if paths.looks_like_url(text):
        raise SourceError(
            f"value file {text!r} is a URL, not a path in the repository",
            where=where,
            hint="Name the values file by its path in the repository",
        )
    relative = paths.join_source_path(request.source_path, text)
    return paths.resolve_inside(request.root, relative, where=where, must_exist=False), relative


def _ref_root(request: RenderRequest, raw: str, ref: str, where: Location) -> Path:
    root = request.refs.get(ref[1:])
    if root is None:
        known = ", ".join(f"${name}" for name in sorted(request.refs)) or "none"
        raise ManifestError(
            f"value file {raw!r} names source ref {ref!r}, which no source of the app has",
            where=where,
            hint=f"Use one of the refs of the app's sources ({known}), or a path",
        )
    return root


def _in_ref_source(request: RenderRequest, raw: str) -> str:
    """Where a ``$ref/...`` value file was looked for: the source with that ``ref`` (its
    field and repository), so that an error points at the repository that lacks the file."""
    if not raw.startswith("$"):
        return ""
    name = raw.partition("/")[0][1:]
    for index, source in enumerate(request.app.sources):
        if source.ref == name:
            return f" in spec.sources[{index}] (ref: {name}, {redact_url(source.repo_url)})"
    return ""


def _inline_values(request: RenderRequest, warnings: list[str]) -> Values:
    """``valuesObject`` if set, else the ``values`` YAML string (Argo CD never merges the two)."""
    options = request.source.helm
    assert options is not None
    if options.values_object is not None:
        if options.values.strip():
            warnings.append(
                f"{request.where('helm.values')}: ignored because `valuesObject` is set "
                "(as in Argo CD, valuesObject replaces values)"
            )
        return _plain(options.values_object)
    if not options.values.strip():
        return {}
    return _parse_values(options.values, request.where("helm.values"), what="`values`")


def _plain(values: Mapping[str, Any]) -> Values:
    """Plain JSON-shaped values (dates and other YAML types as strings)."""
    plain: Values = json.loads(json.dumps(values, default=str))
    return plain


def _parse_values(text: str, where: Location, *, what: str) -> Values:
    """Parse values YAML with Helm's own parser (YAML 1.1 quirks included, as in Helm)."""
    import helm_python as helm  # noqa: PLC0415 - the SDK (~80 MB) loads at the first Helm render

    try:
        return helm.values_from_yaml(text)
    except helm.HelmValuesError as err:
        detail = redact(" ".join(str(err).split()))
        line = _YAML_LINE.search(detail)
        if line and where.field is None and where.file:
            where = Location(file=f"{where.file}:{line.group(1)}", obj=where.obj)
        if "cannot unmarshal" in detail:
            problem = f"the {what} must be a mapping of keys to values"
        else:
            reason = detail.removeprefix("error converting YAML to JSON: ")
            problem = f"invalid YAML in the {what}: {reason}"
        raise ManifestError(
            problem, where=where, hint="Fix the YAML; Helm values are a mapping at the top level"
        ) from err


def _apply_parameters(request: RenderRequest, base: Values, env: Mapping[str, str]) -> Values:
    """``--set``, then ``--set-string``, then ``--set-file``, each written into ``base``."""
    import helm_python as helm  # noqa: PLC0415 - the SDK (~80 MB) loads at the first Helm render

    options = request.source.helm
    assert options is not None
    merged = base
    ordered = sorted(enumerate(options.parameters), key=lambda item: item[1].force_string)
    for index, parameter in ordered:
        value = _escape_commas(envsubst(parameter.value, env))
        parse = helm.parse_set_string_values if parameter.force_string else helm.parse_set_string
        where = request.where(f"helm.parameters[{index}]")
        parsed = _parse_set(parse, f"{parameter.name}={value}", where)
        merged = _set_into(merged, parsed, indexed="[" in parameter.name)
    for index, file_parameter in enumerate(options.file_parameters):
        where = request.where(f"helm.fileParameters[{index}]")
        content = _file_parameter_text(request, file_parameter.path, env, where)
        parsed = _parse_set(helm.parse_set_literal, f"{file_parameter.name}={content}", where)
        merged = _set_into(merged, parsed, indexed="[" in file_parameter.name)
    return merged


def _escape_commas(value: str) -> str:
    """Argo CD escapes commas in ``--set`` values unless the value is a ``{a,b}`` list."""
    if value.startswith("{") and value.endswith("}"):
        return value
    return re.sub(r"(?<!\\),", r"\\,", value)


def _parse_set(parse: Any, expression: str, where: Location) -> Values:
    import helm_python as helm  # noqa: PLC0415 - the SDK (~80 MB) loads at the first Helm render

    try:
        parsed: Values = parse(expression)
    except helm.HelmValuesError as err:
        raise ManifestError(
            f"Helm cannot read the parameter: {redact(' '.join(str(err).split()))}",
            where=where,
            hint="Write the name as a dotted Helm path, e.g. `image.tag` or `servers[0].port`",
        ) from err
    return parsed


def _file_parameter_text(
    request: RenderRequest, raw: str, env: Mapping[str, str], where: Location
) -> str:
    text = envsubst(raw, env)
    if paths.looks_like_url(text):
        raise SourceError(
            f"file parameter {text!r} is a URL; gitward reads parameter files from the "
            "repository only",
            where=where,
            hint="Commit the file and name it by its path relative to the chart",
        )
    relative = paths.join_source_path(request.source_path, text)
    path = paths.resolve_inside(request.root, relative, where=where)
    return manifests.read_text(path, shown=relative, limits=request.limits)


def _set_into(base: Values, parsed: Mapping[str, Any], *, indexed: bool) -> Values:
    """Write a parsed ``--set`` expression into ``base`` as Helm's ``strvals.ParseInto`` does.

    Maps merge. Lists written through an index (``a[1].b=x``) merge element by element, the
    unnamed elements (``None`` in the parse) keeping what ``base`` had; other values replace.
    """
    merged = dict(base)
    for key, value in parsed.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = _set_into(dict(current), value, indexed=indexed)
        elif indexed and isinstance(value, list) and isinstance(current, list):
            merged[key] = _set_list(current, value)
        else:
            merged[key] = value
    return merged


def _set_list(current: list[Any], update: list[Any]) -> list[Any]:
    result = list(current) + [None] * max(0, len(update) - len(current))
    for position, item in enumerate(update):
        previous = result[position]
        if item is None and position < len(current):
            continue
        if isinstance(item, Mapping) and isinstance(previous, Mapping):
            result[position] = _set_into(dict(previous), item, indexed=True)
        else:
            result[position] = item
    return result
