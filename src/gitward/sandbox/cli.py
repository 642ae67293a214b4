"""``serve``: run a sandbox in the foreground until Ctrl-C, for ``gitward sandbox`` and the demo.

It writes a kubeconfig pointing at itself (so kubectl and gitward can be aimed at it) and,
with a state file, keeps the cluster across restarts. This module must not parse command lines;
the CLI layer does and calls :func:`serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path

from gitward.sandbox.options import SandboxOptions
from gitward.sandbox.server import Sandbox

__all__ = ["DEMO_OPTIONS", "serve"]

# Slow enough that a person watching the UI sees pods start and rollouts progress.
DEMO_OPTIONS = SandboxOptions(pod_ready_after=1.5, job_complete_after=3.0, node_count=1)


def serve(
    port: int = 0,
    kubeconfig_path: Path | str | None = None,
    state_file: Path | str | None = None,
    *,
    options: SandboxOptions = DEMO_OPTIONS,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve a sandbox on 127.0.0.1:``port`` (0: any free port) until interrupted."""
    chosen = dataclasses.replace(
        options, port=port, state_file=Path(state_file) if state_file else None
    )
    sandbox = Sandbox(chosen, own_signals=True)
    if kubeconfig_path is not None:
        written = sandbox.write_kubeconfig(kubeconfig_path)
        announce(f"kubeconfig written to {written}")
    announce(f"sandbox cluster serving on {sandbox.url} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(sandbox.serve())
    announce("sandbox cluster stopped")
