"""How Applications from the API look in a terminal: Argo CD's tables and summary blocks.

The documents are the server's Argo CD-shaped JSON (``metadata``, ``spec``, ``status``); this
module reads them defensively (a missing field shows as empty, never a crash) and returns text.
It decides nothing and must not talk to the server.
"""

from __future__ import annotations

from typing import Any

from gitward.cli.output import fields, table

__all__ = [
    "app_list",
    "app_summary",
    "destination_text",
    "dig",
    "history_table",
    "operation_summary",
    "progress_line",
    "promotion_text",
    "short_revision",
    "sync_count",
    "sync_policy_text",
    "text",
    "to_the_second",
]

TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Error"})


def dig(document: object, *keys: str) -> Any:
    """``document[k1][k2]...``, or ``None`` where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def text(document: object, *keys: str) -> str:
    """The string at ``keys`` ("" when missing)."""
    value = dig(document, *keys)
    return "" if value is None else str(value)


def short_revision(revision: str) -> str:
    """A commit SHA cut to 7 characters, as git and Argo CD show it; other revisions whole."""
    is_sha = len(revision) == 40 and all(c in "0123456789abcdef" for c in revision)
    return revision[:7] if is_sha else revision


def destination_text(app: object) -> str:
    """``server/namespace`` (or ``name/namespace``) of the app's destination."""
    cluster = text(app, "spec", "destination", "server") or text(app, "spec", "destination", "name")
    namespace = text(app, "spec", "destination", "namespace")
    return f"{cluster}/{namespace}" if namespace else cluster


def sync_policy_text(app: object) -> str:
    """``manual`` or ``auto (prune, selfHeal)``, as ``gitward render`` writes it."""
    automated = dig(app, "spec", "syncPolicy", "automated")
    if not isinstance(automated, dict) or automated.get("enabled") is False:
        return "manual"
    flags = [flag for flag in ("prune", "selfHeal", "allowEmpty") if automated.get(flag) is True]
    return f"auto ({', '.join(flags)})" if flags else "auto"


def app_list(apps: list[Any], *, wide: bool) -> str:
    """``gitward app list``: one row per app."""
    headers = ["NAME", "PROJECT", "SYNC STATUS", "HEALTH STATUS", "REVISION"]
    if wide:
        headers += ["DESTINATION", "SYNC POLICY"]
    rows = []
    for app in apps:
        row = [
            text(app, "metadata", "name"),
            text(app, "spec", "project"),
            text(app, "status", "sync", "status") or "Unknown",
            text(app, "status", "health", "status") or "Unknown",
            _commits(dig(app, "status", "sync")) or "-",
        ]
        if wide:
            row += [destination_text(app), sync_policy_text(app)]
        rows.append(row)
    return table(headers, rows)


def app_summary(app: object, *, show_operation: bool = False) -> str:
    """``gitward app get``: the summary block, conditions, the operation, the resources."""
    parts = [fields(_summary_fields(app))]
    conditions = _list(dig(app, "status", "conditions"))
    if conditions:
        rows = [[text(c, "type"), _one_line(text(c, "message"))] for c in conditions]
        parts.append(table(["CONDITION", "MESSAGE"], rows))
    if show_operation and isinstance(dig(app, "status", "operationState"), dict):
        parts.append(operation_summary(app))
    resources = _list(dig(app, "status", "resources"))
    if resources:
        parts.append(_resources_table(app, resources))
    return "\n".join(parts)


def operation_summary(app: object) -> str:
    """The last operation of an app: what, which revision, how it ended, per-resource results."""
    state = dig(app, "status", "operationState")
    asked, result = dig(state, "operation", "sync"), dig(state, "syncResult")
    revision = text(asked, "revision") or text(result, "revision")
    revision = revision or _source_commits(asked) or _source_commits(result)
    block = fields(
        [
            ("Operation", "Sync"),
            ("Sync Revision", revision),
            ("Initiated By", text(state, "operation", "initiatedBy", "username")),
            ("Phase", text(state, "phase")),
            ("Start", text(state, "startedAt")),
            ("Finished", text(state, "finishedAt")),
            ("Message", _one_line(text(state, "message"))),
        ]
    )
    results = _list(dig(state, "syncResult", "resources"))
    if not results:
        return block
    headers = ["GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HOOK", "MESSAGE"]
    rows = [
        [
            text(r, "group"),
            text(r, "kind"),
            text(r, "namespace"),
            text(r, "name"),
            text(r, "status"),
            text(r, "hookPhase"),
            _one_line(text(r, "message")),
        ]
        for r in results
    ]
    return block + "\n" + table(headers, rows)


def to_the_second(moment: str) -> str:
    """An RFC 3339 time without its fraction of a second (``2026-12-07T14:05:01Z``), as
    Kubernetes writes times; anything else as it is."""
    seconds, dot, rest = moment.partition(".")
    if not dot:
        return moment
    zone = rest.lstrip("0123456789")
    return seconds + zone


def history_table(app: object) -> str:
    """``gitward app history``: ID, DATE, REVISION, INITIATED BY, oldest first; the promotions
    into the app (``status.promotions``, gitward's) interleaved by time, with ``-`` for an ID
    (a rollback names deployments only) and what was promoted in place of a revision."""
    entries = sorted(_list(dig(app, "status", "history")), key=_history_id)
    rows = [
        (
            text(entry, "deployedAt"),
            [
                text(entry, "id"),
                to_the_second(text(entry, "deployedAt")),
                _history_revision(entry),
                text(entry, "initiatedBy", "username") or "-",
            ],
        )
        for entry in entries
    ]
    for promotion in _list(dig(app, "status", "promotions")):
        at = text(promotion, "promotedAt")
        who = text(promotion, "initiatedBy", "username") or "-"
        rows.append((at, ["-", to_the_second(at), promotion_text(promotion), who]))
    rows.sort(key=lambda row: row[0])  # stable: deployments keep their id order
    return table(["ID", "DATE", "REVISION", "INITIATED BY"], [row for _, row in rows])


def promotion_text(promotion: object) -> str:
    """``promoted backend.image.tag=v1.2.0 from staging@1a2b3c4: committed 5d6e7f8`` (or
    ``proposed on branch B, pull request LINK``, or ``refused: WHY``), ``(forced)`` when so; the
    keys whose value changed (all those read, for an entry that does not say)."""
    changed = [(text(c, "key"), text(c, "new")) for c in _list(dig(promotion, "changed"))]
    read = [(text(v, "key"), text(v, "value")) for v in _list(dig(promotion, "values"))]
    pairs = ", ".join(f"{key}={value}" for key, value in changed or read)
    source = text(promotion, "source")
    revision = short_revision(text(promotion, "sourceRevision"))
    origin = f"{source}@{revision}" if revision else source
    outcome = text(promotion, "outcome")
    if outcome == "refused":
        result = f"refused: {_one_line(text(promotion, 'message'))}"  # names the source
    elif outcome == "proposed":
        link = text(promotion, "pullRequest")
        result = f"promoted {pairs} from {origin}: proposed on branch {text(promotion, 'branch')}"
        result += f", pull request {link}" if link else ""
    else:
        commit = short_revision(text(promotion, "commit"))
        result = f"promoted {pairs} from {origin}: committed {commit}"
    return result + (" (forced)" if dig(promotion, "forced") is True else "")


def progress_line(app: object) -> str:
    """One line on where an app stands, for progress output while waiting."""
    name = text(app, "metadata", "name")
    phase = text(app, "status", "operationState", "phase") or "none"
    sync = text(app, "status", "sync", "status") or "Unknown"
    health = text(app, "status", "health", "status") or "Unknown"
    line = f"{name}: operation {phase}, sync {sync}, health {health}"
    if phase == "Running":
        done, total = sync_count(app)
        if total:
            line += f", {done}/{total} resources synced"
    return line


_DONE_RESULTS = frozenset({"Synced", "Pruned", "PruneSkipped"})


def sync_count(app: object) -> tuple[int, int]:
    """How many of a running sync's resources are done, out of how many: the total is known
    from the start (the resources the sync chose, else every resource of the app), so the count
    goes up 0/8, 3/8, 8/8 instead of following the results as they are written (1/1, 4/5)."""
    state = dig(app, "status", "operationState")
    results = _list(dig(state, "syncResult", "resources"))
    chosen = _list(dig(state, "operation", "sync", "resources"))
    total = max(len(chosen) or len(_list(dig(app, "status", "resources"))), len(results))
    done = sum(
        1
        for result in results
        if text(result, "status") in _DONE_RESULTS or text(result, "hookPhase") == "Succeeded"
    )
    return done, total


def _summary_fields(app: object) -> list[tuple[str, str]]:
    destination = dig(app, "spec", "destination")
    pairs = [
        ("Name", text(app, "metadata", "name")),
        ("Project", text(app, "spec", "project")),
        ("Server", text(destination, "server") or text(destination, "name")),
        ("Namespace", text(destination, "namespace")),
    ]
    sources = _list(dig(app, "spec", "sources")) or [dig(app, "spec", "source")]
    for source in sources:
        pairs += [
            ("Repo", text(source, "repoURL")),
            ("Target", text(source, "targetRevision")),
            ("Path", text(source, "path") or text(source, "chart")),
        ]
    pairs += [
        ("Sync Policy", sync_policy_text(app)),
        ("Sync Status", _sync_status(app)),
        ("Health Status", text(app, "status", "health", "status") or "Unknown"),
    ]
    return pairs


def _sync_status(app: object) -> str:
    """``Synced to HEAD (1a2b3c4)`` / ``OutOfSync from main (1a2b3c4)`` as Argo CD writes it;
    a multi-source app's ``Synced to main, v2 (1a2b3c4, 5d6e7f8)``, in source order."""
    status = text(app, "status", "sync", "status") or "Unknown"
    sources = _list(dig(app, "spec", "sources")) or [dig(app, "spec", "source")]
    target = ", ".join(text(source, "targetRevision") or "HEAD" for source in sources)
    revision = _commits(dig(app, "status", "sync"))
    preposition = "to" if status == "Synced" else "from"
    return f"{status} {preposition} {target}" + (f" ({revision})" if revision else "")


def _resources_table(app: object, resources: list[Any]) -> str:
    results = {
        _key(r): _one_line(text(r, "message"))
        for r in _list(dig(app, "status", "operationState", "syncResult", "resources"))
    }
    headers = ["GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "MESSAGE"]
    rows = [
        [
            text(r, "group"),
            text(r, "kind"),
            text(r, "namespace"),
            text(r, "name"),
            text(r, "status"),
            text(r, "health", "status"),
            results.get(_key(r)) or _one_line(text(r, "health", "message")),
        ]
        for r in resources
    ]
    return table(headers, rows)


def _history_revision(entry: object) -> str:
    target = text(entry, "targetRevision") or text(entry, "source", "targetRevision")
    revision = _commits(entry)
    return f"{target} ({revision})" if target and revision else revision or target


def _commits(document: object) -> str:
    """``revision`` cut short, or, when it is empty (a multi-source app), every source's
    commit from ``revisions``, cut short and joined with ", "."""
    return short_revision(text(document, "revision")) or _source_commits(document)


def _source_commits(document: object) -> str:
    return ", ".join(short_revision(str(item)) for item in _list(dig(document, "revisions")))


def _history_id(entry: object) -> int:
    value = dig(entry, "id")
    return value if isinstance(value, int) else 0


def _key(resource: object) -> tuple[str, str, str, str]:
    return (
        text(resource, "group"),
        text(resource, "kind"),
        text(resource, "namespace"),
        text(resource, "name"),
    )


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _one_line(message: str) -> str:
    return " ".join(message.split())
