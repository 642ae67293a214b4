"""The child process that evaluates Jsonnet files for :mod:`gitward.render.jsonnet`.

Jsonnet is a full programming language: ``std.range(1, 1e9)`` runs for minutes and eats
gigabytes, and the binding (go-jsonnet, the implementation Argo CD uses) holds the interpreter
lock while it runs, so no thread can stop it. This script runs as its own process (started with
``python -I`` and an empty environment), caps its own data segment (``RLIMIT_DATA``: the Go
runtime reserves address space it never touches, so ``RLIMIT_AS`` would stop it from starting),
and answers one request per line on stdin with one line on stdout:

    {"root": "/checkout", "file": "web/main.jsonnet", "search": ["web", "vendor"],
     "tla_vars": {...}, "tla_codes": {...}, "ext_vars": {...}, "ext_codes": {...}, ...}
        ->  {"json": "<the output>"}  or  {"error": "...", "escape": false}

Paths are relative to the checkout ``root`` so that messages and stack traces name repository
paths, never the checkout's place on disk. Every import goes through :func:`_importer`, which
reads files only inside ``root`` (symlinks resolved): an absolute import, a ``..`` out of the
repository or a link out of it is refused, and the refusal is reported as such.

The parent kills it when an answer is late. It imports nothing of gitward's and must stay a
plain script: it runs outside the package.
"""

from __future__ import annotations

import importlib
import json
import os
import posixpath
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MEMORY_LIMIT_ARG = "--memory-limit-mb"
_MAX_IMPORT_BYTES = 8 * 1024 * 1024

Importer = Callable[[str, str], tuple[str, bytes]]


def _limit_memory(argv: list[str]) -> None:
    if MEMORY_LIMIT_ARG in argv:
        megabytes = int(argv[argv.index(MEMORY_LIMIT_ARG) + 1])
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _refusal(message: str) -> bytes:
    """Jsonnet code that fails with ``message`` where it is imported (raising from the callback
    would cross the Go boundary, which the binding handles badly)."""
    return ("error " + json.dumps(message)).encode()


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


def _importer(root: str, search: list[str], refused: list[str]) -> Importer:
    """The import callback: the importing file's directory, then ``search`` (last first)."""
    real_root = os.path.realpath(root)

    def refuse(path: str, message: str) -> tuple[str, bytes]:
        refused.append(message)
        return path, _refusal(message)

    def load(base: str, imported: str) -> tuple[str, bytes]:
        if posixpath.isabs(imported):
            return refuse(imported, f"import {imported!r}: absolute paths are refused")
        for directory in [base, *reversed(search)]:
            candidate = posixpath.normpath(posixpath.join(directory, imported))
            if candidate == ".." or candidate.startswith("../"):
                return refuse(imported, f"import {imported!r} leaves the repository")
            real = Path(os.path.realpath(Path(root, candidate)))
            if not _inside(str(real), real_root):
                return refuse(candidate, f"import {candidate!r} links outside the repository")
            if real.is_file():
                if real.stat().st_size > _MAX_IMPORT_BYTES:
                    return candidate, _refusal(f"import {candidate!r} is over 8 MiB")
                return candidate, real.read_bytes()
        where = ", ".join(dict.fromkeys([base or ".", *reversed(search)]))
        return imported, _refusal(f"couldn't open import {imported!r}: not found in {where}")

    return load


def _evaluate(binding: Any, request: dict[str, Any]) -> dict[str, Any]:
    root = str(request["root"])
    file = str(request["file"])
    refused: list[str] = []
    snippet = Path(root, file).read_bytes().decode("utf-8")
    try:
        output = binding.evaluate_snippet(
            file,
            snippet,
            max_stack=int(request.get("max_stack", 500)),
            ext_vars=request.get("ext_vars", {}),
            ext_codes=request.get("ext_codes", {}),
            tla_vars=request.get("tla_vars", {}),
            tla_codes=request.get("tla_codes", {}),
            import_callback=_importer(root, list(request.get("search", [])), refused),
        )
    except RuntimeError as error:
        return {"error": str(error).strip(), "escape": bool(refused)}
    if refused:  # importstr and importbin read the refusal as text: still refused
        return {"error": refused[0], "escape": True}
    limit = int(request.get("max_output_bytes", 64 * 1024 * 1024))
    if len(output) > limit:
        return {"error": f"the output is over {limit // (1024 * 1024)} MiB", "escape": False}
    return {"json": output}


def main(argv: list[str]) -> int:
    _limit_memory(argv)
    binding = importlib.import_module("_gojsonnet")
    sys.stdout.buffer.write(b'{"ready": true}\n')
    sys.stdout.buffer.flush()
    for line in sys.stdin.buffer:
        try:
            answer = _evaluate(binding, json.loads(line))
        except MemoryError:
            answer = {"error": "the evaluation needed more memory than it is allowed"}
        except Exception as error:
            answer = {"error": str(error).strip() or type(error).__name__}
        sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
        sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
