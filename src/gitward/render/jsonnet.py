"""The ``*.jsonnet`` files of a directory source -> Kubernetes objects, as Argo CD renders them.

Argo CD evaluates every ``*.jsonnet`` file a directory source reads (``recurse``, ``include``
and ``exclude`` apply as to YAML; ``*.libsonnet`` files are only imported, never evaluated) with
the source's ``directory.jsonnet`` options: ``tlas`` and ``extVars`` (strings, or Jsonnet code
when ``code: true``, with ``$ARGOCD_APP_*`` build variables substituted into their values) and
``libs``, library directories relative to the repository root. Imports are looked up in the
importing file's directory, then in the ``libs`` (the last first), then in the source
directory. A file evaluates to one object, an array of objects, or a ``List``.

Unlike Argo CD, imports never leave the repository: an absolute import, ``..`` out of the
checkout or a symlink out of it is refused, and so is a ``libs`` entry outside it. Evaluation
runs in a worker process (:mod:`~gitward.render.jsonnetpool`) with a time and memory limit: a
file that is too slow or too big is a located error, and a failed render never prunes.
It must not read anything but the checkout, nor run Jsonnet in gitward's own process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from gitward.errors import Location, ManifestError, PathEscapeError, RenderError
from gitward.git import paths
from gitward.model.sources import JsonnetOptions, JsonnetVar
from gitward.render import manifests
from gitward.render.helm_values import argocd_env, envsubst
from gitward.render.jsonnetpool import JsonnetError, JsonnetJob, JsonnetRunner
from gitward.render.request import RenderRequest

__all__ = ["JsonnetFiles"]

_OUTPUT_HINT = "A Jsonnet file must evaluate to a Kubernetes object, an array of them, or a List"


class JsonnetFiles:
    """Evaluates the Jsonnet files of one directory source, all within one time limit."""

    def __init__(self, request: RenderRequest, runner: JsonnetRunner) -> None:
        self._request = request
        self._runner = runner
        self._options = (
            request.source.directory.jsonnet if request.source.directory else JsonnetOptions()
        )
        self._deadline = time.monotonic() + request.limits.tool_timeout_s
        self._search: tuple[str, ...] | None = None

    def objects(self, relative: str) -> list[manifests.Sourced]:
        """The objects of the file ``relative`` (to the source directory)."""
        request = self._request
        shown = request.repo_path(relative)
        job = self._job(shown)
        try:
            text = self._runner.evaluate(job, self._deadline - time.monotonic())
        except JsonnetError as failure:
            raise _failed(request, shown, failure) from failure
        return _parse_output(request, shown, text)

    def _job(self, shown: str) -> JsonnetJob:
        options = self._options
        env = argocd_env(self._request)
        if self._search is None:
            self._search = self._library_paths()
        return JsonnetJob(
            root=str(self._request.root.resolve()),
            file=shown,
            search=self._search,
            tla_vars=_values(options.tlas, env, code=False),
            tla_codes=_values(options.tlas, env, code=True),
            ext_vars=_values(options.ext_vars, env, code=False),
            ext_codes=_values(options.ext_vars, env, code=True),
            max_output_bytes=self._request.limits.max_file_bytes,
        )

    def _library_paths(self) -> tuple[str, ...]:
        """The source directory, then each ``libs`` entry, as paths inside the checkout."""
        request = self._request
        root = request.root.resolve()
        search = [request.source_path]
        for index, lib in enumerate(self._options.libs):
            where = request.where(f"directory.jsonnet.libs[{index}]")
            # A missing library directory is no error, as in Argo CD: imports just miss it.
            real = paths.resolve_inside(root, lib, where=where, must_exist=False)
            search.append(real.relative_to(root).as_posix() or ".")
        return tuple(search)


def _values(variables: Sequence[JsonnetVar], env: dict[str, str], *, code: bool) -> dict[str, str]:
    """The variables that are (or are not) code, ``$ARGOCD_APP_*`` substituted; of two with one
    name the last wins, as each replaces the one before in Argo CD's Jsonnet VM."""
    last = {item.name: item for item in variables}
    return {name: envsubst(item.value, env) for name, item in last.items() if item.code is code}


def _failed(request: RenderRequest, shown: str, failure: JsonnetError) -> Exception:
    where = Location(file=shown, obj=request.obj)
    if failure.kind == "escape":
        return PathEscapeError(
            f"the Jsonnet evaluation was refused an import outside the repository: "
            f"{failure.message}",
            where=where,
            hint="Import files of the repository only, by paths relative to the importing file "
            "or to a `directory.jsonnet.libs` directory",
        )
    if failure.kind == "timeout":
        limit = request.limits.tool_timeout_s
        return RenderError(
            f"the Jsonnet evaluation of the source ran longer than {limit:g} s and was stopped",
            where=where,
            hint="Simplify the Jsonnet, or split the source into several applications",
        )
    if failure.kind == "crash":
        return RenderError(failure.message, where=where, hint="Make the Jsonnet build less data")
    return RenderError(
        f"the Jsonnet evaluation failed: {failure.message}",
        where=where,
        hint="Fix the Jsonnet at the file and line the trace names",
    )


def _parse_output(request: RenderRequest, shown: str, text: str) -> list[manifests.Sourced]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        raise ManifestError(
            f"the Jsonnet output cannot be read: {err}",
            where=Location(file=shown, obj=request.obj),
            hint=_OUTPUT_HINT,
        ) from err
    documents = data if isinstance(data, list) else [data]
    shape = "element {} of the Jsonnet output" if isinstance(data, list) else "the Jsonnet output"
    found: list[manifests.Sourced] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        origin = manifests.Origin(shown, index, 1)
        if not isinstance(document, dict):
            raise ManifestError(
                f"{shape.format(index + 1)} is not an object",
                where=Location(file=shown, obj=request.obj),
                hint=_OUTPUT_HINT,
            )
        found.extend(manifests.objects_of(document, origin, request.obj))
        if len(found) > request.limits.max_objects:
            raise ManifestError(
                f"the Jsonnet output holds more than {request.limits.max_objects} objects",
                where=Location(file=shown, obj=request.obj),
                hint="Split the source into several applications",
            )
    return found
