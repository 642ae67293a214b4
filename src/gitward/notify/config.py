"""Argo CD's ``argocd-notifications-cm`` and ``argocd-notifications-secret``, read as they are.

The ConfigMap's ``data`` holds YAML strings under Argo CD's keys: ``service.<type>[.<name>]``
(``service.webhook.hooks``, ``service.email``, ``service.slack``…), ``template.<name>``,
``trigger.<name>`` (a list of conditions ``{when, send, oncePer}``), ``defaultTriggers``
(``defaultTriggers.<service>``), ``context`` and ``subscriptions`` (global subscriptions,
``recipients: [service:recipient]``, ``triggers``, a label ``selector``). ``$key`` in a
service's strings is the Secret's value of ``key`` (``data`` base64, or ``stringData``),
substituted here and kept only in the service; the Secret's values are listed so that every
error and log line can be scrubbed of them. A malformed entry is a :class:`NotifyConfigError`
naming the file, the key and the field. It must not send anything.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import ConfigError, Location
from gitward.model.selectors import Predicate, parse_selector
from gitward.notify.expr import Expression, ExpressionError, compile_expression

__all__ = [
    "Condition",
    "GlobalSubscription",
    "NotifyConfig",
    "NotifyConfigError",
    "Service",
    "load_notify_config",
    "parse_notify_config",
]

_SECRET_REFERENCE = re.compile(r"\$([\w.\-]+)")


class NotifyConfigError(ConfigError):
    """The notifications ConfigMap or Secret is malformed."""


@dataclass(frozen=True)
class Service:
    """One ``service.<type>[.<name>]``: ``name`` is what subscriptions and templates call it."""

    name: str
    type: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Condition:
    """One item of a trigger: when ``when`` holds, send the ``send`` templates (once per
    ``oncePer``'s value, if given)."""

    when: Expression
    send: tuple[str, ...]
    once_per: Expression | None = None
    description: str = ""


@dataclass(frozen=True)
class GlobalSubscription:
    """One item of the ConfigMap's ``subscriptions``: apps whose labels match ``selector`` (all
    when None) get ``triggers`` (the services' default triggers when empty) at ``recipients``,
    each ``(service, recipient)``."""

    recipients: tuple[tuple[str, str], ...]
    triggers: tuple[str, ...] = ()
    selector: Predicate | None = None


@dataclass(frozen=True)
class NotifyConfig:
    services: Mapping[str, Service] = field(default_factory=dict)
    templates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    triggers: Mapping[str, tuple[Condition, ...]] = field(default_factory=dict)
    default_triggers: tuple[str, ...] = ()
    service_default_triggers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    subscriptions: tuple[GlobalSubscription, ...] = ()
    secrets: tuple[str, ...] = ()
    """The Secret's values: never to be shown."""
    named_secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The Secret's keys and values, for templates' ``.secrets`` (revealed only when sending)."""

    def defaults_for(self, service: str) -> tuple[str, ...]:
        return self.service_default_triggers.get(service, self.default_triggers)


def load_notify_config(path: Path, secret_path: Path | None = None) -> NotifyConfig:
    """Read the ConfigMap (and Secret) files; errors name the file."""
    secrets = _secret_values(secret_path) if secret_path is not None else {}
    return parse_notify_config(_document(path), secrets, str(path))


def parse_notify_config(
    document: Mapping[str, Any], secrets: Mapping[str, str], file: str = ""
) -> NotifyConfig:
    """A config from a ConfigMap document (``{"data": {...}}``) or its bare ``data`` map."""
    data = document.get("data", document) if "kind" in document else document
    data = data or {}
    where = Location(file=file or None, obj="ConfigMap argocd-notifications-cm")
    if not isinstance(data, Mapping):
        raise NotifyConfigError("data must be a map of strings", where=where.at("data"))
    services: dict[str, Service] = {}
    templates: dict[str, Mapping[str, Any]] = {}
    triggers: dict[str, tuple[Condition, ...]] = {}
    defaults: dict[str, tuple[str, ...]] = {}
    context: Mapping[str, Any] = {}
    subscriptions: tuple[GlobalSubscription, ...] = ()
    for key, text in data.items():
        at = where.at(f"data[{key}]")
        value = _yaml(text, at)
        if key.startswith("service."):
            service = _service(key, value, secrets, at)
            services[service.name] = service
        elif key.startswith("template."):
            templates[key.removeprefix("template.")] = _mapping(value, at)
        elif key.startswith("trigger."):
            triggers[key.removeprefix("trigger.")] = _conditions(value, at)
        elif key == "defaultTriggers" or key.startswith("defaultTriggers."):
            defaults[key.partition(".")[2]] = tuple(str(name) for name in _list(value, at))
        elif key == "context":
            context = _mapping(value, at)
        elif key == "subscriptions":
            subscriptions = _subscriptions(value, at)
    _check_references(templates, triggers, where)
    return NotifyConfig(
        services=services,
        templates=templates,
        triggers=triggers,
        default_triggers=defaults.pop("", ()),
        service_default_triggers=defaults,
        context=context,
        subscriptions=subscriptions,
        secrets=tuple(sorted({value for value in secrets.values() if value})),
        named_secrets=dict(secrets),
    )


def _document(path: Path) -> Mapping[str, Any]:
    where = Location(file=str(path))
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise NotifyConfigError(f"cannot read it: {err.strerror}", where=where) from err
    except yaml.YAMLError as err:
        raise NotifyConfigError(f"not YAML: {err}", where=where) from err
    if not isinstance(loaded, Mapping):
        raise NotifyConfigError("expected a ConfigMap (a YAML map)", where=where)
    return loaded


def _secret_values(path: Path) -> dict[str, str]:
    """The Secret's keys and values: ``stringData`` as is, ``data`` decoded from base64."""
    document = _document(path)
    where = Location(file=str(path), obj="Secret argocd-notifications-secret")
    values: dict[str, str] = {}
    for key, encoded in dict(document.get("data") or {}).items():
        try:
            values[str(key)] = base64.b64decode(str(encoded), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as err:
            raise NotifyConfigError(
                "not base64-encoded text", where=where.at(f"data[{key}]"), hint="Use stringData"
            ) from err
    values.update({str(k): str(v) for k, v in dict(document.get("stringData") or {}).items()})
    return values


def _yaml(text: Any, where: Location) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise NotifyConfigError(f"not YAML: {err}", where=where) from err


def _mapping(value: Any, where: Location) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise NotifyConfigError("expected a map", where=where)
    return value


def _list(value: Any, where: Location) -> list[Any]:
    if not isinstance(value, list):
        raise NotifyConfigError("expected a list", where=where)
    return value


def _service(key: str, value: Any, secrets: Mapping[str, str], where: Location) -> Service:
    _, kind, name = [*key.split(".", 2), "", ""][:3]
    if not kind:
        raise NotifyConfigError("name the service type: service.<type>[.<name>]", where=where)
    options = _substitute(_mapping(value, where), secrets, where)
    return Service(name=name or kind, type=kind, options=options)


def _substitute(value: Any, secrets: Mapping[str, str], where: Location) -> Any:
    """``$key`` in every string replaced by the Secret's value of ``key``."""
    if isinstance(value, str):

        def one(match: re.Match[str]) -> str:
            if match.group(1) not in secrets:
                raise NotifyConfigError(
                    f"${match.group(1)} is not a key of argocd-notifications-secret",
                    where=where,
                    hint="Add it to the Secret given with --notifications-secret",
                )
            return secrets[match.group(1)]

        return _SECRET_REFERENCE.sub(one, value)
    if isinstance(value, Mapping):
        return {k: _substitute(v, secrets, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(item, secrets, where) for item in value]
    return value


def _conditions(value: Any, where: Location) -> tuple[Condition, ...]:
    found = []
    # Argo CD's docs also write a trigger as a single condition (a map); that is a list of one
    for index, given in enumerate([value] if isinstance(value, Mapping) else _list(value, where)):
        at = where.at(f"{where.field}[{index}]")
        item = _mapping(given, at)
        send = item.get("send") or []
        if not isinstance(send, list) or not send:
            raise NotifyConfigError("send must list template names", where=at)
        found.append(
            Condition(
                when=_compile(item.get("when", ""), at.at(f"{at.field}.when")),
                send=tuple(str(name) for name in send),
                once_per=_compile(item["oncePer"], at.at(f"{at.field}.oncePer"))
                if item.get("oncePer")
                else None,
                description=str(item.get("description", "")),
            )
        )
    return tuple(found)


def _subscriptions(value: Any, where: Location) -> tuple[GlobalSubscription, ...]:
    found = []
    for index, given in enumerate(_list(value or [], where)):
        at = where.at(f"{where.field}[{index}]")
        item = _mapping(given, at)
        recipients = []
        for text in _list(item.get("recipients") or [], at.at(f"{at.field}.recipients")):
            service, _, recipient = str(text).partition(":")
            recipients.append((service.strip(), recipient.strip()))
        selector = str(item.get("selector") or "")
        triggers = item.get("triggers") or []
        found.append(
            GlobalSubscription(
                recipients=tuple(recipients),
                triggers=tuple(str(t) for t in _list(triggers, at.at(f"{at.field}.triggers"))),
                selector=_selector(selector, at.at(f"{at.field}.selector")) if selector else None,
            )
        )
    return tuple(found)


def _selector(text: str, where: Location) -> Predicate:
    try:
        return parse_selector(text, where)
    except ConfigError as err:
        raise NotifyConfigError(err.problem, where=where, hint=err.hint) from err


def _compile(text: Any, where: Location) -> Expression:
    if not isinstance(text, str | bool) or text == "":
        raise NotifyConfigError("expected an expression", where=where)
    try:
        return compile_expression(str(text).lower() if isinstance(text, bool) else text)
    except ExpressionError as err:
        raise NotifyConfigError(err.problem, where=where) from err


def _check_references(
    templates: Mapping[str, Any], triggers: Mapping[str, tuple[Condition, ...]], where: Location
) -> None:
    for trigger, conditions in triggers.items():
        for condition in conditions:
            for name in condition.send:
                if name not in templates:
                    raise NotifyConfigError(
                        f"trigger {trigger} sends template {name}, which is not defined",
                        where=where.at(f"data[trigger.{trigger}]"),
                        hint=f"Add template.{name}",
                    )
