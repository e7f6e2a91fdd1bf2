"""Travel and food delivery on the real Beijing data: constraints hold in the database,
writes are idempotent and per user, rules are enforced."""

from __future__ import annotations

from datetime import timedelta

import pytest

from banshi.services import food, travel


@pytest.fixture(autouse=True)
def _data(need):
    need("crosswoz_beijing", "restaurant_db.json")


def test_search_satisfies_every_constraint(registry, ctx):
    r = registry.run(
        "search_restaurants", {"near": "故宫", "max_price_per_person": 100, "dishes": "川菜", "limit": 20}, ctx()
    )
    assert r.ok and r.data["count"] > 0
    near = set(travel.find_place(ctx().settings, "故宫")[1]["周边餐馆"])
    for hit in r.data["results"]:
        assert hit["name"] in near and hit["price_per_person"] <= 100
        assert travel._serves(travel.find_place(ctx().settings, hit["name"], ("restaurant",))[1], "川菜")
    # a Sichuan restaurant by name first, then those with more Sichuan dishes; the rating within
    sureness = [
        (travel._serves(travel.find_place(ctx().settings, h["name"], ("restaurant",))[1], "川菜"), h["rating"] or 0)
        for h in r.data["results"]
    ]
    assert sureness == sorted(sureness, reverse=True) and sureness[0][0] == 100
    # one Sichuan dish (宫保鸡丁) on a Beijing menu does not make a Sichuan restaurant
    names = {h["name"] for h in r.data["results"]}
    assert "故宫餐厅" not in names and "渝信川菜(京泰店)" in names
    hotels = registry.run(
        "search_hotels", {"hotel_type": "高档型", "facilities": "健身房", "max_price": 800}, ctx()
    ).data["results"]
    assert hotels and all(h["hotel_type"] == "高档型" and h["price"] <= 800 for h in hotels)
    free = registry.run("search_attractions", {"max_ticket": 0, "limit": 3}, ctx()).data["results"]
    assert free and all(a["ticket"] == 0 for a in free)


def test_details_and_metro(registry, ctx):
    d = registry.run("place_details", {"name": "故宫"}, ctx()).data
    assert d["type"] == "attraction" and d["metro"] and d["nearby_restaurants"]
    # nearby places come with their own rating and price, as the data has them (not left to a guess)
    for near in d["nearby_hotels"]:
        found = registry.run("search_hotels", {"name": near["name"], "limit": 1}, ctx()).data["results"][0]
        assert near["rating"] == found["rating"] and near.get("price") == found["price"]
    route = registry.run("metro_route", {"origin": "故宫", "destination": "天坛"}, ctx())
    assert route.ok and route.data["board_at"].endswith("口") and route.data["alight_at"]
    said = registry.tools["metro_route"].say(route.data, True)
    assert route.data["board_at"] in said and route.data["alight_at"] in said
    same = registry.tools["metro_route"].say(route.data | {"advice": "walk, both are at the same station"}, False)
    assert "walk" in same and "board at" not in same
    assert registry.run("place_details", {"name": "不存在的地方xyz"}, ctx()).code == "not_found"


def test_booking_is_idempotent_and_per_user(registry, ctx):
    args = {"restaurant": "渝信川菜(京泰店)", "time": "2026-06-02 19:00", "people": 2}
    first = registry.run("book_restaurant", args, ctx("k1"))
    again = registry.run("book_restaurant", args, ctx("k1"))
    assert first.ok and again.ok and again.data["id"] == first.data["id"] and again.data.get("replayed")
    mine = registry.run("list_travel_bookings", {}, ctx()).data["bookings"]
    assert [b["id"] for b in mine] == [first.data["id"]]
    assert registry.run("list_travel_bookings", {}, ctx(user=1)).data["bookings"] == []
    stolen = registry.run("cancel_travel_booking", {"booking_id": first.data["id"]}, ctx("k2", user=1))
    assert not stolen.ok and stolen.code == "not_found"
    done = registry.run("cancel_travel_booking", {"booking_id": first.data["id"]}, ctx("k3"))
    assert done.ok and done.data["status"] == "cancelled"


def test_booking_rules(registry, ctx):
    closed = registry.run(
        "book_restaurant", {"restaurant": "渝信川菜(京泰店)", "time": "2026-06-02 04:00", "people": 2}, ctx("a")
    )
    assert not closed.ok and "closed" in closed.error
    past = registry.run("book_taxi", {"origin": "故宫", "destination": "天坛", "time": "2020-01-01 10:00"}, ctx("b"))
    assert not past.ok and "past" in past.error
    taxi = registry.run(
        "book_taxi", {"origin": "北京贵都大酒店", "destination": "故宫", "time": "2026-06-02 18:30"}, ctx("c")
    )
    assert taxi.ok and taxi.data["plate"].startswith("京") and taxi.data["car"]
    hotel = registry.run("book_hotel", {"hotel": "北京贵都大酒店", "check_in": "2026-06-03", "nights": 2}, ctx("d"))
    assert hotel.ok and hotel.data["check_out"] == "2026-06-05" and hotel.data["total"] == 2 * 1354


def test_menu_prices_are_deterministic():
    r = {"名称": "某店", "人均消费": 100, "推荐菜": ["甲", "乙"]}
    assert food.menu_for(r) == food.menu_for(dict(r))
    assert all(30 <= m["price"] <= 100 for m in food.menu_for(r))


def test_cart_order_status_cancel(registry, ctx, now):
    menu = registry.run("food_menu", {"restaurant": "护国寺小吃店（护国寺总店）"}, ctx()).data["menu"]
    a, b = menu[0], menu[1]
    registry.run("set_cart_item", {"restaurant": "护国寺小吃店（护国寺总店）", "dish": a["dish"], "quantity": 2}, ctx())
    cart = registry.run("set_cart_item", {"restaurant": "护国寺小吃店（护国寺总店）", "dish": b["dish"]}, ctx()).data
    assert cart["subtotal"] == 2 * a["price"] + b["price"] and cart["total"] == cart["subtotal"] + 5
    said = registry.tools["set_cart_item"].say(cart, True)
    assert f"{a['dish']} ¥{a['price']:g}×2" in said and f"合计 ¥{cart['total']:g}" in said
    assert (
        registry.run("set_cart_item", {"restaurant": "护国寺小吃店（护国寺总店）", "dish": "不存在的菜"}, ctx()).code
        == "not_found"
    )
    order = registry.run("place_food_order", {"address": "朝阳区建国路1号"}, ctx("o1"))
    assert order.ok and order.data["status"] == "accepted" and order.data["total"] == cart["total"]
    assert registry.run("view_cart", {}, ctx()).data["items"] == []
    retry = registry.run("place_food_order", {"address": "朝阳区建国路1号"}, ctx("o1"))
    assert retry.ok and retry.data["id"] == order.data["id"]  # the retry does not order twice
    assert registry.run("place_food_order", {"address": "x"}, ctx("o2")).code == "refused"  # empty cart
    later = ctx(now=now + timedelta(minutes=20))
    status = registry.run("food_order_status", {"order_id": order.data["id"]}, later).data
    assert status["status"] == "delivering"
    # the status tool says its result itself: the stored status and total, never another
    said = registry.tools["food_order_status"].say(status, True)
    assert "配送中（delivering）" in said and f"¥{cart['total']:g}" in said and order.data["id"] in said
    assert "status delivering" in registry.tools["food_order_status"].say(status, False)
    late = registry.run("cancel_food_order", {"order_id": order.data["id"]}, ctx("c1", now=now + timedelta(minutes=20)))
    assert not late.ok and "delivering" in late.error
    assert registry.run("food_order_status", {"order_id": order.data["id"]}, ctx(user=1)).code == "not_found"


def test_food_cancel_in_time(registry, ctx, now):
    registry.run("set_cart_item", {"restaurant": "护国寺小吃店（护国寺总店）", "dish": "豆汁"}, ctx())
    order = registry.run("place_food_order", {"address": "家"}, ctx("o1")).data
    c = registry.run("cancel_food_order", {"order_id": order["id"]}, ctx("c1", now=now + timedelta(minutes=2)))
    assert c.ok and c.data["status"] == "cancelled" and c.data["refund"] == order["total"]


def test_a_landmark_given_as_a_name_means_near_it(registry, ctx):
    r = registry.run("search_restaurants", {"name": "故宫", "max_price_per_person": 100}, ctx()).data
    assert r["count"] > 1 and "landmark" in r["note"]
    near = registry.run("search_restaurants", {"near": "故宫", "max_price_per_person": 100}, ctx()).data
    assert r["results"] == near["results"]
    assert "note" not in registry.run("search_restaurants", {"name": "故宫餐厅"}, ctx()).data


def test_menu_for_the_dishes_asked_about(registry, ctx):
    full = registry.run("food_menu", {"restaurant": "护国寺小吃店（护国寺总店）"}, ctx()).data["menu"]
    two = registry.run("food_menu", {"restaurant": "护国寺小吃店（护国寺总店）", "dishes": "豆汁、驴打滚"}, ctx()).data
    assert [m["dish"] for m in two["menu"]] == [m["dish"] for m in full if m["dish"] in ("豆汁", "驴打滚")]
    said = registry.tools["food_menu"].say(two, True)
    assert all(f"{m['dish']} ¥{m['price']:g}" in said for m in two["menu"])
    missing = registry.run("food_menu", {"restaurant": "护国寺小吃店（护国寺总店）", "dishes": "佛跳墙"}, ctx())
    assert missing.code == "not_found"
