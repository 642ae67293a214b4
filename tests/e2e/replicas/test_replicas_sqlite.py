"""SQLite stays the one-process default: a second ``gitward server`` on the same database is
refused at start with one line saying why and what to do (issue 17.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import Replica

from support.waiting import wait_for


def test_a_second_server_on_one_sqlite_database_is_refused_and_the_first_goes_on(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "GITWARD_METRICS_PORT": "0", "GITWARD_RECONCILIATION_PERIOD": "0"}
    command = [
        sys.executable,
        "-m",
        "gitward",
        "server",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path),
    ]
    first = Replica(
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
    )
    try:
        assert first.process.stdout is not None
        wait_for(lambda: "serving on" in first.process.stdout.readline(), 60, "the first serves")
        second = subprocess.run(
            command, check=False, capture_output=True, text=True, env=env, timeout=60
        )

        assert second.returncode != 0
        said = second.stdout + second.stderr
        assert "in use by another gitward server" in said
        assert f"(process {first.process.pid})" in said
        assert "PostgreSQL" in said
        assert "Traceback" not in said
        assert first.process.poll() is None
    finally:
        first.process.terminate()
        first.process.wait(timeout=30)
