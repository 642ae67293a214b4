"""``gitward diff``'s comparison and its three outputs, on small renders built here."""

from __future__ import annotations

import json
from typing import Any

from gitward.delivery.previews import Change, RenderedApp, compare_renders
from gitward.delivery.reports import MARKDOWN_LIMIT, as_json, as_markdown, as_text


def deployment(name: str, image: str = "app:v1", namespace: str = "dev") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}},
    }


def secret(**data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "dev"},
        "data": data,
    }


def app(
    name: str, *objects: dict[str, Any], env: str = "dev", errors: tuple[str, ...] = ()
) -> RenderedApp:
    return RenderedApp(name, env, list(objects), errors)


def test_an_image_change_is_one_changed_object_with_a_unified_diff() -> None:
    (preview,) = compare_renders(
        [app("web", deployment("api"), deployment("ui"))],
        [app("web", deployment("api", "app:v2"), deployment("ui"))],
    )
    assert preview.change is Change.CHANGED
    (changed,) = preview.objects
    assert str(changed.key) == "apps/Deployment dev/api"
    assert changed.diff == (
        "--- base/apps/Deployment/api\n+++ head/apps/Deployment/api\n@@ -7,5 +7,5 @@\n"
        "   template:\n     spec:\n       containers:\n"
        "-      - image: app:v1\n+      - image: app:v2\n         name: c\n"
    )


def test_objects_and_apps_that_appear_or_disappear_are_added_or_removed() -> None:
    previews = compare_renders(
        [app("web", deployment("api"), deployment("old")), app("gone", deployment("x"))],
        [app("web", deployment("api"), deployment("new")), app("fresh", deployment("y"))],
    )
    by_name = {item.name: item for item in previews}
    assert [(o.key.name, o.change) for o in by_name["web"].objects] == [
        ("new", Change.ADDED),
        ("old", Change.REMOVED),
    ]
    assert by_name["gone"].change is Change.REMOVED
    assert by_name["fresh"].change is Change.ADDED
    assert [item.name for item in previews] == ["web", "fresh", "gone"]


def test_secret_values_never_appear_and_a_changed_value_still_shows_as_changed() -> None:
    (preview,) = compare_renders(
        [app("web", secret(password="c2VjcmV0MQ==", user="YWRtaW4="))],
        [app("web", secret(password="c2VjcmV0Mg==", user="YWRtaW4="))],
    )
    (changed,) = preview.objects
    assert "c2VjcmV0" not in changed.diff and "YWRtaW4" not in changed.diff
    assert "-  password: ++++++++\n" in changed.diff
    assert "+  password: ++++++++++++\n" in changed.diff
    assert "user" not in "".join(line for line in changed.diff.splitlines() if line[:1] in "+-")


def test_an_unchanged_secret_is_not_a_change() -> None:
    (preview,) = compare_renders([app("web", secret(a="eA=="))], [app("web", secret(a="eA=="))])
    assert preview.change is Change.UNCHANGED


def test_an_app_that_fails_to_render_is_an_error_with_its_messages() -> None:
    (preview,) = compare_renders(
        [app("web", deployment("api"))], [app("web", errors=("values.yaml: line 3: bad",))]
    )
    assert preview.change is Change.ERROR
    assert preview.errors == ["head: values.yaml: line 3: bad"]
    assert as_text([preview]) == "web (dev): failed to render\n  head: values.yaml: line 3: bad\n"


def test_markdown_has_a_summary_table_and_folds_each_changed_app() -> None:
    previews = compare_renders(
        [app("web-dev", deployment("api")), app("web-prod", deployment("api"), env="prod")],
        [
            app("web-dev", deployment("api", "app:v2")),
            app("web-prod", deployment("api"), env="prod"),
        ],
    )
    text = as_markdown(previews, title="preview")
    assert text.startswith(
        "### preview\n\n"
        "| Environment | App | Change | Added | Removed | Changed |\n"
        "|---|---|---|--:|--:|--:|\n"
        "| dev | web-dev | 1 changed | 0 | 0 | 1 |\n"
        "| prod | web-prod | no change | 0 | 0 | 0 |\n"
    )
    assert "<details><summary><b>web-dev</b> (dev): 1 changed</summary>" in text
    assert "```diff\n" in text and text.count("<details>") == 1


def test_markdown_says_so_when_nothing_changes() -> None:
    previews = compare_renders([app("web", deployment("api"))], [app("web", deployment("api"))])
    assert as_markdown(previews) == "### gitward diff\n\nNo change to the 1 rendered apps.\n"


def test_markdown_stays_under_githubs_comment_limit() -> None:
    big = "x" * 5000
    base = [app(f"app{n}", deployment("api", f"{big}{n}")) for n in range(40)]
    head = [app(f"app{n}", deployment("api", f"{big}{n}-new")) for n in range(40)]
    text = as_markdown(compare_renders(base, head))
    assert len(text) < MARKDOWN_LIMIT + 5000
    assert "more app(s) not shown: the comment would be too long" in text
    assert text.count("| app") == 40  # the summary always lists every app


def test_json_lists_every_app_with_counts_and_object_diffs() -> None:
    previews = compare_renders([app("web", deployment("api"))], [app("web", deployment("ui"))])
    document = json.loads(as_json(previews))
    assert document["changed"] is True
    (entry,) = document["apps"]
    assert {k: entry[k] for k in ("name", "environment", "change", "added", "removed")} == {
        "name": "web", "environment": "dev", "change": "changed", "added": 1, "removed": 1,
    }  # fmt: skip
    assert [o["name"] for o in entry["objects"]] == ["api", "ui"]
