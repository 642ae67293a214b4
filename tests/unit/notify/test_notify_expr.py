"""The expr-lang subset: what Argo CD's trigger conditions need, and nothing that reaches past
the data it is given."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.notify.expr import MAX_LENGTH, ExpressionError, compile_expression

APP = {
    "metadata": {"name": "web", "labels": {"tier": "front"}},
    "status": {"sync": {"status": "Synced"}, "conditions": [{"type": "SyncError"}]},
}


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("app.metadata.name == 'web'", True),
        ('app.metadata.name != "web"', False),
        ("app.metadata.labels['tier'] in ['front', 'back']", True),
        ("app.metadata.name not in ['web']", False),
        ("not (app.status.sync.status == 'Synced') || true && false", False),
        ("app.status.operationState?.phase", None),
        ("app.status.operationState?.phase ?? 'none'", "none"),
        ("len(app.status.conditions) > 0 and app.status.conditions[0].type == 'SyncError'", True),
        ("app.metadata.name startsWith 'we' and app.metadata.name endsWith 'b'", True),
        ("app.metadata.name matches '^w.b$'", True),
        ("'e' in app.metadata.name", True),
        ("1 + 2 * 3 - 4 / 2", 5.0),
        ("app.status.sync.status == 'Synced' ? 'yes' : 'no'", "yes"),
        ("strings.ToUpper(app.metadata.name)", "WEB"),
        ("time.Parse('2026-01-01T00:00:00Z').Before(time.Parse('2026-01-02T00:00:00Z'))", True),
        ("time.ParseDuration('1h30m').Minutes()", 90.0),
        ("app.__class__", None),
    ],
)
def test_an_expression_means_what_it_means_in_expr_lang(source: str, value: Any) -> None:
    assert compile_expression(source).evaluate({"app": APP}) == value


@pytest.mark.parametrize(
    "source",
    [
        "app.status.operationState.phase == 'Running'",
        "app.metadata.name.upper()",
        "app.metadata.name && true",
        "print('x')",
    ],
)
def test_a_failing_evaluation_is_an_expression_error(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source).evaluate({"app": APP})


@pytest.mark.parametrize(
    "source", ["app.", "(app", "app.x ===", "'open", "x" * (MAX_LENGTH + 1), "(" * 200 + "1"]
)
def test_a_malformed_or_oversized_expression_does_not_parse(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source)
