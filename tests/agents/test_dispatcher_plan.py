"""The deterministic side of the dispatcher: a service's own reader plans what it is sure of
(no model call), one step's result feeds the next, values the request states win over the
model's guesses, and a write is still only proposed."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from sqlalchemy import select

from banshi.agents.dispatcher import Dispatcher, said_values
from banshi.agents.tools import FromStep, Planned, Refused, Registry, Service, ToolContext, tool
from banshi.services.tables import PendingAction

BOOKED: list[dict] = []


@tool
def find_shop(kind: str = "", max_price: int | None = None) -> dict:
    """Find shops.

    Args:
        kind: what the shop sells
        max_price: highest price
    """
    shops = [{"name": "Kite Corner", "price": 20}, {"name": "Sky High", "price": 90}]
    return {"results": [s for s in shops if max_price is None or s["price"] <= max_price]}


@tool(confirm=True)
def reserve(ctx: ToolContext, shop: str, people: int) -> dict:
    """Reserve a visit.

    Args:
        shop: the shop's name
        people: how many people
    """
    BOOKED.append({"shop": shop, "people": people})
    return {"id": "r1", "shop": shop}


@tool(confirm=True)
def cancel_visit(
    ctx: ToolContext, visit_id: str, reason: Literal["no longer needed", "changed my mind"] = "no longer needed"
) -> dict:
    """Cancel a visit.

    Args:
        visit_id: the visit's id
        reason: 'no longer needed' or 'changed my mind'
    """
    if reason not in ("no longer needed", "changed my mind"):
        raise Refused("unknown reason")
    return {"id": visit_id, "status": "cancelled"}


def reader(text: str, history: list[str]) -> list[Planned]:
    """A toy reader: "kites under N" is a search; "and reserve for N" books the first shop found."""
    if "kites" not in text:
        return []
    plans = [Planned("find_shop", {"kind": "kites"} | ({"max_price": 50} if "under 50" in text else {}))]
    if "reserve" in text:
        said = text.split("for ")[-1].split()[0] if "for " in text else ""
        people = int(said) if said.isdigit() else None
        args = {"shop": FromStep(0, "results.0.name")} | ({"people": people} if people else {})
        plans.append(Planned("reserve", args, final=people is not None))
    return plans


def shops(plan=reader) -> Service:
    return Service(
        name="shops",
        title="Shops",
        description="kite shops",
        tools=[find_shop, reserve, cancel_visit],
        keywords=["kites", "shop", "visit"],
        tool_keywords={"cancel_visit": ["cancel"]},
        plan=plan,
    )


@pytest.fixture
def disp(settings, fake):
    BOOKED.clear()
    return Dispatcher(settings, fake, Registry([shops()]))


def call(tool_name: str, **arguments) -> str:
    return json.dumps({"step": "call", "tool": tool_name, "arguments": arguments})


def test_a_sure_plan_needs_no_model_and_feeds_the_write(disp, fake, db, users):
    out = disp.dispatch(db, users[0], "c1", [], "kites under 50, and reserve for 3 people")
    assert fake.calls == []  # the reader was sure: no model call to plan
    assert [s.tool for s in out.steps] == ["find_shop", "reserve"]
    assert out.steps[0].result.ok and out.steps[0].arguments == {"kind": "kites", "max_price": 50}
    card = out.steps[1].action
    assert card["status"] == "pending" and card["arguments"] == {"shop": "Kite Corner", "people": 3}
    assert BOOKED == []  # proposed, not done
    assert len(db.scalars(select(PendingAction)).all()) == 1
    assert "PENDING" in out.context and "Kite Corner" in out.context


def test_a_search_that_finds_nothing_books_nothing(disp, fake, db, users):
    def nothing(text, history):
        return [
            Planned("find_shop", {"max_price": 5}),
            Planned("reserve", {"shop": FromStep(0, "results.0.name"), "people": 2}),
        ]

    d = Dispatcher(disp.settings, fake, Registry([shops(nothing)]))
    out = d.dispatch(db, users[0], "c1", [], "kites under 5, reserve for 2")
    assert [s.tool for s in out.steps] == ["find_shop"] and out.steps[0].result.data["results"] == []
    assert db.scalars(select(PendingAction)).all() == [] and fake.calls == []


def test_what_the_reader_is_unsure_of_goes_to_the_model_with_its_values(disp, fake, db, users):
    # people missing: the reader hands "reserve" to the model, whose guess for shop loses
    fake.enqueue(call("reserve", shop="Sky High", people=2))
    out = disp.dispatch(db, users[0], "c1", [], "kites, and reserve for two of us")
    assert [s.tool for s in out.steps] == ["find_shop", "reserve"]
    assert out.steps[1].action["arguments"] == {"shop": "Kite Corner", "people": 2}
    prompt = fake.calls[0]["messages"][-1].content
    assert "Already known for reserve" in prompt and "Kite Corner" in prompt


def test_an_id_the_request_quotes_fills_and_picks_the_tool(disp, fake, db, users):
    vid = "0123456789abcdef0123456789abcdef"
    out = disp.dispatch(db, users[0], "c1", [], f"cancel my visit {vid}, I changed my mind")
    assert fake.calls == []
    assert out.steps[0].action["arguments"] == {"visit_id": vid, "reason": "changed my mind"}
    assert out.steps[0].action["status"] == "pending"


def test_said_values_are_only_the_unambiguous_ones(registry):
    t = cancel_visit
    assert said_values(t, "cancel 0123456789abcdef0123456789abcdef") == {"visit_id": "0123456789abcdef0123456789abcdef"}
    two = "cancel 0123456789abcdef0123456789abcdef and ffffffffffffffffffffffffffffffff"
    assert "visit_id" not in said_values(t, two)  # two ids: the model (or the user) decides
    assert said_values(t, "cancel it, no idea") == {}


def test_a_failing_reader_leaves_the_model_in_charge(settings, fake, db, users):
    def broken(text, history):
        raise RuntimeError("bug")

    d = Dispatcher(settings, fake, Registry([shops(broken)]))
    fake.enqueue(call("find_shop", kind="kites"), json.dumps({"step": "done"}))
    out = d.dispatch(db, users[0], None, [], "kites please")
    assert [s.tool for s in out.steps] == ["find_shop"] and len(fake.calls) == 2


@tool
def visit_status(ctx: ToolContext, visit_id: str) -> dict:
    """Where a visit stands.

    Args:
        visit_id: the visit's id
    """
    return {"id": visit_id, "status": "booked"}


def test_an_id_that_fills_status_and_cancel_goes_where_the_words_say(settings, fake, db, users):
    svc = Service(
        name="visits",
        title="Visits",
        description="visits",
        tools=[visit_status, cancel_visit],
        keywords=["visit"],
    )
    d = Dispatcher(settings, fake, Registry([svc]))
    vid = "0123456789abcdef0123456789abcdef"
    out = d.dispatch(db, users[0], "c1", [], f"how is my visit {vid}?")
    assert [s.tool for s in out.steps] == ["visit_status"] and out.steps[0].result.ok
    out = d.dispatch(db, users[0], "c1", [], f"cancel my visit {vid}")
    assert [s.tool for s in out.steps] == ["cancel_visit"] and out.steps[0].action["status"] == "pending"
    assert fake.calls == []


@tool
def search_places(
    near: str = "",
    dishes: str = "",
    max_price: int | None = None,
    min_rating: float | None = None,
    name: str = "",
    limit: int = 5,
) -> dict:
    """Search places.

    Args:
        near: a place name
        dishes: dish words that must all appear, space separated
        max_price: highest price per person
        min_rating: lowest rating
        name: part of the place's name
        limit: how many results
    """
    return {}


def test_optional_arguments_the_conversation_does_not_hold_are_dropped() -> None:
    """A small model fills every field it sees; the dispatcher keeps an optional value only when
    the conversation holds it (the same test as the backend's call checks): 一百 is 100, a
    dish list needs every dish said, an invented name, rating or limit goes."""
    from banshi.agents.dispatcher import ground

    model_args = {
        "near": "故宫",
        "dishes": "川菜 火锅",
        "max_price": 100,
        "min_rating": 0,
        "name": "全聚德",
        "limit": 20,
    }
    request = "找一家故宫附近人均一百以内的川菜馆"
    assert ground(search_places, model_args, request) == {"near": "故宫", "max_price": 100}
    assert ground(search_places, model_args, request + "，要有火锅") == {
        "near": "故宫",
        "dishes": "川菜 火锅",
        "max_price": 100,
    }
    # a value of the wrong type stays, for validation to send back to the model
    assert ground(search_places, {"max_price": "cheap"}, "something cheap") == {"max_price": "cheap"}
