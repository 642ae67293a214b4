"""The child process that evaluates ``jqPathExpressions`` for :mod:`gitward.diff.jq`.

jq is a full programming language: ``[range(0;1e9)]`` runs for minutes and eats gigabytes, and
libjq holds the interpreter lock while it runs, so no thread can stop it. This script runs as its
own process (started with ``python -I`` and an empty environment, so ``$ENV`` reveals nothing),
caps its own address space, and answers one request per line on stdin with one line on stdout:

    {"expression": ".spec.replicas", "document": {...}}  ->  {"paths": [["spec", "replicas"]]}
                                                         or  {"error": "..."}

The parent kills it when an answer is late. It imports nothing of gitward's and must stay a
plain script: it runs outside the package.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
from typing import Any

MEMORY_LIMIT_ARG = "--memory-limit-mb"
_CACHE_LIMIT = 256


def _limit_memory(argv: list[str]) -> None:
    if MEMORY_LIMIT_ARG in argv:
        megabytes = int(argv[argv.index(MEMORY_LIMIT_ARG) + 1])
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _answer(jq: Any, programs: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    expression = str(request.get("expression", ""))
    program = programs.get(expression)
    if program is None:
        if len(programs) >= _CACHE_LIMIT:
            programs.clear()
        program = programs[expression] = jq.compile(f"[path({expression})]")
    results = program.input_value(request.get("document")).all()
    paths = results[0] if results else []
    return {"paths": [path for path in paths if isinstance(path, list)]}


def main(argv: list[str]) -> int:
    _limit_memory(argv)
    jq = importlib.import_module("jq")
    programs: dict[str, Any] = {}
    sys.stdout.buffer.write(b'{"ready": true}\n')
    sys.stdout.buffer.flush()
    for line in sys.stdin.buffer:
        try:
            answer = _answer(jq, programs, json.loads(line))
        except MemoryError:
            answer = {"error": "the expression needed more memory than it is allowed"}
        except Exception as error:
            answer = {"error": str(error).strip() or type(error).__name__}
        sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
        sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
