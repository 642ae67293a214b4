"""``gitward sandbox``: the in-process Kubernetes API server, standalone, in the foreground.

For trying gitward (and kubectl) with no cluster at hand. It is never a production target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["sandbox"]


def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 0,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(help="Write a kubeconfig here, for kubectl --kubeconfig and for gitward."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(help="Keep the cluster's objects in this file across restarts."),
    ] = None,
) -> None:
    """Run a sandbox Kubernetes cluster until Ctrl-C."""
    from gitward import sandbox as sandboxes  # noqa: PLC0415 - loaded only when it runs

    sandboxes.serve(port, kubeconfig, state, announce=typer.echo)
