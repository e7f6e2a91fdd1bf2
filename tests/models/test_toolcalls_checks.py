"""Checks of a model's tool calls against the conversation (``banshi.models.toolcalls``): values
the tool's own description offers, a percentage said where a rate is a fraction, and a second
tool the request never asked for; then through the local backend (llama.cpp scripted)."""

from __future__ import annotations

from typing import Any

import pytest

from banshi.messages import Message, ToolCall
from banshi.models.toolcalls import Grounding, asked_calls, grounded_calls, percents_as_fractions

from .test_toolcalls_grammar import Scripted


def fn(name: str, properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    params = {"type": "object", "properties": properties, "required": required or list(properties)}
    return {"type": "function", "function": {"name": name, "description": name, "parameters": params}}


RECIPE = fn(
    "find_recipe",
    {
        "dietary_restrictions": {"type": "string"},
        "recipe_type": {"type": "string", "description": "Type of the recipe. E.g. dessert, main course, breakfast."},
        "time": {"type": "integer"},
    },
)


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments, id="call_1")


@pytest.mark.parametrize(
    ("recipe_type", "kept"),
    [("dessert", True), ("main course", True), ("Dessert", True), ("snack", False), ("course meal", False)],
)
def test_a_value_the_description_offers_is_chosen_not_invented(recipe_type: str, kept: bool) -> None:
    text = "Find me a vegan recipe for brownies which prep time is under 30 minutes."
    c = call("find_recipe", dietary_restrictions="vegan", recipe_type=recipe_type, time=30)
    assert (grounded_calls(text, [RECIPE], [c])[0] == [c]) is kept


def test_offered_values_in_a_list_and_units_said_alone() -> None:
    tags = {"type": "array", "items": {"type": "string"}, "description": "Tags, e.g. vegan, gluten free"}
    g = Grounding("something for dinner over the next week, this decade")
    assert g.value(["gluten free"], tags) and not g.value(["gluten free", "keto"], tags)
    # a name given as an example is what a model with nothing to give copies
    assert not g.value("San Francisco, CA", {"type": "string", "description": "The city, e.g. San Francisco, CA"})
    assert g.value(7, {"type": "integer"}) and g.value(168, {}) and g.value(10, {})  # a week, hours, a decade
    assert not g.value(9, {"type": "integer"})
    assert Grounding("$5000 at 3% for 5 years, compounded quarterly").value(4, {"type": "integer"})
    assert Grounding("convert 5 kilometers to miles").value("km", {}) and not Grounding("5 miles").value("km", {})


@pytest.mark.parametrize(
    ("value", "text", "held"),
    [
        # the language the conversation is written in
        ("english", "Analyze the sentiment of the review 'I love the food here!'", True),
        ("en", "What is the weather in Paris?", True),
        ("Chinese", "分析这条评论的情感：菜很好吃", True),
        ("english", "分析这条评论的情感：菜很好吃", False),
        ("french", "Analyze the sentiment of the review 'I love the food here!'", False),
        ("chinese", "What is the weather in Paris?", False),
        # a currency code by its name
        ("GBP", "convert 200 US dollars to British pounds", True),
        ("JPY", "from British pounds to Japanese yen", True),
        ("CNY", "100元 is how much in dollars", True),
        ("USD", "convert 10 dollars to euros", True),
        ("EUR", "convert 10 dollars to euros", True),
        ("GBP", "convert 10 dollars to euros", False),
        ("JPY", "convert 10 dollars to euros", False),
    ],
)
def test_values_known_by_their_names(value: str, text: str, held: bool) -> None:
    assert Grounding(text).value(value, {"type": "string"}) is held


RATE = fn(
    "mutual_fund",
    {"amount": {"type": "integer"}, "annual_yield": {"type": "number"}, "years": {"type": "number"}},
)
SHARES = fn(
    "fitness",
    {
        "contributions": {
            "type": "array",
            "items": {"type": "number"},
            "description": "percentage contributions of each trait, which must sum to 1",
        }
    },
)
LIGHT = fn("lighten", {"lightness": {"type": "number", "description": "the lightness level in percentage"}})


def test_a_percentage_becomes_the_fraction_a_rate_takes() -> None:
    text = "Balance of a fund: $50000 invested at a 5% annual yield after 3 years."
    out = percents_as_fractions(text, [RATE], [call("mutual_fund", amount=50000, annual_yield=5, years=3)])
    assert out[0].arguments == {"amount": 50000, "annual_yield": 0.05, "years": 3}
    shares = call("fitness", contributions=[40, 60])
    text = "trait A contributes 40% of the fitness and trait B 60%"
    assert percents_as_fractions(text, [SHARES], [shares])[0].arguments == {"contributions": [0.4, 0.6]}


@pytest.mark.parametrize(
    ("text", "tool", "c"),
    [
        # the description asks for a percentage
        ("make it 30% lighter", LIGHT, call("lighten", lightness=30)),
        # an integer cannot hold a fraction
        ("fund at 5% for 3 years", RATE, call("mutual_fund", amount=5, annual_yield=0.05, years=3)),
        # 5 is also said without a percent sign: "5 years at 5%" keeps years = 5
        ("5 years at 5%", RATE, call("mutual_fund", amount=100, annual_yield=0.05, years=5)),
        # already a fraction, or a number that is no percentage said
        ("a 5% yield", RATE, call("mutual_fund", amount=100, annual_yield=0.05, years=7)),
        # half of a list is not converted
        ("40% and 0.6", SHARES, call("fitness", contributions=[40, 0.6])),
    ],
)
def test_percentages_left_as_they_are(text: str, tool: dict[str, Any], c: ToolCall) -> None:
    assert percents_as_fractions(text, [tool], [c]) == [c]


ORIGIN = call("religion_get_origin", religion="Buddhism")
BELIEFS = call("religion_get_core_beliefs", religion="Buddhism")


@pytest.mark.parametrize(
    ("text", "calls", "kept"),
    [
        # one ask answered with a second tool on the same values: the unnamed one goes
        ("Who was the founder of Buddhism and where was it originated?", [ORIGIN, BELIEFS], [ORIGIN]),
        ("Who was the founder of Buddhism and where was it originated?", [BELIEFS, ORIGIN], [ORIGIN]),
        # the user names both
        ("Tell me the origin and the core beliefs of Buddhism", [ORIGIN, BELIEFS], [ORIGIN, BELIEFS]),
        # neither is named: nothing to go by, both stay
        ("Tell me about Buddhism", [ORIGIN, BELIEFS], [ORIGIN, BELIEFS]),
        # values of its own: a request of its own
        (
            "Where did Buddhism originate? And Hinduism?",
            [ORIGIN, call("religion_get_core_beliefs", religion="Hinduism")],
            [ORIGIN, call("religion_get_core_beliefs", religion="Hinduism")],
        ),
        # the same tool twice is a parallel request
        ("Origin of Buddhism", [ORIGIN, ORIGIN], [ORIGIN, ORIGIN]),
    ],
)
def test_a_second_tool_nobody_asked_for(text: str, calls: list[ToolCall], kept: list[ToolCall]) -> None:
    assert asked_calls(text, calls)[0] == kept


def test_the_local_backend_checks_its_calls() -> None:
    tools = [
        fn("religion_get_origin", {"religion": {"type": "string"}}),
        fn("religion_get_core_beliefs", {"religion": {"type": "string"}}),
        RATE,
    ]
    both = (
        '[{"name": "religion_get_origin", "arguments": {"religion": "Buddhism"}}, '
        '{"name": "religion_get_core_beliefs", "arguments": {"religion": "Buddhism"}}]'
    )
    b = Scripted(lambda body: both)
    done = list(b.stream([Message("user", "Where did Buddhism originate?")], tools=tools))[-1]
    assert [c.name for c in done.tool_calls] == ["religion_get_origin"]
    assert b.last_dropped == ["religion_get_core_beliefs"]
    fund = '[{"name": "mutual_fund", "arguments": {"amount": 50000, "annual_yield": 5, "years": 3}}]'
    b = Scripted(lambda body: fund)
    done = list(b.stream([Message("user", "$50000 at a 5% yield for 3 years?")], tools=tools))[-1]
    assert done.tool_calls[0].arguments["annual_yield"] == 0.05
    b.check_calls = False
    done = list(b.stream([Message("user", "$50000 at a 5% yield for 3 years?")], tools=tools))[-1]
    assert done.tool_calls[0].arguments["annual_yield"] == 5


def test_chinese_numbers_and_words_are_held_whole() -> None:
    """The same test serves the dispatcher's Chinese requests: numerals are read as numbers
    (二十五 is 25, not 2, 10 and 5), and a Chinese value must be said whole, not share a
    character with the request."""
    g = Grounding("找一家故宫附近人均二十五块以内的川菜馆，三万五千的预算，4万也行，两个人")
    assert g.value(25, {"type": "integer"}) and g.value(35000, {}) and g.value(40000, {}) and g.value(2, {})
    assert not g.value(8, {"type": "integer"}) and not g.value(11, {"type": "integer"})
    per_person = Grounding("人均二十五块以内")
    assert per_person.value(25, {}) and not any(per_person.value(n, {}) for n in (2, 5, 20))
    assert g.value("川菜", {"type": "string"}) and g.value("故宫", {"type": "string"})
    assert not g.value("北京菜", {"type": "string"}) and not g.value("四川火锅", {"type": "string"})
    assert Grounding("七八个人，一百零五元").value(8, {}) and Grounding("一百零五元").value(105, {})


def test_a_list_of_terms_in_one_string_is_held_term_by_term() -> None:
    """A string whose description makes it separate terms (each one a filter) is held only when
    every term is: one word said is not enough there, as it is for a name with qualifiers."""
    facilities = {"type": "string", "description": "facilities that must all be present, space separated"}
    g = Grounding("找一家有wifi和停车场的酒店 near Central Park")
    assert g.value("wifi 停车场", facilities) and g.value("停车场", facilities)
    assert not g.value("wifi 游泳池", facilities) and g.value("wifi 游泳池", {"type": "string"})
    assert g.value("Central Park, New York", {"type": "string"})
