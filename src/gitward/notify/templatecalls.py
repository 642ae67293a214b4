"""Argo CD's template helpers (``call .time.Now``, ``call .repo.GetCommitMetadata sha``…),
rewritten into what Helm's template engine can run.

Argo CD puts Go functions in a template's data (``.time``, ``.strings``, ``.sync``, ``.repo``)
and templates reach them with ``call``. Data given to Helm's ``tpl`` is plain, so each
``call .<namespace>.<Name> args…`` (or ``call $.…``) becomes the sprig function, named template
or data lookup that computes the same: ``time.Now`` is sprig's ``now`` and ``time.Parse`` its
``toDate`` with RFC 3339 (both real Go times: ``.Local.Format "…"`` works),
``strings.ReplaceAll/ToUpper/ToLower`` are ``replace``/``upper``/``lower``,
``sync.GetInfoItem``, ``repo.RepoURLToHTTPS`` and ``repo.FullNameByRepoURL`` are named
templates, ``repo.GetCommitMetadata sha`` looks the commit up in ``$.repo.commits`` (filled by
the notifier from gitward's git layer) and ``repo.GetAppDetails`` reads ``$.repo.appDetails``.
Arguments are read as Go template terms (fields, variables, strings, parenthesised pipelines);
a one-argument helper may also take its argument through a pipe, as the catalogue's
``{{.app.spec.source.repoURL | call .repo.RepoURLToHTTPS}}`` does.
Pure text work; it must not render anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gitward.errors import ConfigError

__all__ = ["HELPERS", "needs_commits", "rewrite_calls"]

_CALL = re.compile(r"\bcall\s+\$?\.(time|strings|sync|repo)\.([A-Za-z]+)")
_RFC3339 = '"2006-01-02T15:04:05Z07:00"'

HELPERS = """{{- define "repo.RepoURLToHTTPS" -}}
{{- if regexMatch "^([^/:@]+@)?[^/:]+:[^/]" . -}}
{{- regexReplaceAll "^([^@]+@)?([^:]+):/?(.*)$" . "https://${2}/${3}" -}}
{{- else -}}
{{- regexReplaceAll "^[a-zA-Z][a-zA-Z0-9+.-]*://([^@/]*@)?" . "https://" -}}
{{- end -}}
{{- end -}}
{{- define "repo.FullNameByRepoURL" -}}
{{- $path := regexReplaceAll "^([a-zA-Z][a-zA-Z0-9+.-]*://[^/]*/|([^/:@]+@)?[^/:]+:/?)" . "" -}}
{{- $parts := compact (splitList "/" ($path | trimSuffix ".git")) -}}
{{- if ge (len $parts) 2 }}{{ index $parts 0 }}/{{ index $parts 1 }}
{{- else }}{{ join "/" $parts }}{{ end -}}
{{- end -}}
{{- define "sync.GetInfoItem" -}}
{{- $app := index . 0 -}}{{- $name := index . 1 -}}
{{- $operation := $app.operation | default (($app.status).operationState).operation -}}
{{- range ($operation).info }}{{ if eq .name $name }}{{ .value }}{{ end }}{{ end -}}
{{- end -}}
"""
"""Named templates standing for Argo CD's helpers that are functions of their arguments."""


def _time(name: str, args: list[str]) -> str:
    if name == "Now" and not args:
        return "now"
    if name == "Parse" and len(args) <= 1:
        return " ".join(["toDate", _RFC3339, *args])
    raise _unknown("time", name)


def _strings(name: str, args: list[str]) -> str:
    if name == "ReplaceAll" and len(args) == 3:
        return f"replace {args[1]} {args[2]} {args[0]}"
    if name in ("ToUpper", "ToLower") and len(args) <= 1:
        return " ".join([name.removeprefix("To").lower(), *args])
    raise _unknown("strings", name)


def _sync(name: str, args: list[str]) -> str:
    if name == "GetInfoItem" and len(args) == 2:
        return f'include "sync.GetInfoItem" (list {args[0]} {args[1]})'
    raise _unknown("sync", name)


def _repo(name: str, args: list[str]) -> str:
    # with no argument the value comes through a pipe (``.url | call .repo.RepoURLToHTTPS``),
    # and Go appends it as the last argument, as the replacement does
    if name in ("RepoURLToHTTPS", "FullNameByRepoURL") and len(args) <= 1:
        return " ".join([f'include "repo.{name}"', *args])
    if name == "GetCommitMetadata" and len(args) <= 1:
        return " ".join(["index $.repo.commits", *args])
    if name == "GetAppDetails" and not args:
        return "$.repo.appDetails"
    raise _unknown("repo", name)


_NAMESPACES: dict[str, Callable[[str, list[str]], str]] = {
    "time": _time,
    "strings": _strings,
    "sync": _sync,
    "repo": _repo,
}


class TemplateCallError(ConfigError):
    """A ``call`` of a helper gitward does not provide (or with arguments it cannot take)."""


def _unknown(namespace: str, name: str) -> TemplateCallError:
    return TemplateCallError(
        f"call .{namespace}.{name} is not available here (or not with these arguments); "
        "see the notifications table of docs/compatibility.md"
    )


def needs_commits(text: str) -> bool:
    return "GetCommitMetadata" in text


def rewrite_calls(text: str) -> str:
    """``text`` with every ``call`` of Argo CD's helpers replaced (see the module docstring)."""
    out: list[str] = []
    at = 0
    for found in _CALL.finditer(text):
        if found.start() < at:
            continue
        args, end = _terms(text, found.end())
        out.append(text[at : found.start()])
        out.append(_NAMESPACES[found.group(1)](found.group(2), args))
        at = end
    out.append(text[at:])
    return "".join(out)


def _terms(text: str, at: int) -> tuple[list[str], int]:
    """The Go template terms from ``at`` up to the end of the command; (terms, where it ends)."""
    terms: list[str] = []
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text) or text[at] in ")|" or text.startswith(("}}", "-}}"), at):
            return terms, at
        end = _term_end(text, at)
        terms.append(text[at:end])
        at = end


def _term_end(text: str, at: int) -> int:
    if text[at] in '"`':
        return _string_end(text, at)
    if text[at] == "(":
        depth = 0
        while at < len(text):
            if text[at] in '"`':
                at = _string_end(text, at)
                continue
            depth += {"(": 1, ")": -1}.get(text[at], 0)
            at += 1
            if depth == 0:
                return at
        return at
    end = at
    while end < len(text) and text[end] not in " \t\r\n)|(" and not text.startswith("}}", end):
        end += 1
    return end


def _string_end(text: str, at: int) -> int:
    quote, at = text[at], at + 1
    while at < len(text) and text[at] != quote:
        at += 2 if quote == '"' and text[at] == "\\" else 1
    return at + 1
