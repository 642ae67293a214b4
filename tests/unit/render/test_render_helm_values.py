"""Helm value layering as Argo CD passes it to `helm template`, checked through a real render.

The chart echoes its final `.Values` into a ConfigMap, so each test reads exactly what the
templates would see: chart values < valueFiles (in order) < values < valuesObject < parameters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from render_builders import application, chart_files, helm_source, write

from gitward.errors import ManifestError, PathEscapeError, SourceError
from gitward.model.sources import HelmFileParameter, HelmParameter, Source
from gitward.render import Rendered, Renderer
from gitward.render.helm_values import envsubst

CHART_VALUES = "tier: chart\nimage:\n  repository: nginx\n  tag: chart\nkeep: chart\n"


@pytest.fixture
def echo_chart(repo: Path) -> Path:
    write(
        repo,
        {
            **chart_files("charts/app", values=CHART_VALUES),
            "envs/a.yaml": "tier: file-a\nimage:\n  tag: file-a\nfromA: 1\n",
            "envs/b.yaml": "tier: file-b\nfromB: 2\n",
        },
    )
    return repo


def values_of(rendered: Rendered) -> dict[str, Any]:
    (echo,) = [o for o in rendered.objects if o["metadata"]["name"].endswith("-values")]
    decoded: dict[str, Any] = json.loads(echo["data"]["values.json"])
    return decoded


PARAM = HelmParameter


@pytest.mark.parametrize(
    ("options", "expected_tier"),
    [
        ({}, "chart"),
        ({"value_files": ("../../envs/a.yaml",)}, "file-a"),
        ({"value_files": ("../../envs/a.yaml", "../../envs/b.yaml")}, "file-b"),
        ({"value_files": ("../../envs/b.yaml", "../../envs/a.yaml")}, "file-a"),
        ({"value_files": ("../../envs/b.yaml",), "values": "tier: values\n"}, "values"),
        (
            {"values": "tier: values\n", "values_object": {"tier": "object"}},
            "object",
        ),
        (
            {
                "value_files": ("../../envs/a.yaml",),
                "values_object": {"tier": "object"},
                "parameters": (PARAM("tier", "param"),),
            },
            "param",
        ),
        (
            {"parameters": (PARAM("tier", "set"), PARAM("tier", "set-string", force_string=True))},
            "set-string",
        ),
        (
            {"parameters": (PARAM("tier", "set-string", force_string=True), PARAM("tier", "set"))},
            "set-string",
        ),
    ],
)
def test_later_layers_win_in_argo_cds_order(
    echo_chart: Path, render: Callable[..., Rendered], options: dict[str, Any], expected_tier: str
) -> None:
    values = values_of(render(helm_source("charts/app", **options)))
    assert values["tier"] == expected_tier
    assert values["keep"] == "chart"


def test_maps_merge_across_layers_while_scalars_replace(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    source = helm_source(
        "charts/app",
        value_files=("../../envs/a.yaml", "../../envs/b.yaml"),
        parameters=(PARAM("image.pullPolicy", "Always"),),
    )
    values = values_of(render(source))
    assert values["image"] == {"repository": "nginx", "tag": "file-a", "pullPolicy": "Always"}
    assert (values["fromA"], values["fromB"]) == (1, 2)


def test_null_in_a_layer_deletes_the_chart_default(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    values = values_of(render(helm_source("charts/app", values="keep: null\n")))
    assert "keep" not in values


def test_values_object_replaces_values_entirely_with_a_warning(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    rendered = render(
        helm_source("charts/app", values="onlyInValues: 1\n", values_object={"tier": "object"})
    )
    assert "onlyInValues" not in values_of(rendered)
    assert any("valuesObject" in warning for warning in rendered.warnings)


def test_parameters_are_typed_unless_forced_to_strings(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    source = helm_source(
        "charts/app",
        parameters=(
            PARAM("replicas", "3"),
            PARAM("port", "8080", force_string=True),
            PARAM("enabled", "true"),
        ),
    )
    values = values_of(render(source))
    assert (values["replicas"], values["port"], values["enabled"]) == (3, "8080", True)


def test_commas_in_parameter_values_are_kept_as_argo_cd_escapes_them(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    source = helm_source(
        "charts/app",
        parameters=(PARAM("hosts", "a.example,b.example"), PARAM("ports", "{80,443}")),
    )
    values = values_of(render(source))
    assert values["hosts"] == "a.example,b.example"
    assert values["ports"] == [80, 443]


def test_an_indexed_parameter_edits_one_list_element_of_the_value_files(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    servers = "servers:\n  - {name: a, port: 1}\n  - {name: b, port: 2}\n"
    write(repo, {**chart_files(), "servers.yaml": servers})
    source = helm_source(
        value_files=("../servers.yaml",), parameters=(PARAM("servers[1].port", "9"),)
    )
    values = values_of(render(source))
    assert values["servers"] == [{"name": "a", "port": 1}, {"name": "b", "port": 9}]


def test_an_indexed_parameter_replaces_a_list_of_the_chart_defaults_as_helm_does(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files(values="servers:\n  - {name: a, port: 1}\n  - {name: b, port: 2}\n"))
    values = values_of(render(helm_source(parameters=(PARAM("servers[1].port", "9"),))))
    assert values["servers"] == [None, {"port": 9}]


def test_file_parameters_set_a_value_to_a_files_text(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    write(echo_chart, {"charts/app/files/motd.txt": "hello, world\n"})
    source = helm_source(
        "charts/app", file_parameters=(HelmFileParameter("banner.text", "files/motd.txt"),)
    )
    assert values_of(render(source))["banner"] == {"text": "hello, world\n"}


def test_argocd_variables_are_substituted_in_value_files_and_parameters(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    write(echo_chart, {"envs/demo-values.yaml": "tier: per-app\n"})
    source = helm_source(
        "charts/app",
        value_files=("../../envs/${ARGOCD_APP_NAME}-values.yaml",),
        parameters=(PARAM("where", "$ARGOCD_APP_NAMESPACE/$ARGOCD_APP_NAME"),),
    )
    values = values_of(render(source, namespace="team-a"))
    assert (values["tier"], values["where"]) == ("per-app", "team-a/demo")


def test_value_files_from_another_source_are_read_through_their_ref(
    echo_chart: Path, tmp_path: Path, render: Callable[..., Rendered]
) -> None:
    config = write(tmp_path / "config-repo", {"prod/values.yaml": "tier: from-ref\n"})
    source = helm_source("charts/app", value_files=("$config/prod/values.yaml",))
    assert values_of(render(source, refs={"config": config}))["tier"] == "from-ref"


def test_an_unknown_ref_is_named_with_the_refs_that_exist(
    echo_chart: Path, tmp_path: Path, render: Callable[..., Rendered]
) -> None:
    source = helm_source("charts/app", value_files=("$nope/values.yaml",))
    with pytest.raises(ManifestError) as caught:
        render(source, refs={"config": tmp_path})
    assert "$config" in caught.value.hint
    assert caught.value.where.field == "spec.source.helm.valueFiles[0]"


def test_a_ref_path_cannot_climb_out_of_the_referenced_checkout(
    echo_chart: Path, tmp_path: Path, render: Callable[..., Rendered]
) -> None:
    config = write(tmp_path / "config-repo", {"values.yaml": "a: 1\n"})
    source = helm_source("charts/app", value_files=("$config/../repo/envs/a.yaml",))
    with pytest.raises(PathEscapeError):
        render(source, refs={"config": config})


def test_a_missing_value_file_is_an_error_naming_the_field(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    with pytest.raises(SourceError) as caught:
        render(helm_source("charts/app", value_files=("../../envs/missing.yaml",)))
    assert caught.value.where.field == "spec.source.helm.valueFiles[0]"
    assert "envs/missing.yaml" in caught.value.message
    assert "ignoreMissingValueFiles" in caught.value.hint


def test_a_value_file_missing_from_a_ref_source_names_that_source_and_its_repository(
    echo_chart: Path, tmp_path: Path
) -> None:
    config = write(tmp_path / "config-repo", {"prod/values.yaml": "tier: from-ref\n"})
    chart = helm_source("charts/app", value_files=("$config/qa/values.yaml",))
    ref = Source(repo_url="https://ci:s3cret@git.example.com/config.git", ref="config")
    app = application(chart, ref)
    with pytest.raises(SourceError) as caught:
        Renderer().render(app, chart, echo_chart, sha=None, refs={"config": config})
    assert caught.value.where.field == "spec.sources[0].helm.valueFiles[0]"
    assert caught.value.problem == (
        "value file '$config/qa/values.yaml' does not exist in spec.sources[1] "
        "(ref: config, https://******@git.example.com/config.git)"
    )
    assert "root of the repository of the source with that `ref`" in caught.value.hint
    assert "s3cret" not in caught.value.message


def test_missing_value_files_are_skipped_with_a_warning_when_allowed(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    source = helm_source(
        "charts/app",
        value_files=("../../envs/missing.yaml", "../../envs/a.yaml"),
        ignore_missing_value_files=True,
    )
    rendered = render(source)
    assert values_of(rendered)["tier"] == "file-a"
    assert any("missing.yaml" in warning for warning in rendered.warnings)


def test_a_value_file_may_be_named_from_the_repository_root(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    values = values_of(render(helm_source("charts/app", value_files=("/envs/b.yaml",))))
    assert values["tier"] == "file-b"


def test_invalid_yaml_in_a_values_file_names_the_file_and_line(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    write(echo_chart, {"envs/broken.yaml": "tier: ok\nimage: [unclosed\nother: 1\n"})
    with pytest.raises(ManifestError) as caught:
        render(helm_source("charts/app", value_files=("../../envs/broken.yaml",)))
    assert caught.value.where.file is not None
    assert caught.value.where.file.startswith("envs/broken.yaml:")
    assert "invalid YAML" in caught.value.message


def test_a_values_file_that_is_a_list_is_refused(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    write(echo_chart, {"envs/list.yaml": "- a\n- b\n"})
    with pytest.raises(ManifestError, match="mapping"):
        render(helm_source("charts/app", value_files=("../../envs/list.yaml",)))


def test_an_alias_bomb_in_a_values_file_is_refused(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    write(echo_chart, {"envs/bomb.yaml": bomb})
    with pytest.raises(ManifestError, match="alias"):
        render(helm_source("charts/app", value_files=("../../envs/bomb.yaml",)))


def test_invalid_yaml_in_inline_values_names_the_field(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    with pytest.raises(ManifestError) as caught:
        render(helm_source("charts/app", values="a: [1,\n"))
    assert caught.value.where.field == "spec.source.helm.values"


def test_a_malformed_parameter_names_its_index(
    echo_chart: Path, render: Callable[..., Rendered]
) -> None:
    with pytest.raises(ManifestError) as caught:
        render(helm_source("charts/app", parameters=(PARAM("ok", "1"), PARAM("a[-1]", "1"))))
    assert caught.value.where.field == "spec.source.helm.parameters[1]"


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("$ARGOCD_APP_NAME-x", "web-x"),
        ("${ARGOCD_APP_NAME}.yaml", "web.yaml"),
        ("$$ARGOCD_APP_NAME", "$ARGOCD_APP_NAME"),
        ("${$}", "$"),
        ("$UNKNOWN", ""),
        ("trailing $", "trailing $"),
        ("$ space", "$ space"),
        # Go's os.Expand corners: shell specials are one-character names, bad syntax is eaten
        ("$1x", "x"),
        ("a$-b", "ab"),
        ("$*", ""),
        ("${}", ""),
        ("${ARGOCD_APP_NAME", "ARGOCD_APP_NAME"),
    ],
)
def test_envsubst_expands_as_gos_os_expand_with_argocds_mapping(text: str, expanded: str) -> None:
    assert envsubst(text, {"ARGOCD_APP_NAME": "web"}) == expanded
