"""The root ``gitward`` command's class: commands loaded on first use, plain help, plain values.

:class:`LazyGroup` lists its commands from a table (name, module, one-line help) and imports a
command's module only when that command runs or shows its own help, so ``gitward app list``
loads the ``app`` commands and nothing of ``server``, ``demo`` or ``render``.

Typer's own help writes ``<bool>`` after every flag, Python types (``<list[str]>``) after
options and ``{name}`` for arguments. Each command tree loaded is turned into one whose
parameters name their values as kubectl and argocd do (``--revision TEXT``, ``--prune`` alone,
``app get NAME``), so no command module has to spell a metavar.

It changes only what help shows and how fast plain values are read (:mod:`values`: no
pydantic for a string, a number or a path), never what a command line means.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, get_args, get_origin

import typer
import typer.main
from typer._click import Command as ClickCommand
from typer._click import Context, HelpFormatter
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.main import get_command_from_info
from typer.models import CommandInfo

from gitward.cli.values import PlainValues

__all__ = ["LazyCommand", "LazyGroup", "PlainHelpGroup", "value_word"]

_WORDS = {str: "TEXT", int: "INTEGER", float: "NUMBER", bool: "BOOLEAN"}


class _PlainHelpOption(ClickCommand):
    """``--help`` (made on first use) is a plain flag too."""

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and type(option) is TyperOption:
            option.__class__ = _PlainOption
        return option


class PlainHelpGroup(_PlainHelpOption, TyperGroup):
    """A Typer group whose whole command tree shows plain value names in its help and reads
    plain values without pydantic."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _plain(self)


class _PlainGroup(_PlainHelpOption, TyperGroup):
    pass


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A command of the root: its name, where it is (``module``, ``attribute``: a function or
    a ``typer.Typer`` group) and its one-line help, shown without importing it."""

    name: str
    module: str
    attribute: str
    summary: str

    def load(self) -> ClickCommand:
        """The command, built by Typer, with plain help and values."""
        found = getattr(importlib.import_module(self.module), self.attribute)
        if isinstance(found, typer.Typer):
            command: ClickCommand = typer.main.get_group(found)
        else:
            info = CommandInfo(name=self.name, callback=found)
            command = get_command_from_info(
                info, pretty_exceptions_short=True, rich_markup_mode=None
            )
        command.name = self.name
        _plain(command)
        return command


class LazyGroup(PlainHelpGroup):
    """The root group: ``commands`` lists what it holds; each loads on first use."""

    lazy: tuple[LazyCommand, ...] = ()

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *(entry.name for entry in self.lazy)]

    def get_command(self, ctx: Context, cmd_name: str) -> ClickCommand | None:
        if cmd_name not in self.commands:
            entry = next((entry for entry in self.lazy if entry.name == cmd_name), None)
            if entry is None:
                return None
            self.commands[cmd_name] = entry.load()
        return self.commands[cmd_name]

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = [(entry.name, entry.summary) for entry in self.lazy]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class _PlainCommand(_PlainHelpOption, TyperCommand):
    pass


class _PlainOption(TyperOption):
    def get_runtime_param(self) -> RuntimeParam:
        return _plain_values(self)

    def display_type_rich(self, ctx: Context) -> str | None:
        if self.metavar is not None:
            return self.metavar
        return None if self.is_flag else value_word(self)

    def _get_default_string(self, *, ctx: Context, show_default_is_str: bool, **rest: Any) -> str:
        if show_default_is_str:  # a description of the default: no parentheses around it
            return str(self.show_default)
        return super()._get_default_string(ctx=ctx, show_default_is_str=False, **rest)


class _PlainArgument(TyperArgument):
    def get_runtime_param(self) -> RuntimeParam:
        return _plain_values(self)

    def display_type_rich(self, ctx: Context) -> str | None:
        return None  # the argument's own name (NAME) says it

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1:
            name += "..."
        return name if self.required else f"[{name}]"


def _plain_values(param: TyperOption | TyperArgument) -> RuntimeParam:
    """The parameter's reading: plain values without pydantic (see :mod:`values`)."""
    if param._runtime_param is None:
        param._runtime_param = PlainValues(
            parameter_info=param.type_descriptor.parameter_info,
            annotation=param.type_descriptor.annotation,
            typer_reading=lambda: build_runtime_param(param.type_descriptor),
        )
    return param._runtime_param


def value_word(param: TyperOption | TyperArgument) -> str:
    """``TEXT``, ``INTEGER``, ``NUMBER``, ``PATH`` or the choices (``wide|json|yaml|name``)."""
    described = param.type_descriptor
    if described.is_choice:
        return "|".join(str(getattr(choice, "value", choice)) for choice in described.choices or ())
    if described.is_path:
        return "PATH"
    annotation: Any = described.annotation
    if get_origin(annotation) is list:
        annotation = get_args(annotation)[0]
    return _WORDS.get(annotation, "VALUE")


def _plain(command: ClickCommand) -> None:
    """Make ``command`` and everything under it show and read values plainly."""
    if type(command) is TyperGroup:
        command.__class__ = _PlainGroup
    elif type(command) is TyperCommand:
        command.__class__ = _PlainCommand
    if isinstance(command, TyperGroup | TyperCommand):
        command.rich_markup_mode = None  # plain text help, as kubectl's
    for param in command.params:
        if type(param) is TyperArgument:
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            param.__class__ = _PlainArgument
        elif type(param) is TyperOption:
            param.__class__ = _PlainOption
    for sub in getattr(command, "commands", {}).values():
        _plain(sub)
