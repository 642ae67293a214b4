"""SQLite stays the one-process default: a second ``gitward server`` on the same database is
refused at start with one line saying why and what to do (issue 17.1)."""

from __future__ import annotations

from pathlib import Path

from support.processes import announced, gitward_process, run_gitward, server_args


def test_a_second_server_on_one_sqlite_database_is_refused_and_the_first_goes_on(
    tmp_path: Path,
) -> None:
    env = {"GITWARD_METRICS_PORT": "0", "GITWARD_RECONCILIATION_PERIOD": "0"}
    first = gitward_process(server_args(tmp_path), env)
    try:
        announced(first)  # the first serves
        second = run_gitward(server_args(tmp_path), env, timeout=60)

        assert second.returncode != 0
        said = second.stdout + second.stderr
        assert "in use by another gitward server" in said
        assert f"(process {first.pid})" in said
        assert "PostgreSQL" in said
        assert "Traceback" not in said
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(timeout=30)
