"""The constrained tool-call layer of the local backend: the llguidance grammar it sends, the
described-call and unknown-call follow-ups (llama.cpp replaced by scripted pieces)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from banshi.config import Settings
from banshi.messages import Completion, Delta, Message
from banshi.models.local import LocalBackend
from banshi.models.toolcalls import TEXT, Grounding, call_grammar, described_call, strict_schema, text_grammar

CASE = {
    "type": "function",
    "function": {
        "name": "get_case_info",
        "description": "Case details",
        "parameters": {
            "type": "object",
            "properties": {
                "docket": {"type": "string", "description": "docket number"},
                "info_type": {"type": "string", "enum": ["victim", "accused"]},
                "filter": {"type": "object", "properties": {"year": {"type": "integer"}}},
            },
            "required": ["docket", "missing_one"],
        },
    },
}
BMI = {"name": "bmi", "parameters": {"type": "object", "properties": {"weight": {"type": "number"}}}}


def test_strict_schema_closes_objects_and_drops_prose() -> None:
    s = strict_schema(CASE["function"]["parameters"])
    assert s["additionalProperties"] is False and s["properties"]["filter"]["additionalProperties"] is False
    assert "description" not in s["properties"]["docket"]
    assert s["properties"]["info_type"]["enum"] == ["victim", "accused"]
    assert s["required"] == ["docket"]  # a required name that is not a property would make it unsatisfiable
    assert strict_schema({"type": "object"})["additionalProperties"] is True  # free-form stays free


def test_grammar_names_each_tool_with_its_own_arguments() -> None:
    g = call_grammar([CASE, BMI])
    assert g.startswith("%llguidance {}\nstart: calls | TEXT\n")
    named = next(line for line in g.splitlines() if line.startswith("named:"))
    assert '"\\"get_case_info\\"" args_tail_0' in named and '"\\"bmi\\"" args_tail_1' in named
    assert "OTHER_NAME any_tail" in named  # an unknown function may be named, then dropped by the parser
    args0 = next(line for line in g.splitlines() if line.startswith("args_0:"))
    assert '"enum":["victim","accused"]' in args0 and '"additionalProperties":false' in args0
    other = next(line for line in g.splitlines() if line.startswith("OTHER_NAME:"))
    assert '"get_case_info"' in other.split("~")[1] and '"bmi"' in other.split("~")[1]


def test_required_grammar_has_no_text_and_no_unknown_function() -> None:
    g = call_grammar([CASE, BMI], allow_text=False, only="bmi")
    assert "TEXT" not in g and "OTHER_NAME" not in g and "get_case_info" not in g
    assert g.splitlines()[1] == "start: calls"
    with pytest.raises(ValueError):
        call_grammar([CASE], only="nope")


@pytest.mark.parametrize(
    ("reply", "is_text"),
    [
        ("The capital is Paris.", True),
        ("```python\nprint(1)\n```", True),
        ("```js\nx()\n```", True),
        ('{"name": "bmi"}', False),
        ('[{"name": "bmi"}]', False),
        ("<tool_call>\n{}", False),
        ('```json\n{"name": "bmi"}', False),
        ('```json {"name": "bmi"}', False),
        ("```\n{}", False),
        (" leading blank", False),
    ],
)
def test_text_branch_cannot_start_like_a_call(reply: str, is_text: bool) -> None:
    assert bool(re.fullmatch(TEXT, reply)) is is_text
    assert f"TEXT: /{TEXT}/" in text_grammar()


def test_described_call() -> None:
    names = ["get_case_info", "history_api_get_president_by_year", "bmi"]
    said = "To get the victim information, you can use the `get_case_info` function with the following arguments:"
    assert described_call(said, names) == "get_case_info"
    assert described_call("you can use the History_API_get_president_by_year function", names) == (
        "history_api_get_president_by_year"
    )
    assert described_call("The get_case_info function does not cover this.", names) is None
    assert described_call("use the bmi_v2 tool", names) is None
    assert described_call("anything", []) is None


def test_request_with_tools_carries_the_grammar() -> None:
    b = LocalBackend(Settings())
    body, _ = b.build_request([Message("user", "x")], tools=[CASE, BMI])
    assert body["grammar"] == call_grammar([CASE, BMI])
    body, _ = b.build_request([Message("user", "x")], tools=[CASE], schema={"type": "object"})
    assert "grammar" not in body and body["response_format"]["type"] == "json_schema"
    body, _ = b.build_request([Message("user", "x")], tools=[CASE], tool_choice="none")
    assert "grammar" not in body
    b.tool_grammar = False
    body, _ = b.build_request([Message("user", "x")], tools=[CASE])
    assert "grammar" not in body


class Scripted(LocalBackend):
    """LocalBackend whose llama.cpp requests answer from ``replies(body)``."""

    def __init__(self, replies: Any):
        super().__init__(Settings())
        self.replies = replies
        self.bodies: list[dict[str, Any]] = []

    def _ensure(self) -> Any:
        return object()

    def _pieces(self, server: Any, body: dict[str, Any], cancel: Any, acc: Any) -> Any:
        self.bodies.append(body)
        for piece in re.findall(r"\s*\S+|\s+", self.replies(body)):
            acc.pieces += 1
            yield "text", piece


def run(b: LocalBackend, tools: list[dict[str, Any]]) -> tuple[str, Completion]:
    items = list(b.stream([Message("user", "the victim in case docket 12?")], tools=tools, max_tokens=50))
    return "".join(i.text for i in items if isinstance(i, Delta)), items[-1]


def test_a_described_call_is_made() -> None:
    def replies(body: dict[str, Any]) -> str:
        if "TEXT" in body["grammar"]:
            return "To find it, you can use the `get_case_info` function with docket 12 and more prose"
        return '<tool_call>\n{"name": "get_case_info", "arguments": {"docket": "12"}}\n</tool_call>'

    b = Scripted(replies)
    shown, done = run(b, [CASE, BMI])
    assert [(c.name, c.arguments) for c in done.tool_calls] == [("get_case_info", {"docket": "12"})]
    assert done.finish_reason == "tool_calls"
    assert "more prose" not in shown  # generation stopped at the tool's name
    forced = b.bodies[1]["grammar"]
    assert "TEXT" not in forced and "bmi" not in forced  # the second request may only call that tool


def test_only_unknown_calls_fall_back_to_plain_chat() -> None:
    def replies(body: dict[str, Any]) -> str:
        if body["grammar"].startswith("%llguidance {}\nstart: TEXT"):
            return "The area is 25 square meters."
        return '```json\n{"name": "triangle_area", "arguments": {"base": 10}}\n```'

    b = Scripted(replies)
    shown, done = run(b, [BMI])
    assert done.tool_calls == [] and done.text == "The area is 25 square meters." == shown
    assert "# Tools" not in str(b.bodies[1]["messages"])  # the fallback is plain chat, without the tools


def test_calls_and_answers_pass_through_with_one_request() -> None:
    two = (
        '<tool_call>\n{"name": "bmi", "arguments": {"weight": 70}}\n</tool_call>\n'
        '<tool_call>\n{"name": "bmi", "arguments": {"weight": 80}}\n</tool_call>'
    )
    b = Scripted(lambda body: two)
    shown, done = run(b, [BMI])
    assert [c.arguments["weight"] for c in done.tool_calls] == [70, 80] and shown == "" and len(b.bodies) == 1
    b = Scripted(lambda body: "Paris is the capital; the bmi tool is not needed.")
    shown, done = run(b, [BMI])
    assert done.tool_calls == [] and shown == done.text and len(b.bodies) == 1


def test_grounding_finds_values_said_in_the_conversation() -> None:
    g = Grounding(
        "Find the roots of 3x^2 - 11x - 4 = 0 and convert 200 US dollars; a 40% rise over "
        "two years, cash flows [200,300,400], capacitance 100µF, Microsoft in New York"
    )
    assert g.value(-11, {"type": "integer"}) and g.value(2, {}) and g.value(0.4, {}) and g.value(0.0001, {})
    assert g.value([200, 300, 400], {"type": "array", "items": {"type": "integer"}})
    assert g.value("USD", {}) and g.value("MSFT", {}) and g.value("new york city", {}) and g.value("NY", {})
    assert g.value("whatever", {"enum": ["whatever"]}) and g.value(True, {})
    assert not g.value(2020, {"type": "integer"}) and not g.value(17, {})
    assert not g.value("Los Angeles", {}) and not g.value("AAPL", {})
    assert not g.value({"year": 2020}, {"type": "object"})
    params = {
        "type": "object",
        "properties": {"country": {"type": "string"}, "year": {"type": "integer"}, "unit": {"type": "string"}},
        "required": ["country", "year"],
    }
    assert Grounding("What is the current Gini coefficient of the USA?").missing(
        {"country": "USA", "year": 2020, "unit": "points"}, params
    ) == ["year"]  # optional ones are not asked
    assert Grounding("GDP of the USA in 2020").missing({"country": "USA", "year": 2020}, params) == []


GDP = {
    "type": "function",
    "function": {
        "name": "fetch_gdp",
        "description": "Fetch the GDP of a country in a year.",
        "parameters": {
            "type": "object",
            "properties": {"country": {"type": "string"}, "year": {"type": "integer"}},
            "required": ["country", "year"],
        },
    },
}


def _gdp_replies(calls: str) -> Any:
    def replies(body: dict[str, Any]) -> str:
        if body["grammar"].startswith("%llguidance {}\nstart: TEXT"):
            return "About 0.39, by the latest estimates."
        return calls

    return replies


GDP_2020 = '[{"name": "fetch_gdp", "arguments": {"country": "USA", "year": 2020}}]'


def test_a_call_with_a_value_nobody_gave_is_dropped_and_plain_chat_answers() -> None:
    b = Scripted(_gdp_replies(GDP_2020))
    items = list(b.stream([Message("user", "What is the current Gini coefficient of the USA?")], tools=[GDP]))
    done = items[-1]
    assert (
        done.tool_calls == []
        and done.text == "About 0.39, by the latest estimates."
        and b.last_dropped == ["fetch_gdp"]
    )
    assert "".join(i.text for i in items if isinstance(i, Delta)) == done.text  # no call JSON shown
    assert "# Tools" not in str(b.bodies[1]["messages"])


def test_grounded_calls_are_kept_and_the_rule_can_be_switched_off() -> None:
    b = Scripted(_gdp_replies(GDP_2020))
    done = list(b.stream([Message("user", "What was the GDP of the USA in 2020?")], tools=[GDP]))[-1]
    assert len(done.tool_calls) == 1 and len(b.bodies) == 1 and b.last_dropped == []
    both = '[{"name": "fetch_gdp", "arguments": {"country": "USA", "year": 2020}}, ' + GDP_2020[1:]
    b = Scripted(_gdp_replies(both.replace("2020}}]", "2019}}]")))
    done = list(b.stream([Message("user", "GDP of the USA in 2020")], tools=[GDP]))[-1]
    assert [c.arguments["year"] for c in done.tool_calls] == [2020] and b.last_dropped == ["fetch_gdp"]
    b.check_calls = False
    done = list(b.stream([Message("user", "Gini of the USA?")], tools=[GDP]))[-1]
    assert len(done.tool_calls) == 2 and b.last_dropped == []
