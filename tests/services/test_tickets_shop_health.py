"""Tickets, shopping, health and weather: rules, inventory, isolation, safety."""

from __future__ import annotations

from datetime import timedelta

import httpx

from banshi.services import health, weather


def test_trains_inventory_change_and_refund_rules(registry, ctx, now):
    trains = registry.run("search_trains", {"origin": "北京", "destination": "上海", "date": "2026-06-20"}, ctx())
    t = trains.data["trains"][0]
    before = t["seats_left"]["商务座"]
    b = registry.run(
        "book_train",
        {
            "origin": "北京",
            "destination": "上海",
            "date": "2026-06-20",
            "train": t["train"],
            "seat_class": "商务座",
            "passengers": 2,
        },
        ctx("t1"),
    )
    assert b.ok and b.data["total"] == 2 * t["prices"]["商务座"]
    after = registry.run(
        "search_trains", {"origin": "北京", "destination": "上海", "date": "2026-06-20"}, ctx(user=1)
    ).data["trains"][0]["seats_left"]["商务座"]
    assert after == before - 2  # a shared seat inventory
    assert registry.run(
        "book_train",
        {
            "origin": "北京",
            "destination": "上海",
            "date": "2026-06-20",
            "train": t["train"],
            "seat_class": "商务座",
            "passengers": 5,
        },
        ctx("t2"),
    ).ok is (before - 2 >= 5)
    # ≥ 8 days before: free refund
    free = registry.run("cancel_ticket", {"order_id": b.data["id"]}, ctx("c1"))
    assert free.ok and free.data["refund"] == b.data["total"] and free.data["fee"] == 0
    # 30 hours before: 10 % fee; one change allowed
    c = registry.run(
        "book_train", {"origin": "北京", "destination": "上海", "date": "2026-06-20", "train": t["train"]}, ctx("t3")
    ).data
    second = trains.data["trains"][1]["train"]
    ch = registry.run("change_train", {"order_id": c["id"], "new_train": second}, ctx("ch1"))
    assert ch.ok and ch.data["train"] == second and ch.data["changed_from"] == c["id"]
    assert (
        registry.run("change_train", {"order_id": ch.data["id"], "new_train": t["train"]}, ctx("ch2")).code == "refused"
    )
    from datetime import datetime

    dep = datetime.fromisoformat(ch.data["departure"])
    from banshi.services.common import to_utc

    late = ctx("c2", now=to_utc(dep - timedelta(hours=30)))
    r = registry.run("cancel_ticket", {"order_id": ch.data["id"]}, late)
    assert r.ok and r.data["fee"] == round(ch.data["total"] * 0.10, 2)
    assert registry.run("cancel_ticket", {"order_id": ch.data["id"]}, ctx("c3", user=1)).code == "not_found"


def test_cinema_and_flights(registry, ctx, need):
    shows = registry.run("search_showtimes", {"date": "2026-06-02", "film": "熊猫"}, ctx()).data["showtimes"]
    s = shows[0]
    b = registry.run("book_cinema", {"showtime_id": s["showtime_id"], "date": "2026-06-02", "tickets": 2}, ctx("m1"))
    assert b.ok and len(b.data["seats"]) == 2 and b.data["total"] == 2 * s["price"]
    need("tau_airline", "flights.json")
    fl = registry.run("search_flights", {"origin": "MIA", "destination": "LAX", "date": "2026-06-02"}, ctx()).data
    assert fl["flights"], fl
    f = fl["flights"][0]
    book = registry.run("book_flight", {"flight": f["flight"], "date": "2026-06-02", "cabin": "economy"}, ctx("f1"))
    assert book.ok and book.data["total"] == f["prices"]["economy"]
    # economy without insurance: refundable only within 24 h of booking
    assert registry.run(
        "cancel_ticket", {"order_id": book.data["id"]}, ctx("f2", now=ctx().now + timedelta(days=2))
    ).code in ("refused",)
    assert registry.run("cancel_ticket", {"order_id": book.data["id"]}, ctx("f3")).ok
    # a city the sandbox airline does not fly to: no flights, and the airports it does fly between
    none = registry.run("search_flights", {"origin": "PEK", "destination": "LAX", "date": "2026-06-02"}, ctx()).data
    assert none["flights"] == [] and none["unknown"] == ["PEK"] and "LAX" in none["airports"]
    said = registry.tools["search_flights"].say(none, True)
    assert "不飞「PEK」" in said and "火车票" in said


def test_shop_policy(registry, ctx, need, now):
    need("tau_retail", "products.json")
    found = registry.run("search_products", {"query": "耳机"}, ctx()).data["products"]
    assert found and all("Earbuds" in p["name"] or "Headphones" in p["name"] for p in found)
    item = found[0]["variants"][0]
    o = registry.run("place_shop_order", {"item_ids": [item["item_id"]], "address": "1 Main St"}, ctx("s1"))
    assert o.ok and o.data["status"] == "pending" and o.data["total"] == item["price"]
    assert (
        registry.run("place_shop_order", {"item_ids": [item["item_id"]], "address": "1 Main St"}, ctx("s1")).data["id"]
        == o.data["id"]
    )
    assert (
        registry.run("return_shop_items", {"order_id": o.data["id"], "item_ids": [item["item_id"]]}, ctx("s2")).code
        == "refused"
    )  # not delivered yet
    assert registry.run("cancel_shop_order", {"order_id": o.data["id"]}, ctx("s3", user=1)).code == "not_found"
    c = registry.run("cancel_shop_order", {"order_id": o.data["id"], "reason": "ordered by mistake"}, ctx("s4"))
    assert c.ok and c.data["status"] == "cancelled" and c.data["refund"] == item["price"]
    o2 = registry.run("place_shop_order", {"item_ids": [item["item_id"]], "address": "1 Main St"}, ctx("s5")).data
    later = now + timedelta(days=4)
    assert registry.run("cancel_shop_order", {"order_id": o2["id"]}, ctx("s6", now=later)).code == "refused"
    other = next(v for v in found[0]["variants"] if v["item_id"] != item["item_id"])
    wrong = (
        registry.run("product_details", {"product_id": found[1]["product_id"]}, ctx()).data["variants"][0]
        if len(found) > 1
        else None
    )
    if wrong:
        assert (
            registry.run(
                "exchange_shop_items",
                {"order_id": o2["id"], "item_ids": [item["item_id"]], "new_item_ids": [wrong["item_id"]]},
                ctx("s7", now=later),
            ).code
            == "refused"
        )  # another product type
    ex = registry.run(
        "exchange_shop_items",
        {"order_id": o2["id"], "item_ids": [item["item_id"]], "new_item_ids": [other["item_id"]]},
        ctx("s8", now=later),
    )
    assert ex.ok and ex.data["status"] == "exchange requested"
    assert ex.data["price_difference"] == round(other["price"] - item["price"], 2)


def test_health_is_safe(registry, ctx):
    em = registry.run("symptom_info", {"symptoms": "突然胸口痛，喘不上气"}, ctx()).data
    assert em["emergency"] is True and "120" in em["advice"] and "not a diagnosis" in em["limits"]
    info = registry.run("symptom_info", {"symptoms": "I have a fever and a cough"}, ctx()).data
    assert info["emergency"] is False and {i["symptom"] for i in info["information"]} == {"fever", "cough"}
    assert "diagnos" in info["limits"]
    slots = registry.run("find_appointments", {"department": "dentistry", "date": "2026-06-03"}, ctx()).data["slots"]
    s = slots[0]
    b = registry.run("book_appointment", {k: s[k] for k in ("clinic", "department", "doctor", "time")}, ctx("h1"))
    assert b.ok
    again = registry.run("find_appointments", {"department": "口腔科", "date": "2026-06-03"}, ctx(user=1)).data["slots"]
    assert s not in again  # the slot is taken
    assert (
        registry.run(
            "book_appointment", {k: s[k] for k in ("clinic", "department", "doctor", "time")}, ctx("h2", user=1)
        ).code
        == "refused"
    )


def test_weather_sandbox_is_deterministic_and_http_provider_parses(registry, ctx, settings):
    a = registry.run("get_weather", {"city": "北京", "date": "2026-07-15", "days": 2}, ctx()).data
    assert a == registry.run("get_weather", {"city": "北京", "date": "2026-07-15", "days": 2}, ctx()).data
    # the same place however it is written
    english = registry.run("get_weather", {"city": "beijing", "date": "2026-07-15", "days": 2}, ctx()).data
    assert [f["high_c"] for f in english["forecast"]] == [f["high_c"] for f in a["forecast"]]
    assert a["forecast"][0]["high_c"] > 20 and a["forecast"][0]["provider"] == "sandbox"
    said = registry.tools["get_weather"].say(a, True).splitlines()
    assert len(said) == 2 and all(f"最高 {f['high_c']}°C" in line for f, line in zip(a["forecast"], said, strict=True))
    assert registry.run("get_weather", {"city": "Atlantis"}, ctx()).code == "not_found"

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["latitude"] == "39.9"
        return httpx.Response(
            200,
            json={
                "daily": {
                    "weather_code": [61],
                    "temperature_2m_max": [21.5],
                    "temperature_2m_min": [12.0],
                    "precipitation_probability_max": [80],
                }
            },
        )

    prov = weather.OpenMeteoWeather("https://forecast.example/v1/forecast", transport=httpx.MockTransport(handler))
    svc = weather.build(settings, provider=prov)
    out = svc.tools[0](ctx(), city="北京", date="2026-06-02")
    assert out["forecast"][0] | {} == {
        "city": "北京",
        "date": "2026-06-02",
        "condition": "小雨 light rain",
        "high_c": 21.5,
        "low_c": 12.0,
        "precipitation_chance": 80,
        "provider": "open-meteo",
    }
    assert not svc.sandbox

    broken = weather.OpenMeteoWeather("https://x", transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    from banshi.agents.tools import Registry

    r = Registry([weather.build(settings, provider=broken)]).run("get_weather", {"city": "上海"}, ctx())
    assert not r.ok and r.code == "provider_error"


def test_symptom_answers_are_the_safe_texts_word_for_word(registry, ctx):
    say = registry.tools["symptom_info"].say
    urgent = registry.run("symptom_info", {"symptoms": "胸痛，喘不上气"}, ctx()).data
    assert say(urgent, True).startswith(health.EMERGENCY) and health.LIMITS in say(urgent, False)
    fever = registry.run("symptom_info", {"symptoms": "I have a fever"}, ctx()).data
    text = say(fever, False)
    assert "See a doctor if above 39°C" in text and "call 120" in text and health.LIMITS in text
    assert "体温超过39°C" in say(fever, True)  # in Chinese too, as written (no model's paraphrase)


def test_searches_say_their_rows_as_found(registry, ctx):
    trains = registry.run("search_trains", {"origin": "北京", "destination": "上海", "date": "2026-06-20"}, ctx()).data
    said = registry.tools["search_trains"].say(trains, True).splitlines()
    first = trains["trains"][0]
    assert said[0].startswith(f"共 {len(trains['trains'])} 个结果") and len(said) == 1 + min(5, len(trains["trains"]))
    second_class = f"二等座 ¥{first['prices']['二等座']}（余 {first['seats_left']['二等座']}）"
    assert first["train"] in said[1] and second_class in said[1]
    slots = registry.run("find_appointments", {"department": "口腔科", "date": "2026-06-20"}, ctx()).data
    assert slots["slots"][0]["doctor"] in registry.tools["find_appointments"].say(slots, False)
    assert registry.tools["search_flights"].say({"flights": []}, False) == "Nothing found."


def test_appointments_with_no_day_said_are_the_soonest_free_ones(registry, ctx):
    """「我想挂个号」 says no day: the slots still to come today and tomorrow, earliest first."""
    from banshi.services.common import local_now

    c = ctx()
    slots = registry.run("find_appointments", {"department": "内科"}, c).data["slots"]
    now = local_now(c)
    days = {f"{now:%Y-%m-%d}", f"{now + timedelta(days=1):%Y-%m-%d}"}
    assert slots and all(s["time"] > f"{now:%Y-%m-%d %H:%M}" and s["time"][:10] in days for s in slots)
    assert [s["time"] for s in slots] == sorted(s["time"] for s in slots)


def test_a_film_not_on_is_answered_with_the_films_that_are(registry, ctx):
    data = registry.run("search_showtimes", {"film": "流浪地球", "date": "2026-06-03"}, ctx()).data
    assert data["showtimes"] == [] and data["films_showing"]
    said = registry.tools["search_showtimes"].say(data, True)
    assert "没有「流浪地球」的场次" in said and f"《{data['films_showing'][0][0]}》" in said
    assert data["films_showing"][0][1] in registry.tools["search_showtimes"].say(data, False)


def test_showtimes_that_have_begun_are_not_listed_and_tonight_is_the_evening(registry, ctx, now):
    from banshi.services import tickets

    today = registry.run("search_showtimes", {}, ctx()).data["showtimes"]
    assert today and all(s["start"] >= f"{now:%Y-%m-%d %H:%M}" for s in today)
    evening = registry.run("search_showtimes", {"date": "2026-06-03", "after": "18:00"}, ctx()).data["showtimes"]
    assert evening and all(s["start"] >= "2026-06-03 18:00" for s in evening)
    assert registry.run("search_showtimes", {"after": "tonight"}, ctx()).code == "invalid_input"
    assert [(p.tool, p.arguments) for p in tickets.read_request(ctx().settings, "今晚想看电影", [])] == [
        ("search_showtimes", {"date": "今晚", "after": "18:00"})
    ]


def test_a_film_whose_last_show_has_begun_is_offered_the_next_day(registry, ctx):
    """「今晚熊猫侦探」 at 21:30 had been answered 「没有「熊猫侦探」的场次…这天在映：…《熊猫侦探》」."""
    said = registry.tools["search_showtimes"].say
    data = registry.run("search_showtimes", {"film": "熊猫", "date": "2026-06-03", "after": "23:00"}, ctx()).data
    assert data["showtimes"] == [] and data["last_start"].startswith("2026-06-03")
    assert data["next_day"]["showtimes"] and all(s["start"] >= "2026-06-04" for s in data["next_day"]["showtimes"])
    zh = said(data, True)
    assert zh.startswith(f"2026-06-03《熊猫侦探》最晚一场 {data['last_start'][11:]} 开场") and "没有「" not in zh
    assert data["next_day"]["showtimes"][0]["showtime_id"] in zh
    assert said(data, False).startswith('The last show of "Panda Detective" on 2026-06-03')


def test_trains_between_cities_named_in_english(ctx):
    from banshi.services import tickets

    assert [
        (p.tool, p.arguments)
        for p in tickets.read_request(ctx().settings, "Trains from Beijing to Shanghai on Friday", [])
    ] == [("search_trains", {"origin": "北京", "destination": "上海", "date": "Friday"})]


def test_a_symptom_is_matched_as_said(registry, ctx):
    info = registry.run("symptom_info", {"symptoms": "I have a headache"}, ctx()).data["information"]
    assert [i["symptom"] for i in info] == ["headache"]  # not "stomach ache" too


def test_the_users_lists_are_said_from_the_data(registry, ctx):
    """The calendar, the to-dos and the reminders answer from their rows (the model had answered
    "What do I have to do today?" with "You have to do your homework.")."""
    events = registry.run("list_events", {"days": 1}, ctx()).data
    assert registry.tools["list_events"].say(events, True).endswith("日历上没有安排。")
    assert registry.tools["list_todos"].say({"todos": []}, False) == "No to-dos."
    todo = {"todos": [{"title": "交房租", "start": "2030-01-02 09:00"}]}
    assert registry.tools["list_todos"].say(todo, True) == "- 交房租（截止 2030-01-02 09:00）"
    reminder = {"reminders": [{"due": "2030-01-02 08:00", "text": "吃药", "repeat_minutes": 1440}]}
    assert registry.tools["list_reminders"].say(reminder, True) == "- 2030-01-02 08:00 吃药（每天）"


def test_symptom_information_is_said_in_chinese_as_written(registry, ctx):
    """The model had put "see a doctor if more than 10 days or with high fever" as 「建议你去医院」."""
    from banshi.services import health

    assert set(health.INFO_ZH) == {key.split(",")[0] for key in health.INFO}  # every entry has its Chinese
    data = registry.run("symptom_info", {"symptoms": "我感冒了，流鼻涕，需要去医院吗"}, ctx()).data
    said = registry.tools["symptom_info"].say(data, True)
    assert said.startswith("- 感冒：休息") and "超过10天或伴有高烧" in said and "120" in said
