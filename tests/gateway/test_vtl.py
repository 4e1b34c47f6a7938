"""The mapping-template (VTL) renderer: API Gateway behaviour, sandboxing and limits."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import airspeed.operators as airspeed_ops
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.vtl.engine import (
    Limits,
    RenderResult,
    TemplateError,
    TemplateInput,
    TemplateLimitError,
    render,
    render_with_overrides,
)

BODY = '{"a": {"b": {"c": 1}}, "items": [1, 2, 3], "s": "text", "m": {"foo": "bar"}, "n": null, "f": 1.5}'
CONTEXT: dict[str, Any] = {
    "requestId": "req-123",
    "stage": "prod",
    "httpMethod": "POST",
    "resourcePath": "/pets/{id}",
    "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8"},
    "authorizer": {"principalId": "user-1", "role": "admin"},
    "isCanaryRequest": False,
}
STAGE_VARIABLES = {"alias": "live", "table": "pets"}


def run(
    template: str,
    body: str = BODY,
    *,
    path: dict[str, str] | None = None,
    querystring: dict[str, str] | None = None,
    header: dict[str, str] | None = None,
    limits: Limits | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    inp = TemplateInput(body=body, path=path or {}, querystring=querystring or {}, header=header or {})
    return render(template, inp, CONTEXT, STAGE_VARIABLES, limits or Limits(), extra)


def run_overrides(template: str) -> RenderResult:
    return render_with_overrides(template, TemplateInput(body=BODY, path={}, querystring={}, header={}), CONTEXT, {})


# --- $input.body / $input.json / $input.path ------------------------------------------------------------------------


def test_input_body_is_the_raw_body() -> None:
    assert run("$input.body", body='{"x":  1}') == '{"x":  1}'


def test_input_body_is_empty_json_object_when_body_is_empty() -> None:
    assert run("$input.body", body="") == "{}"


def test_input_json_of_empty_body_is_empty_object() -> None:
    assert run("$input.json('$')", body="") == "{}"


def test_input_json_selects_an_object_as_compact_json() -> None:
    assert run("$input.json('$.a.b')") == '{"c":1}'


def test_input_json_selects_a_string_with_quotes() -> None:
    assert run("$input.json('$.s')") == '"text"'


def test_input_json_selects_a_list() -> None:
    assert run("$input.json('$.items')") == "[1,2,3]"


def test_input_json_dollar_is_the_whole_body_as_json() -> None:
    assert run("$input.json('$')", body='{"a": [1, {"b": "x"}]}') == '{"a":[1,{"b":"x"}]}'


def test_input_json_of_json_null_is_null() -> None:
    assert run("$input.json('$.n')") == "null"


def test_input_json_missing_path_renders_empty() -> None:
    assert run("[$input.json('$.nope.deeper')]") == "[]"


def test_input_path_map_prints_like_a_java_map() -> None:
    assert run("$input.path('$.m')") == "{foo=bar}"
    assert run("$input.path('$')", body='{"k1": "v1", "k2": 2}') == "{k1=v1, k2=2}"


def test_input_path_list_prints_as_json() -> None:
    assert run("$input.path('$.names')", body='{"names": ["a", "b"]}') == '["a","b"]'


def test_input_path_list_supports_size() -> None:
    assert run("$input.path('$.items').size()") == "3"


def test_input_path_list_supports_foreach() -> None:
    assert run("#foreach($i in $input.path('$.items'))$i;#end") == "1;2;3;"


def test_input_path_map_property_access() -> None:
    assert run("$input.path('$.a').b.c") == "1"


def test_input_path_missing_renders_empty() -> None:
    assert run("[$input.path('$.missing')]") == "[]"


def test_input_path_json_null_renders_empty() -> None:
    assert run("[$input.path('$.n')]") == "[]"


def test_input_path_number_and_boolean_print_like_java() -> None:
    assert run(
        "$input.path('$.f') $input.path('$.t') $input.path('$.big')", body='{"f": 1.5, "t": true, "big": 1e20}'
    ) == ("1.5 true 1.0E20")


def test_input_path_results_are_copies() -> None:
    template = "#set($m = $input.path('$.m'))#set($m.foo = 'changed')$input.json('$.m')"
    assert run(template) == '{"foo":"bar"}'


def test_input_path_without_leading_dollar() -> None:
    assert run("$input.path('a.b.c')") == "1"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$['s']", "text"),
        ("$['m']['foo']", "bar"),
        ("$.items[0]", "1"),
        ("$.items[-1]", "3"),
        ("$.items[5]", ""),
        ("$.items[0:2]", "[1,2]"),
        ("$.rows[*].id", '["r1","r2"]'),
        ("$..id", '["r1","r2"]'),
        ("$.rows[*].missing", "[]"),
    ],
)
def test_jsonpath_subset(path: str, expected: str) -> None:
    body = '{"s": "text", "m": {"foo": "bar"}, "items": [1, 2, 3], "rows": [{"id": "r1"}, {"id": "r2"}]}'
    assert run(f'$input.path("{path}")', body=body) == expected


def test_jsonpath_filter_expression_is_refused() -> None:
    with pytest.raises(TemplateError, match="not supported"):
        run("$input.path('$.items[?(@ > 1)]')")


def test_jsonpath_invalid_expression_is_refused() -> None:
    with pytest.raises(TemplateError, match="Invalid JSONPath"):
        run("$input.path('$.items[')")


def test_non_json_body_with_input_json_raises() -> None:
    with pytest.raises(TemplateError, match="Invalid JSON in the body"):
        run("$input.json('$')", body="name=value&x=1")


def test_non_json_body_with_input_path_raises() -> None:
    with pytest.raises(TemplateError, match="Invalid JSON in the body"):
        run("$input.path('$.a')", body="<xml/>")


def test_non_json_body_is_fine_when_only_input_body_is_used() -> None:
    assert run("[$input.body]", body="name=value") == "[name=value]"


# --- $input.params ----------------------------------------------------------------------------------------------------


def test_params_without_argument_is_a_map_of_maps() -> None:
    out = run("$input.params()", path={"id": "7"}, querystring={"q": "x"}, header={"Host": "h"})
    assert out == "{path={id=7}, querystring={q=x}, header={Host=h}}"


def test_params_looks_in_path_then_querystring_then_header() -> None:
    sources = {"path": {"x": "from-path"}, "querystring": {"x": "from-query"}, "header": {"x": "from-header"}}
    assert run("$input.params('x')", **sources) == "from-path"
    assert run("$input.params('x')", querystring=sources["querystring"], header=sources["header"]) == "from-query"
    assert run("$input.params('x')", header=sources["header"]) == "from-header"


def test_params_returns_empty_string_when_absent() -> None:
    assert run("[$input.params('absent')]") == "[]"
    assert run("#if($input.params('absent') == '')empty#end") == "empty"


def test_params_header_get() -> None:
    assert run("$input.params().header.get('Host')", header={"Host": "api.example.com"}) == "api.example.com"


def test_params_header_name_falls_back_to_case_insensitive() -> None:
    assert run("$input.params('content-type')", header={"Content-Type": "application/json"}) == "application/json"


def test_params_querystring_keyset_foreach() -> None:
    out = run("#foreach($k in $input.params().querystring.keySet())$k=$input.params($k);#end", querystring={"a": "1"})
    assert out == "a=1;"


# --- $util ------------------------------------------------------------------------------------------------------------


def test_util_escape_javascript() -> None:
    body = 'He said "hi" & it\'s\n\ta\\b/é'
    assert run("$util.escapeJavaScript($input.body)", body=body) == 'He said \\"hi\\" & it\\\'s\\n\\ta\\\\b\\/\\u00E9'


def test_util_escape_javascript_escapes_control_characters_and_astral_characters() -> None:
    assert run("$util.escapeJavaScript($input.body)", body="\x01\r\U0001f600") == "\\u0001\\r\\uD83D\\uDE00"


def test_util_parse_json_gives_an_object_usable_in_vtl() -> None:
    template = "#set($o = $util.parseJson($input.path('$.raw')))$o.a.b $o.list.size() $o.list"
    assert run(template, body='{"raw": "{\\"a\\": {\\"b\\": 5}, \\"list\\": [1, 2]}"}') == "5 2 [1,2]"


def test_util_parse_json_of_invalid_text_raises() -> None:
    with pytest.raises(TemplateError, match="parseJson"):
        run("$util.parseJson('{not json')")


def test_util_url_encode_matches_aws_example() -> None:
    assert run("$util.urlEncode($input.body)", body='{"some": "value"}') == "%7B%22some%22%3A+%22value%22%7D"


def test_util_url_encode_is_java_url_encoder() -> None:
    assert run("$util.urlEncode($input.body)", body="a*b~c é") == "a*b%7Ec+%C3%A9"


def test_util_url_decode() -> None:
    assert run("$util.urlDecode('%7B%22some%22%3A+%22value%22%7D')") == '{"some": "value"}'


def test_util_url_decode_of_malformed_escape_raises() -> None:
    with pytest.raises(TemplateError, match="URLDecoder"):
        run("$util.urlDecode('100%')")


def test_util_base64_encode_is_utf8() -> None:
    assert run("$util.base64Encode('héllo')") == "aMOpbGxv"


def test_util_base64_decode_is_utf8_text() -> None:
    assert run("$util.base64Decode('aMOpbGxv')") == "héllo"


def test_util_base64_decode_of_invalid_text_raises() -> None:
    with pytest.raises(TemplateError, match="base64"):
        run("$util.base64Decode('a')")


# --- $context, $stageVariables, undefined references --------------------------------------------------------------


def test_context_values() -> None:
    out = run("$context.requestId $context.stage $context.httpMethod $context.resourcePath")
    assert out == "req-123 prod POST /pets/{id}"


def test_context_nested_identity_and_authorizer() -> None:
    assert run("$context.identity.sourceIp $context.authorizer.role") == "203.0.113.7 admin"


def test_context_boolean_prints_like_java() -> None:
    assert run("$context.isCanaryRequest") == "false"


def test_stage_variables() -> None:
    assert run("$stageVariables.alias/${stageVariables.table}") == "live/pets"


def test_undefined_reference_renders_empty() -> None:
    assert run("[$nope][${nope}][$nope.deeper.still]") == "[][][]"


def test_undefined_context_and_stage_variable_render_empty() -> None:
    assert run("[$context.nope][$stageVariables.missing]") == "[][]"


def test_quiet_reference_renders_empty() -> None:
    assert run("[$!x][$!{x}]") == "[][]"


def test_extra_names_are_available() -> None:
    assert run("$integration.status", extra={"integration": {"status": 200}}) == "200"


def test_extra_cannot_replace_builtin_names() -> None:
    with pytest.raises(TemplateError):
        run("$input", extra={"input": "x"})


# --- responseOverride / requestOverride ----------------------------------------------------------------------------


def test_response_override_status_is_captured() -> None:
    result = run_overrides("#set($context.responseOverride.status = 400)body")
    assert (result.text, result.status_override) == ("body", 400)


def test_response_override_header_is_captured() -> None:
    result = run_overrides('#set($context.responseOverride.header.X-Custom = "v")')
    assert result.header_overrides == {"X-Custom": "v"}


def test_response_override_header_is_captured_when_context_has_an_empty_response_override() -> None:
    context = {**CONTEXT, "responseOverride": {}}
    template = '#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Teapot = "yes")'
    result = render_with_overrides(template, TemplateInput(body=""), context, {})
    assert (result.status_override, result.header_overrides) == (418, {"X-Teapot": "yes"})


def test_response_override_absent_gives_no_overrides() -> None:
    result = run_overrides("plain")
    assert (result.status_override, result.header_overrides, result.request_overrides) == (None, {}, {})


def test_response_override_status_as_numeric_string() -> None:
    assert run_overrides("#set($context.responseOverride.status = '404')").status_override == 404


def test_response_override_invalid_status_raises() -> None:
    with pytest.raises(TemplateError, match="responseOverride.status"):
        run_overrides("#set($context.responseOverride.status = 'teapot')")


def test_request_override_is_captured() -> None:
    result = run_overrides("#set($context.requestOverride.header.X-Trace = 'abc')")
    assert result.request_overrides == {"header": {"X-Trace": "abc"}}


# --- Directives -------------------------------------------------------------------------------------------------------


def test_foreach_stops_after_1000_iterations() -> None:
    assert run("#foreach($i in [1..1500])x#end") == "x" * 1000


def test_foreach_limit_is_configurable() -> None:
    assert run("#foreach($i in [1..10])$i#end", limits=Limits(max_foreach=3)) == "123"


def test_foreach_count_has_next_and_velocity_count() -> None:
    assert run("#foreach($i in ['a', 'b'])$foreach.count:$foreach.hasNext:$velocityCount;#end") == "1:true:1;2:false:2;"


def test_foreach_over_a_map_iterates_values() -> None:
    assert run("#foreach($v in $input.path('$'))$v;#end", body='{"a": 1, "b": 2}') == "1;2;"


def test_foreach_over_entry_set() -> None:
    assert run("#foreach($e in $input.path('$').entrySet())$e.key=$e.value;#end", body='{"a": 1}') == "a=1;"


def test_break_stops_the_loop() -> None:
    assert run("#foreach($i in [1..5])$i#if($i == 3)#break#end#end.") == "123."


def test_set_inside_foreach_is_visible_after_the_loop() -> None:
    assert run("#foreach($i in [1..3])#set($last = $i)#end$last") == "3"


def test_set_with_null_value_keeps_previous_value() -> None:
    assert run("#set($x = 'kept')#set($x = $nope)$x") == "kept"


def test_if_on_undefined_is_false() -> None:
    assert run("#if($nope)yes#{else}no#end") == "no"


def test_if_on_empty_string_is_true_as_in_velocity() -> None:
    assert run("#if('')yes#{else}no#end") == "yes"


def test_not_undefined_is_true() -> None:
    assert run("#if(!$nope)yes#end") == "yes"


def test_elseif_on_undefined_is_false() -> None:
    assert run("#if(false)a#elseif($nope)b#{else}c#end") == "c"


def test_equality_compares_numbers_and_strings_like_velocity() -> None:
    assert run("#if(1 == '1')a#end#if(2 > 1)b#end#if('b' > 'a')c#end") == "ab"


def test_integer_division_truncates_like_java() -> None:
    assert run("#set($a = 7 / 2)#set($b = -7 / 2)#set($c = -7 % 2)$a $b $c") == "3 -3 -1"


def test_string_concatenation_with_plus() -> None:
    assert run("#set($a = 'id-' + 42)$a") == "id-42"


def test_macro_definition_and_call() -> None:
    assert run("#macro(greet $name)Hello $name!#end#greet('Ann')") == "Hello Ann!"


def test_macro_recursion_is_bounded() -> None:
    with pytest.raises(TemplateError, match="Macro nesting"):
        run("#macro(loop)#loop()#end#loop()")


def test_state_does_not_leak_between_renders() -> None:
    template = "#if($seen)again#end#set($seen = true)first"
    assert run(template) == "first"
    assert run(template) == "first"


def test_stop_directive() -> None:
    assert run("a#stop b") == "a"


# --- Java methods -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#set($s = 'Hello')$s.length()", "5"),
        ("#set($s = 'Hello')$s.contains('ell')", "true"),
        ("#set($s = 'Hello')$s.toLowerCase()$s.toUpperCase()", "helloHELLO"),
        ("#set($s = 'Hello')$s.substring(1, 3)", "el"),
        ("#set($s = 'Hello')$s.isEmpty()", "false"),
        ("#set($s = 'a-b-c')$s.replaceAll('-', '+')", "a+b+c"),
        ("#set($s = 'John Smith')$s.replaceAll('(\\w+) (\\w+)', '$2, $1')", "Smith, John"),
        ("#set($s = 'a,b,,')$s.split(',')", "[a, b]"),
        ("#set($s = 'a,b,c')$s.split(',').size()", "3"),
        ("#set($s = '  x ')[$s.trim()]", "[x]"),
        ("#set($s = 'abc')$s.matches('[a-c]+')", "true"),
        ("#set($l = [1, 2, 3])$l.size() $l.get(1) $l.contains(2) $l.isEmpty()", "3 2 true false"),
        ("#set($m = {'k': 'v'})$m.get('k') $m.keySet() $m.containsKey('k') $m.size()", "v [k] true 1"),
        ("#set($m = {'k': 'v'})#set($old = $m.put('k2', 'v2'))$m", "{k=v, k2=v2}"),
        ("#set($l = [])#set($ok = $l.add('x'))$l $ok", "[x] true"),
    ],
)
def test_java_methods(template: str, expected: str) -> None:
    assert run(template) == expected


def test_java_method_exception_fails_the_template() -> None:
    with pytest.raises(TemplateError, match="StringIndexOutOfBoundsException"):
        run("#set($s = 'abc')$s.substring(5)")


def test_unknown_method_renders_empty() -> None:
    assert run("#set($s = 'abc')[$s.noSuchMethod()][$s.length(1, 2)]") == "[][]"


def test_regex_through_the_helper_process_gives_the_same_result() -> None:
    # '(a|b)+' is a quantified alternation: it runs in the killable helper process, with the same result
    assert run("#set($s = 'abbaXab')$s.replaceAll('(a|b)+', '_')", limits=Limits(max_seconds=5)) == "_X_"


def test_string_times_number_is_null_not_python_repetition() -> None:
    assert run("#set($x = 'ab' * 100000000)[$x]") == "[]"


# --- Errors -----------------------------------------------------------------------------------------------------------


def test_syntax_error_reports_line_and_column() -> None:
    with pytest.raises(TemplateError, match=r"syntax error: line 2, column 11"):
        run("{\n#set($a = )\n}")


def test_unclosed_directive_is_a_syntax_error() -> None:
    with pytest.raises(TemplateError, match="syntax error"):
        run("#if($a == 1)\nno end")


def test_malformed_directive_is_a_syntax_error() -> None:
    with pytest.raises(TemplateError, match="syntax error: line 2, column 1: malformed #if"):
        run("ok\n#if(")


def test_execution_error_reports_position() -> None:
    with pytest.raises(TemplateError, match=r"line 2, column 1"):
        run("ok\n$input.json('$')", body="not json")


def test_bad_arguments_raise_template_error() -> None:
    with pytest.raises(TemplateError):
        render(None, TemplateInput(body=""), {}, {})  # type: ignore[arg-type]
    with pytest.raises(TemplateError):
        render("$context", TemplateInput(body=""), "not a dict", {})  # type: ignore[arg-type]


# --- Sandbox ----------------------------------------------------------------------------------------------------------

UNDERSCORE_ESCAPES = [
    "$input.__class__",
    "${input.__class__}",
    "$util.__init__.__globals__",
    "$context.__class__.__mro__",
    "#set($s = '')$s.__class__",
    "#set($s = '')$s.__class__.__mro__[1].__subclasses__()",
    "$input.body.__len__()",
    "$util.escapeJavaScript.__globals__",
    "$input.json.__self__",
    "$foreach.__class__",
    "#set($l = [])$l.__add__([1])",
    "$_private",
    "#if($input.__dict__)x#end",
    "#set($x = $input.__class__)",
    '#set($x = "$input.__class__")',
    "#foreach($i in $util.__class__.__bases__)$i#end",
    "#macro(m $a)$a.__class__#end",
    "$input.path('$').__getitem__('a')",
]

SILENT_ESCAPES = [
    "$input.getClass()",
    "$input.getClass().forName('java.lang.Runtime')",
    "#set($s = 'x')$s.getClass().getName()",
    "#set($s = '{0.__class__.__mro__}')$s.format($input)",
    "$input.body.format($util)",
    "$input.body.upper()",
    "$input.body.encode()",
    "#set($d = {})$d.items()$d.pop('a')$d.setdefault('a', 1)",
    "$input.class",
    "$util.class.classLoader",
    "$input.raw$input.document$input.json_document()",
    "$context.get('__class__')",
    "$context['__class__']",
    "#set($x = $input.path('$'))$x.fromkeys([1])",
    "$input.params().header.getClass()",
    "#foreach($i in [1])$foreach.getClass()$foreach.index.real#end",
]


@pytest.mark.parametrize("template", UNDERSCORE_ESCAPES)
def test_sandbox_refuses_underscore_names(template: str) -> None:
    with pytest.raises(TemplateError, match="not allowed"):
        run(template)


@pytest.mark.parametrize("template", SILENT_ESCAPES)
def test_sandbox_python_and_java_reflection_render_nothing(template: str) -> None:
    assert run(template, body='{"a": 1}') == ""


@pytest.mark.parametrize("directive", ["#include", "#parse"])
def test_include_and_parse_do_not_read_files(directive: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    with pytest.raises(TemplateError, match="not supported"):
        run(f"{directive}('{secret}')")


def test_evaluate_is_refused() -> None:
    with pytest.raises(TemplateError, match="#evaluate is not supported"):
        run("#evaluate('$input.__class__')")


def test_every_node_of_the_parsed_tree_is_sandboxed(monkeypatch: pytest.MonkeyPatch) -> None:
    """If any node still used airspeed's own evaluation (getattr on Python objects), this would fail."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("airspeed's own evaluation was used")

    for cls, method in [
        (airspeed_ops.NameOrCall, "calculate"),
        (airspeed_ops.SubExpression, "calculate"),
        (airspeed_ops.InterpolatedStringLiteral, "calculate"),
        (airspeed_ops.Range, "calculate"),
        (airspeed_ops.UnaryOperatorValue, "calculate"),
        (airspeed_ops.Condition, "calculate"),
        (airspeed_ops.FormalReference, "evaluate_raw"),
        (airspeed_ops.Assignment, "evaluate_raw"),
        (airspeed_ops.ForeachDirective, "evaluate_raw"),
        (airspeed_ops.Block, "evaluate_raw"),
        (airspeed_ops.MacroCall, "evaluate_raw"),
    ]:
        monkeypatch.setattr(cls, method, forbidden)
    template = """#macro(show $v)<$v>#end
#set($m = {'k': [1..3], "q": "$input.path('$.a').b[0]"})
#foreach($i in $m.k)#if(!$i)x#elseif($i == 2 && $m.q)#show("$i")#{else}${i}#end#end
$input.params()[0]$m['k'][1].toString() $!{nope|'alt'} #set($l = [$m.k, ($m.k.size() + 1)])$l"""
    out = run(template, body='{"a": {"b": [7]}}')
    assert out == "1<2>32 alt [[1, 2, 3], 4]"


# --- Limits -----------------------------------------------------------------------------------------------------------


def test_nested_foreach_stops_at_the_time_budget() -> None:
    started = time.monotonic()
    with pytest.raises(TemplateLimitError, match="time limit"):
        run("#foreach($i in [1..1000])#foreach($j in [1..1000])#end#end", limits=Limits(max_seconds=0.3))
    assert time.monotonic() - started < 1.0


def test_catastrophic_regex_stops_at_the_time_budget() -> None:
    started = time.monotonic()
    with pytest.raises(TemplateLimitError, match="time limit"):
        run("$input.body.matches('(a+)+$')", body="a" * 40 + "!", limits=Limits(max_seconds=0.3))
    assert time.monotonic() - started < 2.0


def test_output_limit() -> None:
    with pytest.raises(TemplateLimitError, match="output exceeds"):
        run("#foreach($i in [1..1000])$input.body#end", body="y" * 2000, limits=Limits(max_output_bytes=100_000))


def test_output_limit_counts_utf8_bytes() -> None:
    assert run("$input.body", body="é" * 50, limits=Limits(max_output_bytes=100)) == "é" * 50
    with pytest.raises(TemplateLimitError):
        run("$input.body", body="é" * 51, limits=Limits(max_output_bytes=100))


def test_string_doubling_is_bounded() -> None:
    with pytest.raises(TemplateLimitError):
        run('#set($s = "x")#foreach($i in [1..64])#set($s = "$s$s")#end$s.length()')


def test_collection_doubling_is_bounded() -> None:
    with pytest.raises(TemplateLimitError):
        run("#set($l = [1])#foreach($i in [1..64])#set($ok = $l.addAll($l))#end$l.size()")


def test_integer_growth_is_bounded() -> None:
    with pytest.raises(TemplateLimitError, match="overflow"):
        run("#set($n = 3)#foreach($i in [1..64])#set($n = $n * $n)#end$n")


def test_huge_range_is_refused() -> None:
    with pytest.raises(TemplateLimitError, match="Range"):
        run("#foreach($i in [1..100000000])#end")


def test_template_size_limit() -> None:
    with pytest.raises(TemplateLimitError, match="larger than 65536 bytes"):
        run("x" * 65_537)


def test_template_size_limit_counts_utf8_bytes() -> None:
    with pytest.raises(TemplateLimitError):
        run("é" * 40_000)


def test_deeply_nested_template_fails_cleanly() -> None:
    with pytest.raises(TemplateError):
        run("#if(true)" * 3000 + "#end" * 3000)


def test_self_containing_list_fails_cleanly() -> None:
    with pytest.raises(TemplateError):
        run("#set($l = [])#set($ok = $l.add($l))$l")


def test_vtl_module_does_not_import_django() -> None:
    code = "import sys, gateway.vtl.engine; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0  # noqa: S603


# --- Properties -------------------------------------------------------------------------------------------------------

FAST = Limits(max_seconds=0.2, max_output_bytes=65_536)

FRAGMENTS = [
    "$input.body",
    "$input.json('$')",
    "$input.json('$.a')",
    "$input.path('$')",
    "$input.path('$.a[*]')",
    "$input.params()",
    "$input.params('a')",
    "$util.escapeJavaScript($input.body)",
    "$util.parseJson($input.body)",
    "$util.urlDecode($input.body)",
    "$util.base64Decode($input.body)",
    "$context.requestId",
    "$context.responseOverride.status",
    "#set($x = $input.path('$'))",
    "#set($x = $x + 1)",
    "#set($x = [1..3])",
    "#set($context.responseOverride.status = $x)",
    "$x.size()",
    "$x.get(0)",
    "$x.substring(1)",
    "$x.split(',')",
    "$x.replaceAll('a', '$1')",
    "#foreach($i in $x)",
    "#if($x)",
    "#elseif($x == 1)",
    "#else",
    "#end",
    "#break",
    "#stop",
    "#macro(m $a)",
    "#m($x)",
    "#define($d)",
    "$d",
    '"',
    "'",
    "(",
    ")",
    "$",
    "#",
    "${",
    "}",
    "[",
    "]",
    ".",
    "$!",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.text(max_size=300), body=st.text(max_size=200))
def test_render_returns_text_or_raises_template_error_for_any_text(template: str, body: str) -> None:
    try:
        result = run(template, body=body, limits=FAST)
    except TemplateError:
        return
    assert isinstance(result, str)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=14),
    body=st.one_of(
        st.sampled_from(["", "{}", '{"a": [1, "x", null]}', "[1,2]", '"s"', "a,b", "%zz", "aGk="]), st.text()
    ),
)
def test_render_with_overrides_returns_result_or_raises_template_error_for_vtl_like_text(
    parts: list[str], body: str
) -> None:
    try:
        result = render_with_overrides(
            "".join(parts), TemplateInput(body=body, path={}, querystring={"a": "q"}, header={}), CONTEXT, {}, FAST
        )
    except TemplateError:
        return
    assert isinstance(result, RenderResult)
    assert isinstance(result.text, str)
