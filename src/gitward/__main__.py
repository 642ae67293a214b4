"""``python -m gitward``: the same as the ``gitward`` command."""

from gitward.cli.main import run

run()
