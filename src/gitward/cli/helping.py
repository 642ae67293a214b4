"""How ``--help`` names values: ``--revision TEXT``, ``--prune`` alone, ``app get NAME``.

Typer's own help writes ``<bool>`` after every flag, Python types (``<list[str]>``) after
options and ``{name}`` for arguments. :class:`PlainHelpGroup` is the root command's class: once
the command tree is built it turns every parameter in it into one that names its value as
kubectl and argocd do, so no command module has to spell a metavar.

It changes only what help shows and how fast plain values are read (:mod:`values`: no
pydantic for a string, a number or a path), never what a command line means.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

from typer._click import Command as ClickCommand
from typer._click import Context
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from gitward.cli.values import PlainValues

__all__ = ["PlainHelpGroup", "value_word"]

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
    for param in command.params:
        if isinstance(param, TyperArgument) and type(param) is TyperArgument:
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            param.__class__ = _PlainArgument
        elif type(param) is TyperOption:
            param.__class__ = _PlainOption
    for sub in getattr(command, "commands", {}).values():
        if type(sub) is TyperGroup:
            sub.__class__ = _PlainGroup
        elif type(sub) is TyperCommand:
            sub.__class__ = _PlainCommand
        _plain(sub)
