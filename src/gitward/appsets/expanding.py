"""An ApplicationSet made into the Applications it generates, as Argo CD's controller would.

Generators give parameter sets; the template is filled with each (fasttemplate, or Go templates
through Helm in one call for the whole set), ``templatePatch`` is merged in, and each result
becomes an Application in the set's namespace with an owner reference to the set (Argo CD's
mark of a generated app), the resources finalizer unless ``preserveResourcesOnDeletion``, and,
for a RollingSync strategy, the sync wave of the first step whose ``matchExpressions`` its labels
match, so that gitward's health-gated waves run dev, then staging, then prod. Every generated
Application is parsed before it is returned: a template that yields a bad app fails the whole
set, naming the set and the parameter set, and nothing of the set is applied (failure means no
prune). It must not decide what to do with apps that already exist: see
:mod:`gitward.appsets.policies`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitward.appsets.generating import ParamSet, Ports, generate
from gitward.appsets.templating import (
    GoTemplates,
    TemplateError,
    merge_patch,
    missing_keys,
    parse_patch,
    put_strings,
    render_fast,
    strings_of,
)
from gitward.errors import GitwardError, Location, ManifestError
from gitward.model import annotations as argocd
from gitward.model.application import parse_application
from gitward.model.appsets import ApplicationSet, RollingStep
from gitward.model.objects import Manifest

__all__ = ["Expander", "Expansion", "owner_of"]

_PATCH_KEY = "\x00templatePatch"


@dataclass
class Expansion:
    """What one ApplicationSet generated: the apps, and the parameter sets they came from."""

    appset: ApplicationSet
    apps: list[Manifest] = field(default_factory=list)
    params: list[ParamSet] = field(default_factory=list)


def owner_of(document: Mapping[str, Any]) -> str | None:
    """The ApplicationSet that generated an Application (its controller owner reference)."""
    metadata = document.get("metadata")
    owners = metadata.get("ownerReferences") if isinstance(metadata, Mapping) else None
    for owner in owners if isinstance(owners, list) else []:
        if isinstance(owner, Mapping) and owner.get("kind") == argocd.APPSET_KIND:
            return str(owner.get("name", "")) or None
    return None


class Expander:
    """Expands ApplicationSets; one instance (one Helm template chart) serves them all."""

    def __init__(self, go: GoTemplates | None = None) -> None:
        self._go = go

    @property
    def go(self) -> GoTemplates:
        if self._go is None:
            self._go = GoTemplates()
        return self._go

    async def expand(self, appset: ApplicationSet, ports: Ports) -> Expansion:
        """The Applications ``appset`` generates now; a :class:`GitwardError` when it cannot."""
        filled: list[Any] = []
        expansion = Expansion(appset)
        for index, params in enumerate(await generate(appset, ports, self.go)):
            filled.extend(self._filled(appset, _template_of(appset, index), params))
            expansion.params.extend(params)
        seen: dict[str, int] = {}
        for index, template in enumerate(filled):
            app = _application(appset, template, index)
            name = app["metadata"]["name"]
            if name in seen:
                raise ManifestError(
                    f"parameter sets {seen[name]} and {index} both generate Application {name}",
                    where=appset.where.at("spec.template.metadata.name"),
                    hint="Make the name depend on a parameter that differs between the sets",
                )
            seen[name] = index
            expansion.apps.append(app)
        return expansion

    def _filled(
        self, appset: ApplicationSet, template: Mapping[str, Any], params: Sequence[ParamSet]
    ) -> list[Any]:
        if not appset.go_template:
            return [self._patched(appset, render_fast(template, p), p) for p in params]
        texts = strings_of(template)
        if appset.template_patch:
            texts[_PATCH_KEY] = appset.template_patch
        if appset.missing_key_error:
            _check_missing(appset, texts, params)
        done = self.go.render_many([(texts, p) for p in params], appset.where.at("spec.template"))
        filled = []
        for rendered in done:
            app = put_strings(template, rendered)
            if _PATCH_KEY in rendered:
                patch = parse_patch(rendered[_PATCH_KEY], appset.where.at("spec.templatePatch"))
                app = merge_patch(app, patch)
            filled.append(app)
        return filled

    def _patched(self, appset: ApplicationSet, template: Any, params: ParamSet) -> Any:
        if not appset.template_patch:
            return template
        text = render_fast(appset.template_patch, params)
        return merge_patch(template, parse_patch(text, appset.where.at("spec.templatePatch")))


def _template_of(appset: ApplicationSet, index: int) -> Mapping[str, Any]:
    """The set's template, with generator ``index``'s own template merged over it."""
    overrides = appset.generator_templates
    override = overrides[index] if index < len(overrides) else None
    if not override:
        return appset.template
    merged: Mapping[str, Any] = merge_patch(appset.template, override)
    return merged


def _check_missing(
    appset: ApplicationSet, texts: Mapping[str, str], params: Sequence[ParamSet]
) -> None:
    for index, data in enumerate(params):
        for path, text in texts.items():
            missing = missing_keys(text, data)
            if missing:
                shown = "templatePatch" if path == _PATCH_KEY else f"template.{path}"
                raise TemplateError(
                    f"map has no entry for key {missing[0]!r} (parameter set {index}, "
                    "missingkey=error)",
                    where=appset.where.at(f"spec.{shown}"),
                    hint="Use a parameter the generators give, or drop missingkey=error",
                )


def _application(appset: ApplicationSet, template: Any, index: int) -> Manifest:
    where = appset.where.at("spec.template")
    metadata = dict(template.get("metadata") or {})
    metadata["namespace"] = appset.namespace or metadata.get("namespace") or "argocd"
    if not metadata.get("finalizers") and not appset.preserve_resources_on_deletion:
        metadata["finalizers"] = [argocd.RESOURCES_FINALIZER]
    metadata["ownerReferences"] = [
        {
            "apiVersion": argocd.APP_API_VERSION,
            "kind": argocd.APPSET_KIND,
            "name": appset.name,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    step = _rolling_step(appset.rolling_steps, metadata.get("labels") or {})
    if step is not None:
        notes = dict(metadata.get("annotations") or {})
        notes[argocd.SYNC_WAVE] = str(step)
        metadata["annotations"] = notes
    app: Manifest = {
        "apiVersion": argocd.APP_API_VERSION,
        "kind": argocd.APP_KIND,
        "metadata": metadata,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }
    try:
        parse_application(app, file=appset.file)
    except GitwardError as err:
        raise ManifestError(
            f"parameter set {index} generates an invalid Application: {err.problem}",
            where=Location(where.file, where.obj, f"spec.template ({err.where.field})"),
            hint=err.hint or "Fix the template or the generator's parameters",
        ) from err
    return app


def _rolling_step(steps: Sequence[RollingStep] | None, labels: Mapping[str, Any]) -> int | None:
    """The 1-based RollingSync step an app's labels select, or None."""
    texts = {str(k): str(v) for k, v in labels.items()}
    for number, step in enumerate(steps or (), start=1):
        if all(requirement.holds(texts) for requirement in step.expressions):
            return number
    return None
