"""``gitward sandbox``: the in-process Kubernetes API server, standalone, in the foreground; and
``gitward sandbox fault ...``: make the running sandbox misbehave as a real cluster does.

For trying gitward (and kubectl) with no cluster at hand. It is never a production target.
Nothing heavy is imported at module level: the sandbox loads only when it is served, and the
fault commands are HTTP clients (:mod:`gitward.cli.sandbox_faults`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from gitward.cli.sandbox_faults import SandboxAddress

__all__ = ["sandbox"]

sandbox = typer.Typer(
    name="sandbox",
    help="Run a sandbox Kubernetes cluster, or inject faults into a running one.",
    no_args_is_help=False,
)
fault = typer.Typer(
    name="fault",
    help=(
        "Make a running sandbox misbehave: images that cannot be pulled or that crash, slow or "
        "failing API requests, dropped watches. Each command prints the settings now in force."
    ),
    no_args_is_help=True,
)
sandbox.add_typer(fault)


@sandbox.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
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
    if ctx.invoked_subcommand is not None:
        return
    from gitward import sandbox as sandboxes  # noqa: PLC0415 - only when serving

    sandboxes.serve(port, kubeconfig, state, announce=typer.echo)


@dataclass(frozen=True, slots=True)
class _Target:
    kubeconfig: Path
    context: str


@fault.callback()
def target(
    ctx: typer.Context,
    kubeconfig: Annotated[
        Path,
        typer.Option(
            help="The sandbox's kubeconfig (as written by gitward sandbox --kubeconfig).",
            envvar=["GITWARD_KUBECONFIG", "KUBECONFIG"],
        ),
    ],
    context: Annotated[
        str, typer.Option(help="The kubeconfig context (default: its current context).")
    ] = "",
) -> None:
    """Which sandbox to change."""
    ctx.obj = _Target(kubeconfig, context)


Change = Callable[["SandboxAddress"], "dict[str, Any] | None"]


def _apply(ctx: typer.Context, change: Change, drop: bool = False) -> None:
    """Find the sandbox from the fault group's options, send what ``change`` builds (None: only
    read), and print the settings now in force; any failure is one line."""
    from gitward.cli import failing  # noqa: PLC0415 - client commands load what they use
    from gitward.cli import sandbox_faults as faults  # noqa: PLC0415

    chosen: _Target = ctx.obj
    try:
        address = faults.read_kubeconfig(chosen.kubeconfig, chosen.context)
        if drop:
            typer.echo(f"dropped {faults.drop_watches(address)} open watch stream(s)")
        body = change(address)
        current = faults.post(address, body) if body is not None else faults.settings(address)
    except faults.FaultError as err:
        failing.abort(str(err))
    for line in faults.describe(address, current):
        typer.echo(line)


def _images(address: SandboxAddress, key: str, add: str = "", remove: str = "") -> list[str]:
    """The sandbox's ``key`` image list with ``add`` added and ``remove`` removed."""
    from gitward.cli import sandbox_faults as faults  # noqa: PLC0415

    images = [str(i) for i in faults.settings(address).get(key) or [] if i != remove]
    return sorted({*images, add} - {""})


def _fixed(body: dict[str, Any] | None) -> Change:
    return lambda _address: body


Image = Annotated[str, typer.Argument(help="An image name as pods spell it, or a glob (app:*).")]


@fault.command("image-missing")
def image_missing(ctx: typer.Context, image: Image) -> None:
    """Pods using IMAGE cannot pull it: they wait in ImagePullBackOff."""
    _apply(ctx, lambda address: {"missingImages": _images(address, "missingImages", add=image)})


@fault.command("image-crashing")
def image_crashing(ctx: typer.Context, image: Image) -> None:
    """Containers running IMAGE exit with an error: CrashLoopBackOff, failed Jobs, a crash log."""
    _apply(ctx, lambda address: {"crashingImages": _images(address, "crashingImages", add=image)})


@fault.command("image-ok")
def image_ok(ctx: typer.Context, image: Image) -> None:
    """IMAGE pulls and runs again (undoes image-missing and image-crashing)."""
    keys = ("missingImages", "crashingImages")
    _apply(ctx, lambda address: {key: _images(address, key, remove=image) for key in keys})


@fault.command("latency")
def latency(
    ctx: typer.Context,
    duration: Annotated[str, typer.Argument(help="Added to every API request: 15ms, 0.5s, 0.")],
) -> None:
    """Hold every API request for DURATION before answering (0 switches it off)."""
    from gitward.cli import failing  # noqa: PLC0415
    from gitward.cli import sandbox_faults as faults  # noqa: PLC0415

    try:
        seconds = faults.latency_seconds(duration)
    except faults.FaultError as err:
        failing.abort(str(err), failing.EXIT_USAGE)
    _apply(ctx, _fixed({"latency": {"fixed": seconds} if seconds else None}))


@fault.command("errors")
def errors(
    ctx: typer.Context,
    rate: Annotated[str, typer.Argument(help="The share of API requests that fail: 5%, 0%.")],
    status: Annotated[
        int, typer.Option(help="The status they fail with: 503 or 429 (with Retry-After), 500.")
    ] = 503,
) -> None:
    """Fail RATE of API requests with STATUS (0% switches it off)."""
    from gitward.cli import failing  # noqa: PLC0415
    from gitward.cli import sandbox_faults as faults  # noqa: PLC0415

    if status not in (429, 500, 503):
        failing.abort(f"--status must be 429, 500 or 503, not {status}", failing.EXIT_USAGE)
    try:
        ratio = faults.error_ratio(rate)
    except faults.FaultError as err:
        failing.abort(str(err), failing.EXIT_USAGE)
    _apply(ctx, _fixed({"errors": {"ratio": ratio, "status": status} if ratio else None}))


@fault.command("drop-watches")
def drop_watches(ctx: typer.Context) -> None:
    """Close every open watch stream now (clients must resume from their resourceVersion)."""
    _apply(ctx, _fixed(None), drop=True)


@fault.command("clear")
def clear(ctx: typer.Context) -> None:
    """Switch every fault off."""
    everything_off: dict[str, Any] = {
        "latency": None,
        "errors": None,
        "missingImages": [],
        "crashingImages": [],
    }
    _apply(ctx, _fixed(everything_off))


@fault.command("show")
def show(ctx: typer.Context) -> None:
    """Print the faults in force."""
    _apply(ctx, _fixed(None))
