"""``gitward render`` keeps Secret values out of its output unless asked (issue 11.7): the YAML
and JSON outputs mask ``data`` and ``stringData`` as the server does, ``--show-secrets`` shows
them, and a Secret whose data is not base64 fails its app without the value in the output."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitward.cli.main import app
from support.example import CHARTS_URL, REPO_URL, ROOT_APP

TOKEN = "s3cr3t-api-token"
ENCODED = "czNjcjN0LWRiLXBhc3N3b3Jk"  # base64 of "s3cr3t-db-password"

SECRET = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: chatbot-credentials
data:
  DATABASE_PASSWORD: {{password}}
stringData:
  API_TOKEN: {TOKEN}
"""


def with_secret(example: Path, password: str) -> None:
    template = example / "helm" / "ai-chatbot" / "templates" / "credentials.yaml"
    template.write_text(SECRET.format(password=password))


def render(example: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            *(
                "render",
                str(example / ROOT_APP),
                "--repo",
                f"{REPO_URL}={example}",
                "--helm-repo",
                f"{CHARTS_URL}={example}/charts-repo",
            ),
            *("--app", "ai-chatbot-dev", "--cache-dir", str(tmp_path / "cache"), *extra),
        ],
    )
    return result.exit_code, result.stdout


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_secret_values_are_masked_by_default(example: Path, tmp_path: Path, fmt: str) -> None:
    with_secret(example, ENCODED)

    code, shown = render(example, tmp_path, "-o", fmt)

    assert code == 0, shown
    assert "chatbot-credentials" in shown
    assert "DATABASE_PASSWORD" in shown
    assert "API_TOKEN" in shown
    assert "++++++++" in shown
    assert ENCODED not in shown
    assert TOKEN not in shown


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_show_secrets_prints_them_as_rendered(example: Path, tmp_path: Path, fmt: str) -> None:
    with_secret(example, ENCODED)

    code, shown = render(example, tmp_path, "-o", fmt, "--show-secrets")

    assert code == 0, shown
    assert ENCODED in shown
    assert TOKEN in shown


def test_a_secret_that_is_not_base64_fails_its_app_without_showing_the_value(
    example: Path, tmp_path: Path
) -> None:
    with_secret(example, "plain-text-password!")

    code, shown = render(example, tmp_path, "-o", "json", "--show-secrets")

    assert code == 1
    assert "helm/ai-chatbot/templates/credentials.yaml" in shown
    assert "Secret chatbot-credentials" in shown
    assert "data.DATABASE_PASSWORD" in shown
    assert "not valid base64" in shown
    assert "plain-text-password!" not in shown
