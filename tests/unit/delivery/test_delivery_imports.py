"""``gitward values set`` runs in CI on every build: its module and the write-back load none of
the server, controller, store, Helm SDK, Lua or sandbox."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "gitward.server", "gitward.controller", "gitward.store", "gitward.sandbox", "gitward.render",
    "sqlalchemy", "helm", "lupa", "fastapi", "httpx",
)  # fmt: skip


def test_the_values_command_and_the_write_back_load_nothing_heavy() -> None:
    code = (
        "import sys, gitward.cli.writeback, gitward.delivery.writeback\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = done.stdout.splitlines()
    assert "gitward.delivery.editing" in loaded
    assert [m for m in loaded if m.startswith(HEAVY)] == []
