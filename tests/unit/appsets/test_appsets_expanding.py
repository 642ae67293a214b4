"""ApplicationSets expanded the way Argo CD's controller expands them: generators, templates,
templatePatch, owner references, RollingSync waves and located errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitward.appsets.expanding import Expander, Expansion
from gitward.appsets.generating import ClusterInfo, Ports
from gitward.appsets.templating import GoTemplates
from gitward.errors import GitwardError, Location, ManifestError
from gitward.git.repo import Checkout
from gitward.model.appsets import parse_appset

GO = GoTemplates()


class FolderSources:
    """Every repository is one folder (the seam the git port fills in the product)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.asked: list[tuple[str, str]] = []

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        self.asked.append((repo_url, revision))
        return Checkout(self.root, "0" * 40, revision)


def appset(spec: str, name: str = "guestbook") -> dict[str, Any]:
    body = yaml.safe_load(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": body,
    }


TEMPLATE = """
template:
  metadata:
    name: '{{cluster}}-guestbook'
  spec:
    project: default
    source:
      repoURL: https://github.com/argoproj/argo-cd.git
      targetRevision: HEAD
      path: applicationset/examples/list-generator/guestbook/{{cluster}}
    destination:
      server: '{{url}}'
      namespace: guestbook
"""


def expand(document: dict[str, Any], root: Path | None = None, clusters: Any = None) -> Expansion:
    parsed = parse_appset(document, file="appset.yaml").value
    sources = FolderSources(root or Path("/nonexistent"))

    async def listed() -> list[ClusterInfo]:
        return list(clusters or [])

    ports = Ports(sources, listed)
    return asyncio.run(Expander(GO).expand(parsed, ports))


def names(expansion: Expansion) -> list[str]:
    return [app["metadata"]["name"] for app in expansion.apps]


def test_a_list_generator_fills_the_fasttemplate_of_argo_cds_guestbook_example() -> None:
    document = appset(
        """
generators:
- list:
    elements:
    - cluster: engineering-dev
      url: https://1.2.3.4
    - cluster: engineering-prod
      url: https://2.4.6.8
"""
        + TEMPLATE
    )
    expansion = expand(document)
    assert names(expansion) == ["engineering-dev-guestbook", "engineering-prod-guestbook"]
    first = expansion.apps[0]
    assert first["spec"]["destination"]["server"] == "https://1.2.3.4"
    assert first["spec"]["source"]["path"].endswith("guestbook/engineering-dev")
    assert first["metadata"]["namespace"] == "argocd"
    assert first["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert first["metadata"]["ownerReferences"][0]["kind"] == "ApplicationSet"
    assert first["metadata"]["ownerReferences"][0]["name"] == "guestbook"


def test_a_fasttemplate_tag_naming_no_parameter_is_left_as_written() -> None:
    document = appset(
        """
generators:
- list:
    elements: [{cluster: dev, url: https://x}]
template:
  metadata: {name: '{{cluster}}-app', annotations: {note: '{{ nothing }} and {{cluster}}'}}
  spec:
    project: default
    source: {repoURL: https://r.example/x.git, path: p}
    destination: {server: '{{url}}', namespace: x}
"""
    )
    app = expand(document).apps[0]
    assert app["metadata"]["annotations"]["note"] == "{{ nothing }} and dev"


def test_preserve_resources_on_deletion_leaves_the_resources_finalizer_out() -> None:
    document = appset(
        """
syncPolicy: {preserveResourcesOnDeletion: true}
generators:
- list:
    elements: [{cluster: dev, url: https://x}]
"""
        + TEMPLATE
    )
    assert "finalizers" not in expand(document).apps[0]["metadata"]


def test_elements_yaml_adds_elements_after_the_listed_ones() -> None:
    document = appset(
        """
generators:
- list:
    elements: [{cluster: a, url: https://a}]
    elementsYaml: |
      - cluster: b
        url: https://b
"""
        + TEMPLATE
    )
    assert names(expand(document)) == ["a-guestbook", "b-guestbook"]


def test_git_directories_give_path_params_and_excludes_win(tmp_path: Path) -> None:
    for name in ("argo-workflows", "prometheus-operator", "excluded"):
        (tmp_path / "cluster-addons" / name).mkdir(parents=True)
    (tmp_path / ".git" / "x").mkdir(parents=True)
    document = appset(
        """
generators:
- git:
    repoURL: https://github.com/argoproj/argo-cd.git
    revision: HEAD
    directories:
    - path: cluster-addons/*
    - path: cluster-addons/excluded
      exclude: true
template:
  metadata:
    name: '{{path.basename}}'
    labels: {first: '{{path[0]}}', normalized: '{{path.basenameNormalized}}'}
  spec:
    project: default
    source: {repoURL: 'https://github.com/argoproj/argo-cd.git', path: '{{path}}'}
    destination: {server: https://kubernetes.default.svc, namespace: '{{path.basename}}'}
"""
    )
    expansion = expand(document, tmp_path)
    assert names(expansion) == ["argo-workflows", "prometheus-operator"]
    assert expansion.apps[0]["spec"]["source"]["path"] == "cluster-addons/argo-workflows"
    assert expansion.apps[0]["metadata"]["labels"]["first"] == "cluster-addons"


def test_git_files_flatten_their_keys_and_give_the_file_path(tmp_path: Path) -> None:
    for env, url in (("dev", "https://1.2.3.4"), ("prod", "https://5.6.7.8")):
        folder = tmp_path / "clusters" / env
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(
            f'{{"cluster": {{"name": "{env}", "address": "{url}"}}}}', encoding="utf-8"
        )
    document = appset(
        """
generators:
- git:
    repoURL: https://example.com/config.git
    files: [{path: 'clusters/**/config.json'}]
    pathParamPrefix: cfg
template:
  metadata: {name: '{{cluster.name}}-{{cfg.path.basename}}'}
  spec:
    project: default
    source: {repoURL: https://example.com/app.git, path: '{{cfg.path}}/{{cfg.path.filename}}'}
    destination: {server: '{{cluster.address}}', namespace: guestbook}
"""
    )
    expansion = expand(document, tmp_path)
    assert names(expansion) == ["dev-dev", "prod-prod"]
    assert expansion.apps[1]["spec"]["destination"]["server"] == "https://5.6.7.8"
    assert expansion.apps[0]["spec"]["source"]["path"] == "clusters/dev/config.json"


def test_the_clusters_generator_selects_by_label_and_names_the_in_cluster_entry() -> None:
    clusters = [
        ClusterInfo("staging", "https://staging", {"env": "staging"}),
        ClusterInfo("prod", "https://prod", {"env": "prod"}),
    ]
    template = """
template:
  metadata: {name: '{{name}}-guestbook', labels: {env: '{{metadata.labels.env}}'}}
  spec:
    project: default
    source: {repoURL: https://r.example/x.git, path: guestbook}
    destination: {server: '{{server}}', namespace: guestbook}
"""
    selected = appset("generators:\n- clusters: {selector: {matchLabels: {env: prod}}}" + template)
    assert names(expand(selected, clusters=clusters)) == ["prod-guestbook"]
    every = appset("generators:\n- clusters: {}" + template)
    assert names(expand(every, clusters=clusters)) == [
        "in-cluster-guestbook",
        "staging-guestbook",
        "prod-guestbook",
    ]


def test_a_matrix_templates_its_second_generator_with_the_first_ones_params(
    tmp_path: Path,
) -> None:
    for name in ("app-a", "app-b"):
        (tmp_path / "apps" / name).mkdir(parents=True)
    document = appset(
        """
goTemplate: true
goTemplateOptions: ["missingkey=error"]
generators:
- matrix:
    generators:
    - list:
        elements: [{env: dev, folder: apps}]
    - git:
        repoURL: https://example.com/{{.env}}.git
        directories: [{path: '{{.folder}}/*'}]
template:
  metadata: {name: '{{.path.basename}}-{{.env}}'}
  spec:
    project: default
    source: {repoURL: https://example.com/x.git, path: '{{.path.path}}'}
    destination: {server: https://kubernetes.default.svc, namespace: '{{index .path.segments 0}}'}
"""
    )
    expansion = expand(document, tmp_path)
    assert names(expansion) == ["app-a-dev", "app-b-dev"]
    assert expansion.apps[0]["spec"]["destination"]["namespace"] == "apps"


def test_a_merge_overrides_the_base_sets_that_agree_on_the_merge_keys() -> None:
    document = appset(
        """
generators:
- merge:
    mergeKeys: [cluster]
    generators:
    - list:
        elements: [{cluster: a, url: https://a}, {cluster: b, url: https://b}]
    - list:
        elements: [{cluster: b, url: https://b-override}, {cluster: c, url: https://c}]
"""
        + TEMPLATE
    )
    expansion = expand(document)
    assert names(expansion) == ["a-guestbook", "b-guestbook"]
    assert expansion.apps[1]["spec"]["destination"]["server"] == "https://b-override"


def test_go_templates_use_sprig_normalize_and_template_patch() -> None:
    document = appset(
        """
goTemplate: true
generators:
- list:
    elements: [{cluster: Engineering_Dev, url: https://x, auto: true}]
template:
  metadata: {name: '{{ .cluster | normalize }}'}
  spec:
    project: default
    source: {repoURL: https://r.example/x.git, path: '{{ upper .cluster }}'}
    destination: {server: '{{.url}}', namespace: x}
templatePatch: |
  spec:
    syncPolicy:
    {{- if .auto }}
      automated: {prune: true}
    {{- end }}
"""
    )
    app = expand(document).apps[0]
    assert app["metadata"]["name"] == "engineering-dev"
    assert app["spec"]["source"]["path"] == "ENGINEERING_DEV"
    assert app["spec"]["syncPolicy"] == {"automated": {"prune": True}}
    assert app["spec"]["destination"]["server"] == "https://x"


def test_missingkey_error_names_the_field_and_the_missing_parameter() -> None:
    document = appset(
        """
goTemplate: true
goTemplateOptions: ["missingkey=error"]
generators:
- list:
    elements: [{cluster: dev}]
template:
  metadata: {name: '{{.cluster}}'}
  spec:
    project: default
    source: {repoURL: https://r.example/x.git, path: p}
    destination: {server: '{{.url}}', namespace: x}
"""
    )
    with pytest.raises(GitwardError) as caught:
        expand(document)
    assert "'url'" in caught.value.message
    assert "spec.template.spec.destination.server" in caught.value.message
    assert "appset.yaml: ApplicationSet guestbook" in caught.value.message


def test_rolling_sync_steps_become_sync_waves_in_step_order() -> None:
    document = appset(
        """
strategy:
  type: RollingSync
  rollingSync:
    steps:
    - matchExpressions: [{key: envLabel, operator: In, values: [env-dev]}]
    - matchExpressions: [{key: envLabel, operator: In, values: [env-prod]}]
      maxUpdate: 1
generators:
- list:
    elements: [{cluster: prod, url: https://p}, {cluster: dev, url: https://d}]
template:
  metadata: {name: '{{cluster}}-guestbook', labels: {envLabel: 'env-{{cluster}}'}}
  spec:
    project: default
    source: {repoURL: https://r.example/x.git, path: p}
    destination: {server: '{{url}}', namespace: x}
"""
    )
    waves = {
        app["metadata"]["name"]: app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        for app in expand(document).apps
    }
    assert waves == {"prod-guestbook": "2", "dev-guestbook": "1"}


def test_two_parameter_sets_generating_one_name_is_an_error() -> None:
    document = appset(
        """
generators:
- list:
    elements: [{cluster: a, url: https://a}, {cluster: a, url: https://b}]
"""
        + TEMPLATE
    )
    with pytest.raises(ManifestError, match="both generate Application a-guestbook"):
        expand(document)


def test_a_generated_app_with_a_bad_name_fails_the_set_with_its_location() -> None:
    document = appset(
        """
generators:
- list:
    elements: [{cluster: Not_Valid, url: https://a}]
"""
        + TEMPLATE
    )
    with pytest.raises(ManifestError) as caught:
        expand(document)
    assert "parameter set 0 generates an invalid Application" in caught.value.message
    assert "metadata.name" in caught.value.message


@pytest.mark.parametrize(
    ("generator", "expected"),
    [
        ("pullRequest: {github: {owner: o, repo: r}}", "spec.generators[0].pullRequest"),
        ("scmProvider: {github: {organization: o}}", "the scmProvider generator is not supported"),
        ("{}", "exactly one of list, clusters, git, matrix, merge"),
        ("git: {repoURL: https://x}", "either `directories` or `files`"),
        (
            "matrix: {generators: [{list: {elements: []}}]}",
            "combines exactly two generators, found 1",
        ),
    ],
)
def test_unsupported_or_malformed_generators_are_refused_with_their_location(
    generator: str, expected: str
) -> None:
    document = appset(f"generators:\n- {generator}" + TEMPLATE)
    with pytest.raises(ManifestError) as caught:
        parse_appset(document, file="appset.yaml")
    assert expected in caught.value.message
    assert caught.value.message.startswith("appset.yaml: ApplicationSet guestbook")


def test_an_unknown_applications_sync_policy_is_refused() -> None:
    document = appset(
        "syncPolicy: {applicationsSync: create-all}\ngenerators:\n- list: {elements: []}" + TEMPLATE
    )
    with pytest.raises(ManifestError, match="unknown applicationsSync policy 'create-all'"):
        parse_appset(document)


def test_a_remembered_go_template_job_answers_only_for_the_same_texts_and_params() -> None:
    templates = GoTemplates()
    texts = {"name": "{{ .team }}-app"}
    first = templates.render_many([(texts, {"team": "a"}), (texts, {"team": "b"})], Location())
    again = templates.render_many([(texts, {"team": "b"}), (texts, {"team": "c"})], Location())
    assert [job["name"] for job in first] == ["a-app", "b-app"]
    assert [job["name"] for job in again] == ["b-app", "c-app"]


def test_a_generators_post_selector_keeps_only_the_matching_parameter_sets() -> None:
    document = appset(
        """
goTemplate: true
generators:
- list:
    elements:
    - {cluster: a, url: 'https://a', meta: {env: prod}}
    - {cluster: b, url: 'https://b', meta: {env: dev}}
    - {cluster: c, url: 'https://c', meta: {env: staging}}
  selector:
    matchExpressions: [{key: meta.env, operator: In, values: [prod, staging]}]
template:
  metadata: {name: '{{.cluster}}-guestbook'}
  spec:
    project: default
    source: {repoURL: 'https://r.example/x.git', path: p}
    destination: {server: '{{.url}}', namespace: x}
"""
    )
    assert names(expand(document)) == ["a-guestbook", "c-guestbook"]


def test_a_top_level_generators_template_overrides_the_sets_for_its_apps_only() -> None:
    document = appset(
        """
generators:
- list:
    elements: [{cluster: engineering-dev, url: 'https://1.2.3.4'}]
    template:
      metadata: {}
      spec:
        project: default
        source:
          repoURL: https://github.com/argoproj/argo-cd.git
          path: applicationset/examples/template-override/engineering-dev-override
        destination: {}
- list:
    elements: [{cluster: engineering-prod, url: 'https://2.4.6.8'}]
"""
        + TEMPLATE
    )
    dev, prod = expand(document).apps
    assert dev["spec"]["source"]["path"].endswith("template-override/engineering-dev-override")
    assert dev["spec"]["destination"]["server"] == "https://1.2.3.4"
    assert prod["spec"]["source"]["path"].endswith("guestbook/engineering-prod")


def test_a_matrix_that_would_give_too_many_apps_is_refused_naming_the_generator() -> None:
    side = [{"a": str(n)} for n in range(150)]  # 150 x 150 = 22,500 > 10,000
    document = appset(
        yaml.safe_dump(
            {
                "generators": [
                    {
                        "matrix": {
                            "generators": [
                                {"list": {"elements": side}},
                                {"list": {"elements": [{"b": e["a"]} for e in side]}},
                            ]
                        }
                    }
                ]
            }
        )
        + TEMPLATE.replace("{{cluster}}", "{{a}}-{{b}}")
    )
    with pytest.raises(GitwardError) as refused:
        expand(document)
    assert "more than 10000 parameter sets" in refused.value.message
    assert refused.value.where is not None
    assert refused.value.where.field == "spec.generators[0].matrix"


def test_a_git_file_whose_yaml_aliases_expand_to_millions_is_refused(tmp_path: Path) -> None:
    row = "[" + ", ".join(["x"] * 1000) + "]"
    table = "[" + ", ".join(["*row"] * 1001) + "]"
    (tmp_path / "config.yaml").write_text(f"row: &row {row}\ntable: {table}\n", encoding="utf-8")
    document = appset(
        """
generators:
- git:
    repoURL: https://example.com/config.git
    files: [{path: 'config.yaml'}]
template:
  metadata: {name: 'app'}
  spec:
    project: default
    source: {repoURL: https://example.com/app.git, path: '.'}
    destination: {server: https://kubernetes.default.svc, namespace: guestbook}
"""
    )
    with pytest.raises(ManifestError) as refused:
        expand(document, tmp_path)
    assert "config.yaml gives more than 1000000 values" in refused.value.message


def test_the_word_normalize_outside_a_go_template_action_is_plain_text() -> None:
    document = appset(
        """
goTemplate: true
generators:
- list:
    elements: [{cluster: Engineering_Dev}]
template:
  metadata: {name: '{{ normalize .cluster }}'}
  spec:
    project: default
    source: {repoURL: https://r.example/x.git, path: 'tools/normalize/{{ .cluster }}'}
    destination: {server: https://kubernetes.default.svc, namespace: x}
"""
    )
    app = expand(document).apps[0]
    assert app["metadata"]["name"] == "engineering-dev"
    assert app["spec"]["source"]["path"] == "tools/normalize/Engineering_Dev"
