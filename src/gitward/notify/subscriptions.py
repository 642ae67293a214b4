"""Who wants which notification: Argo CD's subscription annotations on apps and projects.

``notifications.argoproj.io/subscribe.<trigger>.<service>: "r1;r2"`` subscribes the recipients
to one trigger; ``subscribe.<service>`` to the service's default triggers (``defaultTriggers``);
``notifications.argoproj.io/subscriptions`` holds a YAML list of ``{trigger: [...],
destinations: [{service, recipients: [...]}]}``. An AppProject's annotations subscribe every app
of the project; the ConfigMap's ``subscriptions`` subscribe every app its selector matches. A
service may take no recipient (a webhook): its value is then empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from gitward.notify.config import NotifyConfig

__all__ = ["Destination", "destinations"]

PREFIX = "notifications.argoproj.io/subscribe."
SUBSCRIPTIONS = "notifications.argoproj.io/subscriptions"


@dataclass(frozen=True, order=True)
class Destination:
    trigger: str
    service: str
    recipient: str


def destinations(
    config: NotifyConfig, labels: Mapping[str, str], *annotation_sets: Mapping[str, Any]
) -> list[Destination]:
    """Every (trigger, service, recipient) the ConfigMap's ``subscriptions`` (for an app with
    these ``labels``) and the annotations ask for, once each, sorted."""
    found: set[Destination] = set(_global(config, labels))
    for given in annotation_sets:
        for key, value in given.items():
            if key.startswith(PREFIX):
                found.update(_annotation(config, key.removeprefix(PREFIX), str(value or "")))
            elif key == SUBSCRIPTIONS:
                found.update(_yaml_list(config, value))
    return sorted(found)


def _global(config: NotifyConfig, labels: Mapping[str, str]) -> Iterator[Destination]:
    for subscription in config.subscriptions:
        if subscription.selector is not None and not subscription.selector(labels):
            continue
        for service, recipient in subscription.recipients:
            for trigger in subscription.triggers or config.defaults_for(service):
                yield Destination(trigger, service, recipient)


def _annotation(config: NotifyConfig, rest: str, value: str) -> Iterator[Destination]:
    trigger, _, service = rest.rpartition(".")
    triggers = (trigger,) if trigger else config.defaults_for(service)
    for name in triggers:
        for recipient in _recipients(value):
            yield Destination(name, service, recipient)


def _recipients(value: str) -> list[str]:
    parts = [part.strip() for part in value.split(";")]
    return [part for part in parts if part] or [""]


def _yaml_list(config: NotifyConfig, value: Any) -> Iterator[Destination]:
    try:
        items = yaml.safe_load(str(value or "")) or []
    except yaml.YAMLError:
        return
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        for target in item.get("destinations") or []:
            if not isinstance(target, Mapping) or not target.get("service"):
                continue
            service = str(target["service"])
            triggers = item.get("trigger") or config.defaults_for(service)
            for trigger in [triggers] if isinstance(triggers, str) else triggers:
                for recipient in [str(r) for r in target.get("recipients") or []] or [""]:
                    yield Destination(str(trigger), service, recipient)
