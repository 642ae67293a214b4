"""``gitward demo`` loads the example's ``argocd-notifications-cm.yaml`` as Argo CD would and
runs a webhook receiver of its own: dev and staging being deployed land in
``<data-dir>/notifications.log`` as one JSON line each (trigger, app, service, body), and the
demo says where that file is."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support.processes import output_lines, read_until

MARKER = "Notifications (Argo CD's format) are appended to "


def logged(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_demo_logs_dev_and_staging_deployments_as_argo_cd_notifications(
    tmp_path: Path,
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gitward", "demo", "--port", "0", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = output_lines(process)
    log = tmp_path / "notifications.log"
    wanted = {("on-deployed", "ai-chatbot-dev"), ("on-deployed", "ai-chatbot-staging")}
    try:
        lines = read_until(output, MARKER, within=120)
        deadline = time.monotonic() + 180
        while not wanted <= {(line["trigger"], line["app"]) for line in logged(log)}:
            assert time.monotonic() < deadline, f"not logged within 180 s: {logged(log)}"
            select.select([], [], [], 0.5)  # a pause between looks at the file
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=90)

    entries = logged(log)
    dev = next(line for line in entries if line["app"] == "ai-chatbot-dev")
    assert f"{MARKER}{log}\n" in lines
    assert dev["service"] == "demo-log"
    assert (
        "Application ai-chatbot-dev is now running new version"
        in json.loads(dev["body"])["message"]
    )
    assert [line for line in entries if line["app"] == "ai-chatbot-prod"] == []
    pairs = [(line["trigger"], line["app"]) for line in entries]
    assert len(pairs) == len(set(pairs)), pairs
