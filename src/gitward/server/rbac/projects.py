"""The policy lines an AppProject's roles add while a request concerns that project.

Argo CD adds, for each ``spec.roles[]`` entry of project P, an implicit
``p, proj:P:<role>, projects, get, P, allow``, the role's own policies, and
``g, <group>, proj:P:<role>`` for each of its SSO groups. These lines are only in force for a
request whose object belongs to P.

Unlike Argo CD, which checks role policies only when they are written through its API, gitward
checks every line as Argo CD's API would (subject ``proj:P:<role>``, a project-scoped resource,
an object ``P/<name>``, an effect allow/deny) and drops a line that fails, with a warning: a
declarative AppProject must not grant anything outside its own project. Pure: no I/O.
"""

from __future__ import annotations

import re

from gitward.errors import ConfigError, Location
from gitward.model.project import AppProject, ProjectRole
from gitward.server.rbac import matching, vocabulary
from gitward.server.rbac.lines import Link, Origin, PolicyLines, Rule, parse_rule, read_fields

__all__ = ["project_lines", "project_role_subject"]

_ROLE_NAME = re.compile(r"^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$")
_FORBIDDEN_GROUP_CHARS = re.compile(r'["\n\r\t]')


def project_role_subject(project: str, role: str) -> str:
    """The subject a project role's policies and tokens use: ``proj:<project>:<role>``."""
    return f"proj:{project}:{role}"


def project_lines(project: AppProject) -> PolicyLines:
    """The runtime policy of ``project``: valid lines kept, invalid ones dropped with a warning."""
    result = PolicyLines()
    for index, role in enumerate(project.roles):
        where = Location(
            file=project.file, obj=f"AppProject {project.name}", field=f"spec.roles[{index}]"
        )
        result = result + _role_lines(project.name, role, where)
    return result


def _role_lines(project: str, role: ProjectRole, where: Location) -> PolicyLines:
    if not _ROLE_NAME.match(role.name):
        return PolicyLines(
            warnings=(f"{where}: role name {role.name!r} is invalid; the role is ignored",)
        )
    subject = project_role_subject(project, role.name)
    implicit = Rule(
        subject, "projects", "get", project, "allow", Origin(where.at(f"{where.field}.name"))
    )
    rules, warnings = [implicit], []
    for number, text in enumerate(role.policies):
        line_where = where.at(f"{where.field}.policies[{number}]")
        try:
            rules.append(_role_rule(text, project, subject, line_where))
        except ConfigError as err:
            warnings.append(f"{err.message}; the line is ignored")
    links, group_warnings = _role_links(role, subject, where)
    return PolicyLines(tuple(rules), links, tuple(warnings) + group_warnings)


def _role_rule(text: str, project: str, subject: str, where: Location) -> Rule:
    fields = read_fields(text.strip(), where)
    if fields[0] != "p":
        raise ConfigError("a project role policy is a 'p' line", where=where)
    rule = parse_rule(fields, Origin(where), matching.GLOB)
    if rule.subject != subject:
        raise ConfigError(f"the subject must be {subject!r}, not {rule.subject!r}", where=where)
    if rule.resource not in vocabulary.PROJECT_SCOPED:
        scoped = ", ".join(sorted(vocabulary.PROJECT_SCOPED))
        raise ConfigError(
            f"a project role may only grant {scoped}, not {rule.resource!r}", where=where
        )
    if not re.fullmatch(rf"{re.escape(project)}/([*\w.-]+/)?[*\w.-]+", rule.obj):
        raise ConfigError(
            f"the object must be {project}/* or {project}/<name>, not {rule.obj!r}", where=where
        )
    return rule


def _role_links(
    role: ProjectRole, subject: str, where: Location
) -> tuple[tuple[Link, ...], tuple[str, ...]]:
    links, warnings = [], []
    for number, group in enumerate(role.groups):
        name = group.strip()
        if len(name) > 1 and name.startswith('"') and name.endswith('"'):
            name = name[1:-1]
        group_where = where.at(f"{where.field}.groups[{number}]")
        if not name or _FORBIDDEN_GROUP_CHARS.search(name):
            warnings.append(f"{group_where}: group {group!r} is empty or has quotes or newlines")
            continue
        links.append(Link(name, subject, Origin(group_where)))
    return tuple(links), tuple(warnings)
