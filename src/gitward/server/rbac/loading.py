"""Read a policy from policy.csv text, an argocd-rbac-cm ConfigMap, or a file holding either.

An argocd-rbac-cm ConfigMap carries ``data.policy.csv`` (plus ``policy.<name>.csv`` overlays,
appended in key order as Argo CD does), ``data.policy.default`` (the role every authenticated user
has), ``data.scopes`` (which OIDC claims hold group names; ``[groups]`` by default) and
``data.policy.matchMode`` (``glob`` or ``regex``). Errors name the file and line: for a
``policy.csv: |`` block the line of the file itself, otherwise the line within the data key.
Only ``read_file`` touches the disk, and only to read the one file it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import ConfigError, Location
from gitward.server.rbac import matching
from gitward.server.rbac.lines import LineLocator, PolicyLines, parse_lines

__all__ = ["DEFAULT_SCOPES", "PolicySource", "parse_scopes", "read_configmap", "read_csv"]

DEFAULT_SCOPES = ("groups",)
POLICY_KEY = "policy.csv"
DEFAULT_KEY = "policy.default"
SCOPES_KEY = "scopes"
MATCH_MODE_KEY = "policy.matchMode"


@dataclass(frozen=True, slots=True)
class PolicySource:
    """Everything a policy file says, checked."""

    lines: PolicyLines
    default_role: str = ""
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    match_mode: str = matching.GLOB
    warnings: tuple[str, ...] = ()


def read_csv(
    text: str,
    *,
    file: str = POLICY_KEY,
    default_role: str = "",
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    match_mode: str = matching.GLOB,
) -> PolicySource:
    """A policy.csv text; raises ``ConfigError`` naming ``file`` and the line."""
    if match_mode not in matching.MATCH_MODES:
        raise ConfigError(
            f"the match mode must be glob or regex, not {match_mode!r}", where=Location(file)
        )
    lines = parse_lines(text, lambda number: Location(file=f"{file}:{number}"), match_mode)
    return PolicySource(lines, default_role.strip(), scopes, match_mode, lines.warnings)


def read_configmap(text: str, *, file: str = "argocd-rbac-cm.yaml") -> PolicySource:
    """An argocd-rbac-cm ConfigMap in YAML; raises ``ConfigError`` naming file and line."""
    document, node = _configmap_document(text, file)
    name = _metadata_name(document)
    where = Location(file=file, obj=f"ConfigMap {name}")
    data, nodes = _data(document, node, where)
    mode, warnings = _match_mode(data.get(MATCH_MODE_KEY, ""), where.at(f"data.{MATCH_MODE_KEY}"))
    lines = PolicyLines()
    for key in _policy_keys(data):
        locate = _locator(file, where.obj, key, nodes.get(key))
        lines = lines + parse_lines(data[key], locate, mode)
    scopes = parse_scopes(data.get(SCOPES_KEY, ""), where.at(f"data.{SCOPES_KEY}"))
    default_role = data.get(DEFAULT_KEY, "").strip()
    return PolicySource(lines, default_role, scopes, mode, warnings + lines.warnings)


def read_file(path: str | Path) -> PolicySource:
    """A file holding either a policy.csv or the ConfigMap YAML (told apart by its content)."""
    file = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as err:
        raise ConfigError(
            f"cannot read the RBAC policy: {err.strerror}", where=Location(file)
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("the RBAC policy is not UTF-8 text", where=Location(file)) from None
    if _looks_like_yaml(file, text):
        return read_configmap(text, file=file)
    return read_csv(text, file=file)


def parse_scopes(value: str, where: Location) -> tuple[str, ...]:
    """``[groups, email]`` or ``groups`` -> claim names; empty -> ``("groups",)``."""
    if not value.strip():
        return DEFAULT_SCOPES
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        parsed = None
    if isinstance(parsed, str) and parsed.strip():
        return (parsed.strip(),)
    if isinstance(parsed, list) and parsed and all(isinstance(s, str) and s for s in parsed):
        return tuple(parsed)
    raise ConfigError(
        f"scopes must name OIDC claims, like '[groups, email]', not {value!r}",
        where=where,
        hint="write the claim names as a YAML list inside a string: scopes: '[groups]'",
    )


def _looks_like_yaml(file: str, text: str) -> bool:
    if file.endswith((".yaml", ".yml")):
        return True
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith(("apiVersion:", "kind:", "---"))
    return False


def _configmap_document(text: str, file: str) -> tuple[dict[str, Any], yaml.Node]:
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            document = loader.construct_document(node)
            if (
                node is not None
                and isinstance(document, dict)
                and document.get("kind") == "ConfigMap"
            ):
                return document, node
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "malformed"
        raise ConfigError(f"not valid YAML: {problem}", where=Location(f"{file}{line}")) from None
    finally:
        loader.dispose()
    raise ConfigError(
        "no ConfigMap found",
        where=Location(file),
        hint="give an argocd-rbac-cm ConfigMap (kind: ConfigMap) or a policy.csv file",
    )


def _metadata_name(document: dict[str, Any]) -> str:
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) and name else "argocd-rbac-cm"


def _data(
    document: dict[str, Any], node: yaml.Node, where: Location
) -> tuple[dict[str, str], dict[str, yaml.Node]]:
    data = document.get("data")
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError("data must be a mapping of keys to strings", where=where.at("data"))
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ConfigError(
                f"data.{key} must be a string, not {type(value).__name__}",
                where=where.at(f"data.{key}"),
                hint="ConfigMap values are strings: quote the value or use a '|' block",
            )
    return data, _value_nodes(node, "data")


def _value_nodes(node: yaml.Node, key: str) -> dict[str, yaml.Node]:
    """The YAML nodes of ``node[key]``'s values, to locate lines in the file."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    for key_node, value_node in node.value:
        if key_node.value == key and isinstance(value_node, yaml.MappingNode):
            return {str(k.value): v for k, v in value_node.value}
    return {}


def _policy_keys(data: dict[str, str]) -> list[str]:
    overlays = sorted(
        key
        for key in data
        if key.startswith("policy.") and key.endswith(".csv") and key != POLICY_KEY
    )
    return ([POLICY_KEY] if POLICY_KEY in data else []) + overlays


def _locator(file: str, obj: str | None, key: str, node: yaml.Node | None) -> LineLocator:
    literal = isinstance(node, yaml.ScalarNode) and node.style == "|"
    first = node.start_mark.line + 1 if literal and node is not None else None

    def locate(number: int) -> Location:
        at = f"{file}:{first + number}" if first is not None else file
        return Location(file=at, obj=obj, field=f"data.{key} line {number}")

    return locate


def _match_mode(value: str, where: Location) -> tuple[str, tuple[str, ...]]:
    mode = value.strip()
    if mode in ("", matching.GLOB):
        return matching.GLOB, ()
    if mode == matching.REGEX:
        return matching.REGEX, ()
    return matching.GLOB, (f"{where}: unknown match mode {mode!r}; glob is used, as in Argo CD",)
