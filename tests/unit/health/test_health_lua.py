"""Lua health scripts run sandboxed: no escape, no hang, no crash, and Argo CD's scripts work."""

from __future__ import annotations

import pytest

from gitward.health import Health, HealthStatus, LuaLimits
from gitward.health.scripts import run_health_script

KEY = "resource.customizations.health.example.com_Widget"
WIDGET = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w"},
    "status": {"conditions": [{"type": "Ready", "status": "True", "message": "all good"}]},
}


def run(source: str, obj=WIDGET, limits: LuaLimits | None = None) -> Health:
    return run_health_script(KEY, source, obj, limits)


def test_a_script_reads_the_object_and_returns_its_verdict():
    health = run("return {status = 'Healthy', message = obj.status.conditions[1].message}")

    assert health == Health(HealthStatus.HEALTHY, "all good")


def test_lua_5_1_idioms_of_argo_cd_scripts_work():
    source = (
        "return {status = 'Progressing', message = tostring(table.getn(obj.status.conditions))}"
    )

    assert run(source) == Health(HealthStatus.PROGRESSING, "1")


@pytest.mark.parametrize(
    ("source", "missing"),
    [
        ("os.execute('touch /tmp/gitward-pwned')", "global 'os'"),
        ("io.open('/etc/passwd')", "global 'io'"),
        ("require('os')", "global 'require'"),
        ("load('return 1')", "global 'load'"),
        ("loadstring('return 1')", "global 'loadstring'"),
        ("dofile('/etc/passwd')", "global 'dofile'"),
        ("debug.getinfo(1)", "global 'debug'"),
        ("collectgarbage()", "global 'collectgarbage'"),
        ("package.loaded.os.exit()", "global 'package'"),
        ("string.dump(print)", "field 'dump'"),
        ("getfenv(0)", "global 'getfenv'"),
        ("coroutine.wrap(print)", "global 'coroutine'"),
        ("python.builtins.open('/etc/passwd')", "global 'python'"),
    ],
)
def test_functions_that_reach_outside_are_not_in_the_environment(source, missing):
    health = run(source + "\nreturn {status = 'Healthy'}")

    assert health.status is HealthStatus.UNKNOWN
    assert missing in health.message


def test_the_string_metatable_does_not_lead_back_to_string_dump():
    assert run("return {status = type(getmetatable('').__index.dump)}").message == (
        f'Custom health check "{KEY}" returned an invalid health status "nil"'
    )


def test_an_endless_loop_is_stopped_and_is_unknown():
    health = run("while true do end", limits=LuaLimits(instructions=100_000))

    assert health == Health(
        HealthStatus.UNKNOWN,
        f'Custom health check "{KEY}" failed: exceeded its instruction budget (an endless loop?)',
    )


def test_pcall_cannot_swallow_the_instruction_budget():
    source = "while true do pcall(function() while true do end end) end"

    assert run(source, limits=LuaLimits(instructions=100_000)).status is HealthStatus.UNKNOWN


def test_runaway_memory_is_stopped_and_is_unknown():
    source = "local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('x', 1e6) .. i end"

    health = run(source, limits=LuaLimits(memory_bytes=16 * 1024 * 1024))

    assert health == Health(
        HealthStatus.UNKNOWN, f'Custom health check "{KEY}" ran out of memory (the limit is 16 MiB)'
    )


def test_a_catastrophic_pattern_is_refused_before_the_matcher_runs():
    source = "local s = string.rep('a', 3000) s:find('a*a*b') return {status = 'Healthy'}"

    assert run(source).message == (
        f'Custom health check "{KEY}" failed: exceeded its instruction budget '
        "(a string pattern too costly for its subject)"
    )


def test_ordinary_patterns_on_ordinary_messages_are_allowed():
    source = (
        "local head, rest = ('Ready: certificate is up to date'):match('^(.-)%s*:%s*(.-)$')\n"
        "return {status = 'Healthy', message = rest}"
    )

    assert run(source) == Health(HealthStatus.HEALTHY, "certificate is up to date")


def test_a_syntax_error_is_unknown_and_names_the_key():
    health = run("return {status = ")

    assert health.status is HealthStatus.UNKNOWN
    assert health.message.startswith(f'Custom health check "{KEY}" failed: {KEY}:1:')


def test_a_runtime_error_is_unknown_and_names_the_key_and_line():
    health = run("local x = nil\nreturn {status = x.status}")

    assert health.message == (
        f"Custom health check \"{KEY}\" failed: {KEY}:2: attempt to index local 'x' (a nil value)"
    )


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("return 42", "returned a number, not a table with status and message"),
        ("return nil", "returned a nil, not a table with status and message"),
        ("return {status = 'Great'}", 'returned an invalid health status "Great"'),
        ("return {message = 'no status'}", "returned no status"),
        ("return {status = 'Healthy', message = {}}", "returned a message that is not a string"),
        ("error({})", "failed: an error that is not a string"),
    ],
)
def test_junk_results_are_unknown(source, problem):
    assert run(source) == Health(HealthStatus.UNKNOWN, f'Custom health check "{KEY}" {problem}')


def test_precompiled_bytecode_is_refused():
    assert run("\x1bLuaQ").message == (
        f'Custom health check "{KEY}" failed: is precompiled bytecode; only Lua source is accepted'
    )


def test_one_script_cannot_leave_anything_behind_for_the_next():
    run("string.upper = nil; obj2 = 1; return {status = 'Healthy'}")

    health = run("return {status = 'Healthy', message = string.upper(tostring(obj2))}")

    assert health == Health(HealthStatus.HEALTHY, "NIL")


def test_numbers_too_large_for_lua_integers_arrive_as_floats():
    obj = {"kind": "Widget", "status": {"bytes": 2**70}}

    health = run("return {status = 'Healthy', message = tostring(obj.status.bytes > 1e21)}", obj)

    assert health == Health(HealthStatus.HEALTHY, "true")


@pytest.mark.parametrize(
    "call",
    [
        "for w in string.gmatch(string.rep('a', 5000), 'a-a-a-b') do end",
        "string.gsub(string.rep(' ', 3000), '%s*%s*x', '')",
        "string.find(string.rep('a', 4e6), string.rep('a', 2e6) .. 'b', 1, true)",
    ],
)
def test_every_costly_string_search_is_refused(call):
    health = run(call + "\nreturn {status = 'Healthy'}")

    assert health.message.endswith("(a string pattern too costly for its subject)")


@pytest.mark.parametrize(
    "source",
    [
        "local function f() return f() end return f()",
        "local function f() f() end f()",
        "table.sort({3, 2, 1}, function(a, b) while true do end end)",
        "string.gsub('abc', '.', function(c) while true do end end)",
        "tostring(setmetatable({}, {__tostring = function() while true do end end}))",
    ],
)
def test_loops_hidden_in_recursion_and_callbacks_are_stopped(source):
    assert run(source, limits=LuaLimits(instructions=200_000)).status is HealthStatus.UNKNOWN


GOTO_SCRIPT = """
local hs = {status = "Progressing", message = "Waiting for conditions"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type ~= "Ready" then
    goto continue
  end
  if condition.status == "True" then
    hs.status = "Healthy"
    hs.message = condition.message
    return hs
  end
  ::continue::
end
return hs
"""


def test_a_script_using_goto_and_labels_runs_as_on_gopher_lua():
    assert run(GOTO_SCRIPT) == Health(HealthStatus.HEALTHY, "all good")


def test_an_endless_goto_loop_is_stopped_by_the_instruction_budget():
    health = run("::top:: goto top", limits=LuaLimits(instructions=100_000))

    assert health.message.endswith("exceeded its instruction budget (an endless loop?)")


def test_a_hot_loop_cannot_escape_the_budget_through_a_compiler():
    source = "local n = 0 for i = 1, 1e12 do n = n + i % 7 end return {status = 'Healthy'}"

    assert run(source, limits=LuaLimits(instructions=1_000_000)).status is HealthStatus.UNKNOWN


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("table.getn({1, 2, 3})", "3"),
        ("table.maxn({1, 2, nil, 4})", "4"),
        ("select('#', unpack({1, 2, 3}))", "3"),
        ("math.mod(7, 3)", "1"),
        ("math.pow(2, 10)", "1024"),
        ("math.log10(1000)", "3"),
        ("10 / 2", "5"),
        ("_VERSION", "Lua 5.1"),
    ],
)
def test_the_lua_5_1_library_gopher_lua_offers_is_there(expression, expected):
    health = run(f"return {{status = 'Healthy', message = tostring({expression})}}")

    assert health == Health(HealthStatus.HEALTHY, expected)
