"""expr-lang as Argo CD's trigger conditions use it (closures over the sync result, ``let``,
pipes, Argo CD's ``time``/``strings``/``sync``/``repo`` functions), bounded in time and size,
and nothing that reaches past the data it is given."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.notify.expr import MAX_LENGTH, ExpressionError, Function, compile_expression

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
        ("app.status.operationState?.phase ?? 'none' == 'none'", True),
        ("app.metadata.name not matches '^x' and not ('x' in app.metadata.name)", True),
        ("-1 + 2 ** 3", 7.0),
        ("7 / 2", 3.5),
        ("0x10 + 1_000", 1016),
        ("`raw\\n`", "raw\\n"),
        ("{a: 1, 'b': [1, 2, 3]}.b[1:]", [2, 3]),
        ("1..4 | filter(# % 2 == 0)", [2, 4]),
        ("reduce(1..4, #acc + #, 10)", 20),
        ("map(['a', 'b'], # + string(#index))", ["a0", "b1"]),
        ("string(2 ** 3)", "8"),
        ("undefinedName", None),
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


SYNCED = {
    "metadata": {"name": "web"},
    "operation": {"sync": {}, "info": [{"name": "reason", "value": "hotfix"}]},
    "spec": {"source": {"repoURL": "git@github.com:argoproj/argo-cd.git"}},
    "status": {
        "operationState": {
            "phase": "Succeeded",
            "startedAt": "2026-01-01T10:00:00Z",
            "syncResult": {
                "resources": [
                    {
                        "kind": "Deployment",
                        "name": "web",
                        "status": "Synced",
                        "message": "deployment.apps/web configured",
                        "images": ["nginx:1.27"],
                    },
                    {
                        "kind": "ConfigMap",
                        "name": "web-settings",
                        "status": "Synced",
                        "message": "configmap/web-settings unchanged",
                    },
                ]
            },
        }
    },
}
RESOURCES = "app.status.operationState.syncResult.resources"


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (f"all({RESOURCES}, {{.status == 'Synced'}})", True),
        (f"any({RESOURCES}, #.kind == 'Deployment' && #.message endsWith 'configured')", True),
        (f"none({RESOURCES}, .status == 'OutOfSync')", True),
        (f"one({RESOURCES}, .kind == 'ConfigMap')", True),
        (f"count({RESOURCES}, not (.message contains 'unchanged'))", 1),
        (f"filter({RESOURCES}, .message not endsWith 'unchanged') | map(.name)", ["web"]),
        (f"'nginx:1.27' in flatten(map({RESOURCES}, .images ?? []))", True),
        (f"find({RESOURCES}, .kind == 'ConfigMap').name", "web-settings"),
        (f"findIndex({RESOURCES}, .kind == 'Secret')", -1),
        (f"sortBy({RESOURCES}, .name, 'desc') | map(.name) | join(',')", "web-settings,web"),
        (f"groupBy({RESOURCES}, .kind)['Deployment'][0].name", "web"),
        (f"let changed = filter({RESOURCES}, .message endsWith 'configured'); len(changed)", 1),
        (f"len({RESOURCES}) > 1 ? 'several' : 'one'", "several"),
        (f"{RESOURCES} | map(.kind) | uniq() | sort() | first()", "ConfigMap"),
        ("app.metadata.name | upper() | hasPrefix('WE')", True),
        ("split('a,b,c', ',') | last()", "c"),
        ("trimSuffix(lower('WEB.git'), '.git') + '!'", "web!"),
        ("keys({b: 1}) == ['b'] && values({b: 1})[0] == 1", True),
        ("fromJSON(toJSON({a: [1, 2]})).a[1]", 2),
        ("time.Parse(app.status.operationState.startedAt).Before(time.Now())", True),
        (
            "time.Now().Sub(time.Parse(app.status.operationState.startedAt)).Minutes() >= 5",
            True,
        ),
        ("time.Parse(app.status.operationState.startedAt).Format(time.RFC3339)", None),
        ("time.Parse('2026-01-01T10:00:00Z').Format('Jan _2 15:04 MST')", "Jan  1 10:00 UTC"),
        ("time.ParseDuration('90s') > time.Minute", True),
        ("date('2026-01-02', 'DateOnly' in time ? time.DateOnly : '').Day()", 2),
        ("duration('1h') == time.Hour * 1", True),
        (
            "date('2026-01-02 10:00', 'DateTime' in time ? '2006-01-02 15:04' : '', 'Europe/Paris')"
            ".UTC().Hour()",
            9,
        ),
        (
            "time.Parse('2026-01-02T10:00:00Z').In(timezone('Asia/Tokyo')).Format('15:04 -07:00')",
            "19:00 +09:00",
        ),
        ("strings.ReplaceAll(app.metadata.name, 'w', 'W')", "Web"),
        ("sync.GetInfoItem(app, 'reason')", "hotfix"),
        ("repo.RepoURLToHTTPS(app.spec.source.repoURL)", "https://github.com/argoproj/argo-cd.git"),
        ("repo.FullNameByRepoURL(app.spec.source.repoURL)", "argoproj/argo-cd"),
    ],
)
def test_closures_builtins_and_argo_cds_functions_work_over_a_sync_result(
    source: str, value: Any
) -> None:
    result = compile_expression(source).evaluate({"app": SYNCED})

    if value is None:  # a time formatted now: only its shape is known
        assert result == "2026-01-01T10:00:00Z"
    else:
        assert result == value


def test_a_function_lent_by_the_caller_is_callable_and_nothing_else_is() -> None:
    lent = Function("GetCommitMetadata", lambda sha: {"Author": f"dev of {sha}"})
    env = {"app": SYNCED, "repo": {"GetCommitMetadata": lent}, "evil": print}

    expression = compile_expression("repo.GetCommitMetadata('abc').Author")

    assert expression.evaluate(env) == "dev of abc"
    with pytest.raises(ExpressionError):
        compile_expression("evil('x')").evaluate(env)


@pytest.mark.parametrize(
    "source",
    [
        "reduce(1..300000, #acc + 1, 0)",
        "map(1..1000, map(1..1000, #))",
        "1..100000000",
        "repeat('x', 10000000)",
        "let a = repeat('x', 900000); a + a",
        "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' matches '(a+)+$'",
        "all(app.metadata, # == 1)",
        "sync.GetInfoItem(app, 'missing')",
    ],
)
def test_runaway_or_malformed_work_is_an_error_not_a_hang(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source).evaluate({"app": SYNCED})
