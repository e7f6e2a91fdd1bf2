"""The travel service's deterministic reader: constraints from the database's own vocabulary,
the place a follow-up points at, find-then-book plans, and spoken times."""

from __future__ import annotations

from datetime import datetime

import pytest

from banshi.agents.tools import FromStep, Planned
from banshi.services import travel
from banshi.services.common import spoken_clock, spoken_time


@pytest.fixture
def read(settings, need):
    need("crosswoz_beijing", "hotel_db.json")
    return lambda text, history=(): [
        (p.tool, p.arguments, p.final) for p in travel.read_request(settings, text, list(history))
    ]


def test_a_search_takes_every_stated_constraint(read):
    assert read("我想找一家人均消费在100-150元的餐馆吃驴杂汤，评分4.5分以上") == [
        (
            "search_restaurants",
            {"min_price_per_person": 100, "max_price_per_person": 150, "dishes": "驴杂汤", "min_rating": 4.5},
            True,
        )
    ]
    [(tool, args, _)] = read("给我推荐一个门票20元以下、可以玩半小时-1小时的景点")
    assert tool == "search_attractions" and args == {"max_ticket": 20, "duration": "0.5小时 - 1小时"}
    [(tool, args, _)] = read("有没有300-400元的高档酒店，要有无烟房和国际长途")
    assert tool == "search_hotels"
    assert args["hotel_type"] == "高档型" and args["min_price"] == 300 and args["max_price"] == 400
    assert set(args["facilities"].split()) == {"无烟房", "国际长途电话"}


def test_prices_go_to_the_kind_they_are_said_for(read):
    [(tool, args, _)] = read("吃完饭想去景点游玩，请推荐一个票价是20元以下、评分4.5分以上的景点")
    assert tool == "search_attractions" and args == {"max_ticket": 20, "min_rating": 4.5}


def test_a_landmark_anchors_a_search_near_it(read):
    [(tool, args, _)] = read("找一家故宫附近人均100以内的川菜馆")
    assert tool == "search_restaurants" and args == {"near": "故宫", "max_price_per_person": 100, "dishes": "川菜"}
    # no constraint but the place: still a search near it (it had been the landmark's details)
    assert read("颐和园附近的酒店") == [("search_hotels", {"near": "颐和园"}, True)]
    assert read("Find me a hotel near the Summer Palace") == [("search_hotels", {"near": "颐和园"}, True)]
    assert read("颐和园周边有什么酒店？") == [("place_details", {"name": "颐和园"}, True)]  # about 颐和园


def test_a_landmark_named_in_english_is_the_databases_own(read):
    """The database names places in Chinese; a traveller asks in English."""
    [(tool, args, _)] = read("Find me a hotel near the Forbidden City under 500 yuan")
    assert tool == "search_hotels" and args == {"near": "故宫", "max_price": 500}
    [(tool, args, _)] = read("find a Sichuan restaurant near the Forbidden City under 100 yuan per person")
    assert tool == "search_restaurants" and args["near"] == "故宫" and args["dishes"] == "sichuan"
    assert read("How do I get from the Lama Temple to the Old Summer Palace by metro?") == [
        ("metro_route", {"origin": "雍和宫", "destination": "圆明园"}, True)
    ]


def test_a_follow_up_asks_about_the_place_the_conversation_is_about(read):
    history = ["帮我推荐一家酒店", "推荐你去北京贵都大酒店，评分4.7。"]
    assert read("这家酒店的电话是多少？", history) == [("place_details", {"name": "北京贵都大酒店"}, True)]
    # the kind asked after 周边 is not the place meant
    history = ["有什么好吃的？", "推荐您去护国寺小吃店（护国寺总店）。"]
    assert read("这个餐馆周边有哪些景点？", history) == [
        ("place_details", {"name": "护国寺小吃店（护国寺总店）"}, True)
    ]


def test_find_then_book_then_taxi(read):
    plans = read("找一家故宫附近人均100以内的川菜馆，订明晚7点两个人的位子，再叫一辆6点半从酒店出发的车")
    assert [p[0] for p in plans] == ["search_restaurants", "book_restaurant", "book_taxi"]
    assert plans[1][1] == {"restaurant": FromStep(0, "results.0.name"), "time": "明晚7点", "people": 2}
    assert plans[2][1] == {"origin": "酒店", "destination": FromStep(0, "results.0.name"), "time": "6点半"}


def test_a_chains_name_lists_its_branches_to_pick_from(read):
    """全聚德 names two branches (和平门店, 天安门店): a booking or a question lists them; it had
    booked whichever branch came first in the data."""
    branches = ("search_restaurants", {"name": "全聚德", "limit": 20}, True)
    assert read("帮我订明天晚上7点全聚德的位子，4个人") == [branches]
    assert read("东来顺的电话是多少") == [("search_restaurants", {"name": "东来顺", "limit": 20}, True)]
    # the branch picked from the list by what its name says
    listed = [
        "帮我订明晚7点全聚德的位子，4个人",
        "共 3 个结果：\n- 全聚德(天安门店)\n- 北京全聚德(王府井店)\n- 全聚德(和平门店)",
    ]
    assert read("订王府井那家", listed) == [
        ("book_restaurant", {"restaurant": "北京全聚德(王府井店)", "time": "明晚7点", "people": 4}, True)
    ]
    # a branch's name without its "(…店)" still finds it when it is the only one so named
    [(tool, args, _)] = read("帮我订姚记炒肝店明晚7点两个人的位子")
    assert tool == "book_restaurant" and args["restaurant"] == "姚记炒肝店（鼓楼店）"


def test_a_booking_without_its_time_is_left_to_the_model(read):
    [(tool, args, final)] = read("帮我订护国寺小吃店（护国寺总店）的位子，两个人")
    assert tool == "book_restaurant" and args == {"restaurant": "护国寺小吃店（护国寺总店）", "people": 2} and not final


def test_taxi_and_metro_ends(read):
    assert read("我要从天坛打出租车到故宫") == [("book_taxi", {"origin": "天坛", "destination": "故宫"}, True)]
    assert read("Book a taxi from 天坛 to 故宫 on 2030-01-02 at 09:15") == [
        ("book_taxi", {"origin": "天坛", "destination": "故宫", "time": "2030-01-02 09:15"}, True)
    ]
    assert read("从天坛怎么坐地铁去颐和园？") == [("metro_route", {"origin": "天坛", "destination": "颐和园"}, True)]


def test_a_listed_place_is_booked_by_its_place_in_the_list_or_its_name(read):
    """After a list, 「订第二家」 books the second, 「就订渝信川菜吧」 the one named; a count said
    after the time is no minute (「明晚7点4个人」 had been booked at 7:04, for the first place)."""
    listed = ["找一家故宫附近的川菜馆", "共 2 个结果：\n- 金渝川菜（评分 4.5）\n- 渝信川菜(京泰店)（评分 4.4）"]
    booking = ("book_restaurant", {"restaurant": "渝信川菜(京泰店)", "time": "明晚7点", "people": 4}, True)
    assert read("订第二家的位子，明晚7点4个人", listed) == [booking]
    assert read("订第二家，明晚7点4个人", listed) == [booking]
    assert read("就订渝信川菜吧，明晚7点4个人", listed) == [booking]
    assert read("book the second one for 4 people tomorrow at 7pm", listed) == [
        ("book_restaurant", {"restaurant": "渝信川菜(京泰店)", "time": "tomorrow 7pm", "people": 4}, True)
    ]
    assert read("第二家的地址在哪", listed) == [("place_details", {"name": "渝信川菜(京泰店)"}, True)]
    # what the user booked is a list of their bookings, not a search
    assert read("我订了哪些餐厅？") == read("What restaurants did I book?") == [("list_travel_bookings", {}, True)]
    assert read("我订的火车票") == []  # the tickets' own


def test_a_taxi_goes_where_it_is_said_to_even_off_the_map(read):
    """首都机场 is in no table: the taxi still goes there (both ends had been asked for)."""
    assert read("明天下午3点帮我叫辆车从酒店去首都机场") == [
        ("book_taxi", {"origin": "酒店", "destination": "首都机场", "time": "明天下午3点"}, True)
    ]
    assert read("Book a taxi from my hotel to the airport at 7am tomorrow") == [
        ("book_taxi", {"origin": "my hotel", "destination": "the airport", "time": "tomorrow 7am"}, True)
    ]


def test_plain_chat_is_not_read_as_an_errand(read):
    assert read("今天心情不错") == []


def test_spoken_times():
    now = datetime(2030, 1, 1, 15, 0)
    assert spoken_time("明晚7点", now) == datetime(2030, 1, 2, 19, 0)
    assert spoken_time("今天下午3点半", now) == datetime(2030, 1, 1, 15, 30)
    assert spoken_time("6点半", now) == datetime(2030, 1, 1, 18, 30)  # said in the afternoon: this evening
    assert spoken_time("早上8点", now) == datetime(2030, 1, 2, 8, 0)  # passed today: tomorrow
    assert spoken_time("tomorrow 7pm", now) == datetime(2030, 1, 2, 19, 0)
    assert spoken_time("人均100以内", now) is None
    assert spoken_clock("明晚7点4个人") == "明晚7点" and spoken_time("明晚7点4个人", now) == datetime(2030, 1, 2, 19, 0)
    assert spoken_clock("7点45分") == "7点45分" and spoken_clock("晚上7点半两个人") == "晚上7点半"


def test_food_orders_read_against_the_menu(settings, need):
    need("crosswoz_beijing", "restaurant_db.json")
    from banshi.services import food

    plans = food.read_request(settings, "从护国寺小吃店（护国寺总店）点两份驴打滚外卖，送到西城区护国寺大街1号", [])
    assert [(p.tool, p.arguments) for p in plans] == [
        ("set_cart_item", {"restaurant": "护国寺小吃店（护国寺总店）", "dish": "驴打滚", "quantity": 2}),
        ("place_food_order", {"address": "西城区护国寺大街1号"}),
    ]
    menu = food.read_request(settings, "护国寺小吃店（护国寺总店）的菜单上豆汁多少钱？", [])
    assert [(p.tool, p.arguments) for p in menu] == [
        ("food_menu", {"restaurant": "护国寺小吃店（护国寺总店）", "dishes": "豆汁"})
    ]
    assert food.read_request(settings, "点一份不存在的菜", []) == []


def test_tickets_find_then_book_the_first(settings):
    from banshi.services import tickets

    plans = tickets.read_request(
        settings, "Buy 2 first-class train tickets from 北京 to 南京 on 2030-01-03, any train", []
    )
    assert [p.tool for p in plans] == ["search_trains", "book_train"]
    assert plans[1].arguments == {
        "origin": "北京",
        "destination": "南京",
        "date": "2030-01-03",
        "train": FromStep(0, "trains.0.train"),
        "seat_class": "一等座",
        "passengers": 2,
    }
    shows = tickets.read_request(settings, "2030-01-01 熊猫侦探有哪些场次？", [])
    assert [(p.tool, p.arguments) for p in shows] == [("search_showtimes", {"film": "熊猫侦探", "date": "2030-01-01"})]
    rules = tickets.read_request(settings, "火车票退票手续费怎么算？", [])
    assert [(p.tool, p.arguments) for p in rules] == [("ticket_rules", {"kind": "train"})]
    assert [p.arguments for p in tickets.read_request(settings, "What are the refund rules?", [])] == [{}]
    assert tickets.read_request(settings, "外卖配送费怎么算？", []) == []  # a fee, but not a ticket's


def test_ticket_rules_are_said_in_the_users_language(registry, ctx):
    from banshi.services import tickets

    train = registry.run("ticket_rules", {"kind": "train"}, ctx()).data
    assert list(train) == ["train"]
    zh = tickets.say_rules(train, True)
    assert "火车票" in zh and "5%" in zh and "20%" in zh and "免费改签" in zh
    assert "Flight" in tickets.say_rules(registry.run("ticket_rules", {}, ctx()).data, False)


def test_weather_and_appointments_read_without_the_model():
    from banshi.services import health, weather

    assert [(p.tool, p.arguments) for p in weather.read_request("2030-01-02北京天气怎么样？", [])] == [
        ("get_weather", {"city": "北京", "date": "2030-01-02"})
    ]
    assert weather.read_request("北京和上海哪个冷？天气", []) == []  # two cities: not sure
    plans = health.read_request("帮我挂2030-01-02的口腔科，随便哪个时间", [])
    assert [p.tool for p in plans] == ["find_appointments", "book_appointment"]
    assert plans[1].arguments["time"] == FromStep(0, "slots.0.time")
    assert health.read_request("book an appointment tomorrow, any time", []) == []  # no department said
    # symptoms the service's tables know: their safe information, found without the model
    assert [(p.tool, p.arguments) for p in health.read_request("我突然胸口很痛，喘不上气", [])] == [
        ("symptom_info", {"symptoms": "我突然胸口很痛，喘不上气"})
    ]
    # an appointment asked for with a symptom: the department that sees it, the soonest slots
    assert [(p.tool, p.arguments) for p in health.read_request("I have a fever, can you book an appointment?", [])] == [
        ("find_appointments", {"department": "内科"})
    ]
    assert [(p.tool, p.arguments) for p in health.read_request("我想挂个号，最近老是头疼", [])] == [
        ("find_appointments", {"department": "内科"})
    ]
    # a warning sign comes first, appointment or not
    assert [p.tool for p in health.read_request("胸痛得厉害，帮我挂个号", [])] == ["symptom_info"]
    assert health.read_request("my back is sore", []) == []  # wording the tables lack: the model decides


def test_office_writes_spelled_out():
    from banshi.services import office

    def read(text):
        return [(p.tool, p.arguments) for p in office.read_request(text, [])]

    assert read("2030-01-02 15:00 提醒我给妈妈打电话") == [
        ("add_reminder", {"text": "给妈妈打电话", "at": "2030-01-02 15:00"})
    ]
    assert read("Remind me to call the dentist on 2030-01-02 at 09:30") == [
        ("add_reminder", {"text": "call the dentist", "at": "2030-01-02 09:30"})
    ]
    # the text is the thing itself, as said: a clock time in English is not part of it
    assert read("Remind me to call mom at 7pm tomorrow") == [
        ("add_reminder", {"text": "call mom", "at": "tomorrow 7pm"})
    ]
    assert read("remind me to water the plants at 7:30 p.m. tonight")[0][1]["text"] == "water the plants"
    assert read("每天早上8点提醒我吃降压药") == [
        ("add_reminder", {"text": "吃降压药", "at": "早上8点", "repeat_minutes": 1440})
    ]
    assert read("Add 'buy milk' to my to-do list") == [("add_todo", {"title": "buy milk"})]
    assert read("明天提醒我开会") == []  # no time of day: the model asks
    # a calendar entry with its time said in words, a note said 记一下, the user's day
    assert read("帮我在日历上加一个下周一上午10点的组会") == [
        ("add_event", {"title": "组会", "start": "下周一 上午10点"})
    ]
    assert read("记一下：车停在B2层A区") == [("add_note", {"title": "车停在B2层A区", "body": "车停在B2层A区"})]
    assert read("What do I have to do today?") == [
        ("list_events", {"days": 1, "start_date": "today"}),
        ("list_todos", {}),
    ]


def test_shop_reads_the_product_and_the_cheapest_order(settings, need):
    need("tau_retail", "products.json")
    from banshi.services import shopping

    [search] = shopping.read_request(settings, "有没有300美元以下的无线耳机？", [])
    assert (search.tool, search.arguments) == ("search_products", {"query": "Wireless Earbuds", "max_price": 300.0})
    plans = shopping.read_request(settings, "买一个最便宜的Wireless Earbuds，寄到 1 Main St, Springfield", [])
    assert plans[1].tool == "place_shop_order"
    assert plans[1].arguments == {
        "item_ids": [FromStep(0, "products.0.variants.0.item_id")],
        "address": "1 Main St, Springfield",
    }
    assert shopping.read_request(settings, "买点东西", []) == []


def test_calendar_events_spelled_out():
    from banshi.services import office

    [p] = office.read_request("把2030-01-02 10:00到11:00的项目评审会加到日历", [])
    assert (p.tool, p.arguments) == (
        "add_event",
        {"title": "项目评审会", "start": "2030-01-02 10:00", "end": "2030-01-02 11:00"},
    )
    [p] = office.read_request("Add a meeting with Alice on 2030-01-02 at 14:00 to my calendar", [])
    assert p.arguments == {"title": "meeting with Alice", "start": "2030-01-02 14:00"}
    assert office.read_request("把这件事加到日历", []) == []  # no day, no time: the model asks


def test_an_email_draft_needs_its_subject_and_body_said():
    from banshi.services import office

    [p] = office.read_request("帮我起草一封给王老师的邮件，主题是请假，内容说明天生病不能上课", [])
    assert (p.tool, p.arguments) == ("draft_email", {"to": "王老师", "subject": "请假", "body": "明天生病不能上课"})
    assert office.read_request("帮我写一封给王老师的邮件", []) == []  # what to say: the model asks


def test_days_said_by_their_weekday(settings):
    """下周三 / 周五 / next Friday: the day meant (they had all been today)."""
    from datetime import date

    from banshi.days import spoken_day

    monday = date(2026, 11, 30)
    assert spoken_day("下周三下午3点", monday) == date(2026, 12, 9)  # the Wednesday of next week
    assert spoken_day("周五晚上8点", monday) == spoken_day("这周五", monday) == date(2026, 12, 4)
    assert spoken_day("星期天", monday) == spoken_day("礼拜日", monday) == date(2026, 12, 6)
    assert spoken_day("周一", monday) == monday and spoken_day("下下周一", monday) == date(2026, 12, 14)
    assert spoken_day("next Monday", monday) == date(2026, 12, 7)
    assert spoken_day("on friday", monday) == date(2026, 12, 4)
    assert spoken_day("大后天", monday) == date(2026, 12, 3) and spoken_day("人均100以内", monday) is None
    assert spoken_time("周五晚上8点", datetime(2026, 11, 30, 21, 0)) == datetime(2026, 12, 4, 20, 0)
    from banshi.services import office, weather

    assert office.read_request("提醒我周五晚上8点交作业", []) == [
        Planned("add_reminder", {"text": "交作业", "at": "周五 晚上8点"})
    ]
    assert office.read_request("Remind me to pay rent next Friday at 9am", []) == [
        Planned("add_reminder", {"text": "pay rent", "at": "next Friday 9am"})
    ]
    assert spoken_day("周末", monday) == spoken_day("this weekend", monday) == date(2026, 12, 5)
    assert weather.read_request("What's the weather in Beijing this weekend?", []) == [
        Planned("get_weather", {"city": "beijing", "date": "this weekend", "days": 2})
    ]
    assert weather.read_request("下周三上海会下雪吗", []) == [
        Planned("get_weather", {"city": "上海", "date": "下周三"})
    ]


def test_a_forecast_with_no_city_said_is_for_the_one_last_named():
    """「明天天气怎么样？」 after the user said they live in 杭州 (in this conversation, or in
    memory, read as said before it): 杭州's; with no city anywhere it is asked for."""
    from banshi.services import weather

    assert weather.read_request("明天天气怎么样？", ["我叫李明，住在杭州", "好的，记住了"]) == [
        Planned("get_weather", {"city": "杭州", "date": "明天"})
    ]
    assert weather.read_request("明天会下雨吗", []) == [Planned("get_weather", {"date": "明天"})]
    assert weather.read_request("the weather report on TV was funny today", []) == []
    forecast = ["明天杭州天气怎么样？", "杭州 2026-12-01：晴 sunny，最高 12°C"]
    weekend = Planned("get_weather", {"city": "杭州", "date": "周末", "days": 2})
    assert weather.read_request("周末呢？", forecast) == [weekend]
    assert weather.read_request("what about Shanghai?", forecast) == [Planned("get_weather", {"city": "shanghai"})]
    # where the user goes next Friday is not where they are today (today's forecast had been 北京's)
    trip = ["我住在杭州西湖区文三路88号。", "我下周五要去北京出差。"]
    assert weather.read_request("今天天气怎么样？", trip) == [Planned("get_weather", {"city": "杭州", "date": "今天"})]
    assert weather.read_request("下周五天气怎么样？", trip) == [
        Planned("get_weather", {"city": "北京", "date": "下周五"})]
    assert weather.read_request("明天天气怎么样？", ["我今天在上海出差"]) == [
        Planned("get_weather", {"city": "上海", "date": "明天"})]


def test_a_dish_to_deliver_with_no_restaurant_named_finds_who_delivers_it(settings, need):
    need("crosswoz_beijing", "restaurant_db.json")
    from banshi.services import food

    assert food.read_request(settings, "我想点个外卖，来份饺子", []) == [Planned("search_delivery", {"dish": "饺子"})]
    assert food.read_request(settings, "今天心情不错", []) == []


def test_a_dish_ordered_by_its_name_alone_finds_who_delivers_it(settings, need):
    """「帮我订一个草莓蛋糕」 names no delivery word and no restaurant: it had reached the model,
    which ordered nothing. A table booked is still travel's."""
    need("crosswoz_beijing", "restaurant_db.json")
    from banshi.agents.dispatcher import Dispatcher
    from banshi.agents.registry import get_registry
    from banshi.models.fake import EchoBackend
    from banshi.services import food

    d = Dispatcher(settings, EchoBackend(), get_registry(settings))
    for text in ("帮我订一个提拉米苏蛋糕", "帮我给朵朵订一个生日蛋糕，你还记得她喜欢什么口味吗？"):
        assert d.candidates(text) == (["food"], ["search_delivery"])
        assert [p.tool for p in food.read_request(settings, text, [])] == ["search_delivery"]
    assert d.candidates("帮我订一家烤鸭店")[0] == ["travel"]
    for text in ("我昨天吃了生日蛋糕", "明晚订一桌，吃烤鸭，4个人", "来一首小苹果", "可乐鸡翅怎么做呀晚点告诉我"):
        assert not food.recognizes(settings, text)


def test_who_delivers_a_dish_says_its_price_on_their_menu(registry, ctx, need):
    """「帮我订一个提拉米苏蛋糕」 had listed the restaurants with three other dishes and no price."""
    need("crosswoz_beijing", "restaurant_db.json")
    from banshi.services import food

    found = registry.run("search_delivery", {"dish": "饺子"}, ctx()).data
    said = registry.tools["search_delivery"].say(found, True)
    first = found["results"][0]
    price = next(m["price"] for m in food.menu_for(food._restaurant(ctx().settings, first["name"]))
                 if m["dish"] == first["delivered"][0]["dish"])
    assert "饺子" in first["delivered"][0]["dish"]
    assert f"外卖价格：{first['name']} {first['delivered'][0]['dish']} ¥{price:g}" in said


def test_cheap_asks_for_the_cheapest_first(read, registry, ctx):
    assert read("Find me a cheap hotel near the Temple of Heaven") == [
        ("search_hotels", {"cheapest_first": True, "near": "天坛"}, True)
    ]
    found = registry.run("search_hotels", {"near": "天坛", "cheapest_first": True}, ctx()).data["results"]
    assert [h["price"] for h in found] == sorted(h["price"] for h in found)


def test_an_order_said_without_the_word_takeout_or_the_menus_exact_dish(settings, need):
    """「帮我从护国寺小吃店点两份豆汁，送到…」 had not reached the delivery service at all (no 外卖 said),
    and 豆汁 is 豆汁儿焦圈儿 on that menu."""
    need("crosswoz_beijing", "restaurant_db.json")
    from banshi.agents.dispatcher import Dispatcher
    from banshi.agents.registry import get_registry
    from banshi.models.fake import EchoBackend
    from banshi.services import food

    text = "帮我从护国寺小吃店点两份豆汁，送到西城区护国寺大街1号"
    assert Dispatcher(settings, EchoBackend(), get_registry(settings)).candidates(text)[0] == ["food"]
    assert food.read_request(settings, text, []) == [
        Planned("set_cart_item", {"restaurant": "护国寺小吃店", "dish": "豆汁儿焦圈儿", "quantity": 2}),
        Planned("place_food_order", {"address": "西城区护国寺大街1号"}),
    ]


def test_a_places_details_are_said_from_its_record(registry, ctx, need):
    """「故宫门票多少钱？几点开门？」 had been answered 「开放时间为12小时 - 3天」: the visit time read as
    opening hours by the model."""
    need("crosswoz_beijing")
    data = registry.run("place_details", {"name": "故宫"}, ctx()).data
    said = registry.tools["place_details"].say(data, True)
    assert "门票 ¥60" in said and "数据里没有开放时间。" in said and "周边景点：" in said


def test_a_chains_branches_end_with_the_question_which(registry, ctx, need):
    need("crosswoz_beijing")
    data = registry.run("search_restaurants", {"name": "全聚德", "limit": 20}, ctx()).data
    said = registry.tools["search_restaurants"].say(data, True)
    assert said.count("\n- ") == len(data["results"]) and said.endswith("是哪一家？告诉我店名或第几家就行。")


def test_an_order_for_someone_takes_the_taste_remembered_of_them(settings, need):
    """「帮我给朵朵订一个生日蛋糕，你还记得她喜欢什么口味吗？」 after 「朵朵喜欢草莓蛋糕」 had listed
    who sells 生日蛋糕, and said nothing of her taste."""
    need("crosswoz_beijing", "restaurant_db.json")
    from banshi.services import food

    said = ["记忆：\n- 朵朵是用户的女儿\n- 朵朵喜欢草莓蛋糕和冰淇淋\n- 用户喜欢抹茶蛋糕\n- 老王不喜欢奶油蛋糕"]

    def searched(text: str, known: list[str] = said) -> str:
        return food.read_request(settings, text, known)[0].arguments["dish"]

    # by name, by relation, by pronoun: no one delivers 草莓蛋糕 as such; its flavour among the cakes
    for text in ("帮我给朵朵订一个生日蛋糕，你还记得她喜欢什么口味吗？", "给我女儿订个蛋糕", "给她买个生日蛋糕"):
        assert searched(text) == "草莓 蛋糕", text
    assert searched("帮我订个蛋糕") == "抹茶蛋糕"  # the user's own, delivered as such
    assert searched("给老王订个蛋糕") == "蛋糕"  # a dislike is no taste
    assert searched("给朵朵点一份饺子") == "饺子"  # her tastes are not of dumplings
    assert searched("帮我给朵朵订一个生日蛋糕", []) == "生日蛋糕"  # nothing known
    # said in this conversation rather than remembered; 她 after the one named
    assert searched("给女儿订个蛋糕", ["我女儿叫朵朵", "朵朵最爱吃的是芒果蛋糕"]) == "芒果 蛋糕"
    assert searched("帮我给朵朵订一个生日蛋糕", ["我女儿叫朵朵，她最喜欢草莓蛋糕。"]) == "草莓 蛋糕"


def test_the_remembered_taste_is_said_with_what_was_found(registry, ctx, need):
    need("crosswoz_beijing", "restaurant_db.json")
    found = registry.run("search_delivery", {"dish": "草莓 蛋糕"}, ctx()).data
    assert found["results"] and all(all("草莓" in m["dish"] for m in r["delivered"]) for r in found["results"])
    caution = registry.tools["search_delivery"].caution
    known = "- 朵朵喜欢草莓蛋糕\n我女儿叫朵朵，她最喜欢草莓蛋糕"
    assert caution(found, known, "", True) == "记得：朵朵喜欢草莓蛋糕，以上是按这个口味找的。"
    assert caution({"dish": "生日蛋糕"}, known, "", True) == "记得：朵朵喜欢草莓蛋糕。"  # not what was searched
    assert caution({"dish": "饺子"}, known, "", True) == ""
    assert caution({"dish": "蛋糕"}, "- 用户喜欢抹茶蛋糕", "", False) == "Remembered: you like 抹茶蛋糕."


def test_a_drink_or_dessert_costs_a_small_part_of_a_meal(settings, need):
    """「芒果布丁 ¥458」 at a ¥562-a-head place: a pudding, a juice, a bun are priced as such."""
    need("crosswoz_beijing", "restaurant_db.json")
    from banshi.services import food

    r = food._restaurant(settings, "德云红事会馆")
    prices = {m["dish"]: m["price"] for m in food.menu_for(r)}
    assert prices["芒果布丁"] <= 20 + 0.06 * r["人均消费"] + 1  # (whole yuan)
    assert 0.3 * r["人均消费"] - 1 <= prices["烤鸭"] <= r["人均消费"] + 1
    assert prices == {m["dish"]: m["price"] for m in food.menu_for(r)}  # stable


def test_a_dish_found_for_someone_allergic_to_it_is_flagged(registry, ctx, need):
    """「帮我给老婆点一份芒果布丁外卖」 with 「小红对芒果过敏」 kept had listed who sells it, no word of it."""
    need("crosswoz_beijing", "restaurant_db.json")
    found = registry.run("search_delivery", {"dish": "芒果布丁"}, ctx()).data
    caution = registry.tools["search_delivery"].caution
    known = "- 小红是用户的老婆\n- 小红对芒果过敏"
    warned = caution(found, known, "帮我给老婆点一份芒果布丁外卖", True)
    assert warned.startswith("⚠️ 小红对芒果过敏：芒果布丁通常含芒果")
    assert caution(found, known, "帮我点一份芒果布丁外卖", True) == ""  # for the user, not her
    said = "我老婆叫小红，小红对芒果过敏。"  # said in this conversation, not yet kept
    assert caution(found, said, "帮我给老婆点一份芒果布丁外卖", True).startswith("⚠️ 小红对芒果过敏")
