"""Values a sync or an API server would refuse later are refused at render time, with the file,
line, object and field (issue 11.6 and 11.7): sync waves and Helm hook weights that are not
64-bit integers (in manifests and in Applications), and Secret ``data`` that is not base64 —
whose value never appears in the message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from render_builders import chart_files, directory_source, helm_source, write

from gitward.errors import ManifestError
from gitward.model.application import parse_application
from gitward.render import Rendered

WAVE = "argocd.argoproj.io/sync-wave"


def annotated(kind: str, annotations: dict[str, str]) -> str:
    lines = "".join(f'    {key}: "{value}"\n' for key, value in annotations.items())
    return f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\n  annotations:\n{lines}"


@pytest.mark.parametrize(
    ("annotations", "said"),
    [
        ({WAVE: "abc"}, "not an integer"),
        ({WAVE: "1.5"}, "not an integer"),
        ({WAVE: "99999999999999999999"}, "64-bit"),
        ({WAVE: "-9223372036854775809"}, "64-bit"),
        ({WAVE: "9" * 5000}, "64-bit"),
        ({"helm.sh/hook": "pre-install", "helm.sh/hook-weight": "heavy"}, "hook weight"),
    ],
)
def test_a_wave_a_sync_could_not_order_by_is_refused_at_render_time(
    repo: Path, render: Callable[..., Rendered], annotations: dict[str, str], said: str
) -> None:
    write(repo, {"manifests/cm.yaml": "---\n" + annotated("ConfigMap", annotations)})

    with pytest.raises(ManifestError) as caught:
        render(directory_source())

    message = str(caught.value)
    assert said in message
    assert "manifests/cm.yaml:2" in message
    assert "ConfigMap x" in message
    assert "metadata.annotations[" in message
    assert len(message) < 1000  # a 5,000-digit wave is not echoed whole


@pytest.mark.parametrize("wave", ["-9223372036854775808", "9223372036854775807", "+3", " 2 "])
def test_every_wave_argo_cd_reads_renders(
    repo: Path, render: Callable[..., Rendered], wave: str
) -> None:
    write(repo, {"manifests/cm.yaml": annotated("ConfigMap", {WAVE: wave})})

    assert len(render(directory_source()).objects) == 1


def test_a_wave_in_a_chart_template_is_refused_too(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    template = annotated("ConfigMap", {WAVE: "{{ .Values.wave }}"})
    write(repo, chart_files(values="wave: soon\n", templates={"cm.yaml": template}))

    with pytest.raises(ManifestError, match="not an integer"):
        render(helm_source())


def test_an_applications_own_wave_is_checked_in_its_range() -> None:
    document = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "child", "annotations": {WAVE: "99999999999999999999"}},
        "spec": {
            "source": {"repoURL": "https://example.com/r.git", "path": "."},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
        },
    }
    with pytest.raises(ManifestError) as caught:
        parse_application(document, file="apps.yaml")

    assert f"metadata.annotations[{WAVE}]" in str(caught.value)
    assert "64-bit" in str(caught.value)


SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  user: YWRtaW4=
  password: {value}
"""


@pytest.mark.parametrize("value", ["hunter2-not-base64!", "YWRtaW4", "12345"])
def test_secret_data_that_is_not_base64_is_refused_without_echoing_it(
    repo: Path, render: Callable[..., Rendered], value: str
) -> None:
    write(repo, {"manifests/secret.yaml": SECRET.format(value=value)})

    with pytest.raises(ManifestError) as caught:
        render(directory_source())

    message = str(caught.value)
    assert "manifests/secret.yaml:1" in message
    assert "Secret db" in message
    assert "data.password" in message
    assert value not in message


def test_base64_with_line_breaks_renders_as_the_api_server_reads_it(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {"manifests/secret.yaml": SECRET.format(value='"YWRt\\naW4="')})

    assert render(directory_source()).objects[0]["data"]["password"] == "YWRt\naW4="
