"""Jsonnet files of directory sources: what they are given, what they may import, and bounds.

Every test evaluates real Jsonnet in real worker processes (go-jsonnet, as Argo CD uses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from render_builders import directory_source, write

from gitward.errors import ManifestError, PathEscapeError, RenderError
from gitward.model.sources import JsonnetOptions, JsonnetVar
from gitward.render import Limits, Rendered, Renderer
from gitward.render.jsonnetpool import JsonnetWorkers

LIB = """
{
  configMap(name, data={}):: {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: data,
  },
}
"""

SLOW = "local fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2); fib(40)\n"


@pytest.fixture(scope="module")
def workers() -> Iterator[JsonnetWorkers]:
    pool = JsonnetWorkers(workers=1, memory_limit_mb=256)
    yield pool
    pool.close()


@pytest.fixture
def jsonnet(render: Callable[..., Rendered], workers: JsonnetWorkers) -> Callable[..., Rendered]:
    """Render a directory source at ``app`` with the given ``directory.jsonnet`` options."""

    def run(*, limits: Limits | None = None, **options: Any) -> Rendered:
        directory = {
            key: options.pop(key) for key in ("recurse", "include", "exclude") if key in options
        }
        source = directory_source("app", jsonnet=JsonnetOptions(**options), **directory)
        renderer = Renderer(jsonnet=workers, limits=limits or Limits())
        return render(source, renderer=renderer)

    return run


def data(rendered: Rendered) -> dict[str, Any]:
    return {o["metadata"]["name"]: o.get("data") for o in rendered.objects}


def test_tlas_and_ext_vars_reach_the_file_as_strings_or_as_code(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    write(
        repo,
        {
            "app/main.jsonnet": """
            local k = import 'k.libsonnet';
            function(replicas, team) k.configMap('settings', {
              replicas: std.toString(replicas + 1),
              team: team,
              env: std.extVar('env'),
              flags: std.toString(std.extVar('flags')),
            })
            """,
            "app/k.libsonnet": LIB,
        },
    )
    rendered = jsonnet(
        tlas=(
            JsonnetVar("team", "ops", code=True),  # replaced by the later string
            JsonnetVar("replicas", "2", code=True),
            JsonnetVar("team", "web"),
        ),
        ext_vars=(JsonnetVar("env", "prod"), JsonnetVar("flags", "{a: true}", code=True)),
    )
    assert data(rendered) == {
        "settings": {"replicas": "3", "team": "web", "env": "prod", "flags": '{"a": true}'}
    }
    assert rendered.origins == ["app/main.jsonnet"]
    assert rendered.objects[0]["metadata"]["namespace"] == "demo"


def test_argocd_build_variables_are_substituted_into_values(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    write(
        repo,
        {
            "app/main.jsonnet": """
            function(ns) { apiVersion: 'v1', kind: 'ConfigMap',
              metadata: { name: std.extVar('app') }, data: { ns: ns } }
            """
        },
    )
    rendered = jsonnet(
        tlas=(JsonnetVar("ns", "${ARGOCD_APP_NAMESPACE}"),),
        ext_vars=(JsonnetVar("app", "$ARGOCD_APP_NAME-cm"),),
    )
    assert data(rendered) == {"demo-cm": {"ns": "demo"}}


def test_output_may_be_an_array_or_a_list_and_libsonnet_files_are_not_evaluated(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    write(
        repo,
        {
            "app/array.jsonnet": """
            local k = import 'k.libsonnet';
            [k.configMap('one'), null, k.configMap('two')]
            """,
            "app/list.jsonnet": """
            local k = import 'k.libsonnet';
            { apiVersion: 'v1', kind: 'List', items: [k.configMap('three')] }
            """,
            "app/k.libsonnet": LIB,
            "app/plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: four\n",
        },
    )
    rendered = jsonnet()
    assert sorted(data(rendered)) == ["four", "one", "three", "two"]
    assert rendered.origins == [
        "app/array.jsonnet",
        "app/array.jsonnet",
        "app/list.jsonnet",
        "app/plain.yaml",
    ]


def test_libs_are_relative_to_the_repository_root_and_searched_after_the_files_directory(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    write(
        repo,
        {
            "app/main.jsonnet": "(import 'k.libsonnet').configMap((import 'name.libsonnet'))",
            "app/name.libsonnet": "'from-app'",
            "vendor/k.libsonnet": LIB,
            "vendor/name.libsonnet": "'from-vendor'",
        },
    )
    assert list(data(jsonnet(libs=("vendor",)))) == ["from-app"]


def test_recurse_include_and_exclude_choose_the_jsonnet_files(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    cm = "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '%s' } }"
    write(
        repo,
        {
            "app/a.jsonnet": cm % "a",
            "app/sub/b.jsonnet": cm % "b",
            "app/sub/skip.jsonnet": "error 'never evaluated'",
        },
    )
    assert list(data(jsonnet())) == ["a"]
    assert list(data(jsonnet(recurse=True, exclude="*/skip.jsonnet"))) == ["a", "b"]


@pytest.mark.parametrize(
    ("files", "shown"),
    [
        ({"app/main.jsonnet": "import '../../etc/passwd'"}, "'../../etc/passwd' leaves"),
        ({"app/main.jsonnet": "importstr '/etc/passwd'"}, "absolute paths are refused"),
        ({"app/main.jsonnet": "import 'lib/outside.libsonnet'"}, "links outside the repository"),
    ],
)
def test_imports_out_of_the_repository_are_refused_naming_the_file(
    repo: Path,
    tmp_path: Path,
    jsonnet: Callable[..., Rendered],
    files: dict[str, str],
    shown: str,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "outside.libsonnet").write_text("{ secret: 'x' }")
    write(repo, files)
    (repo / "app" / "lib").symlink_to(outside)

    with pytest.raises(PathEscapeError) as caught:
        jsonnet()

    message = str(caught.value)
    assert message.startswith("app/main.jsonnet: Application demo:")
    assert shown in message
    assert "secret" not in message


def test_a_library_path_out_of_the_repository_is_refused_naming_the_field(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    write(repo, {"app/main.jsonnet": "{}"})
    with pytest.raises(PathEscapeError) as caught:
        jsonnet(libs=("vendor", "../elsewhere"))
    assert "spec.source.directory.jsonnet.libs[1]" in str(caught.value)


def test_a_jsonnet_error_names_the_file_and_line(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    write(repo, {"app/main.jsonnet": "local x = 1;\n{ a: std.extVar('missing') }\n"})
    with pytest.raises(RenderError) as caught:
        jsonnet()
    message = str(caught.value)
    assert "the Jsonnet evaluation failed" in message
    assert "app/main.jsonnet:2:" in message


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("'just a string'", "the Jsonnet output is not an object"),
        ("[1]", "element 1 of the Jsonnet output is not an object"),
        ("{ deployment: { kind: 'Deployment' } }", "apiVersion: missing"),
    ],
)
def test_output_that_is_not_kubernetes_objects_is_a_located_error(
    repo: Path, jsonnet: Callable[..., Rendered], text: str, shown: str
) -> None:
    write(repo, {"app/main.jsonnet": text})
    with pytest.raises(ManifestError) as caught:
        jsonnet()
    assert "app/main.jsonnet" in str(caught.value)
    assert shown in str(caught.value)


def test_output_over_the_object_limit_is_a_located_error(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    many = (
        "[{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' + i } }"
        " for i in std.range(1, 4)]"
    )
    write(repo, {"app/main.jsonnet": many})
    with pytest.raises(ManifestError) as caught:
        jsonnet(limits=Limits(max_objects=3))
    assert "app/main.jsonnet" in str(caught.value)
    assert "holds more than 3 objects" in str(caught.value)


def test_a_slow_file_is_stopped_at_the_time_limit_and_the_next_render_works(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    write(repo, {"app/main.jsonnet": SLOW})
    with pytest.raises(RenderError) as caught:
        jsonnet(limits=Limits(tool_timeout_s=0.5))
    assert str(caught.value).startswith(
        "app/main.jsonnet: Application demo: the Jsonnet evaluation of the source ran longer "
        "than 0.5 s and was stopped"
    )

    write(
        repo,
        {"app/main.jsonnet": "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok' } }"},
    )
    assert list(data(jsonnet())) == ["ok"]


def test_a_file_that_needs_too_much_memory_stops_its_worker_with_a_located_error(
    repo: Path, jsonnet: Callable[..., Rendered]
) -> None:
    bomb = "std.length(std.join('', [std.toString(i) for i in std.range(1, 100000000)]))"
    write(repo, {"app/main.jsonnet": bomb})
    with pytest.raises(RenderError) as caught:
        jsonnet()
    assert "app/main.jsonnet" in str(caught.value)
    assert "over its 256 MiB memory limit" in str(caught.value)
