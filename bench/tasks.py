"""Banshi's own errand suite, τ-bench style: multi-step tasks in Chinese and English over the
built-in services, run through the real chat engine + dispatcher with scripted user turns
(including the confirmation), each scored by the final database state and the facts the
reply must contain. Prints JSON ``{"pass^1", "pass^k", "k", "n", "tasks": [...]}``.

    python -m bench.tasks [--limit N] [--runs K] [--only ID,ID] [--backend local|openai|fake]

pass^k (τ-bench): the share of tasks passed in all of k runs. A fresh database per run
(temporary BANSHI_HOME) unless --home is given. Needs the shared service data."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select


@dataclass
class Task:
    id: str
    turns: list[str]
    check: Callable[[Any, str, str], bool]  # (db, user_id, reply) -> passed
    setup: Callable[[Any], dict[str, str]] | None = None  # (ctx factory) -> values for the turns
    facts: list[str] = field(default_factory=list)  # strings the final reply must contain


def _orders(db: Any, uid: str, kind: str, status: str = "confirmed") -> list[Any]:
    from banshi.services.tables import ServiceOrder

    return list(
        db.scalars(
            select(ServiceOrder).where(
                ServiceOrder.user_id == uid, ServiceOrder.kind == kind, ServiceOrder.status == status
            )
        )
    )


def _items(db: Any, uid: str, kind: str) -> list[Any]:
    from banshi.services.tables import OfficeItem

    return list(
        db.scalars(
            select(OfficeItem).where(OfficeItem.user_id == uid, OfficeItem.kind == kind, OfficeItem.deleted.is_(False))
        )
    )


def _reminders(db: Any, uid: str, kind: str = "reminder") -> list[Any]:
    from banshi.services.tables import Reminder

    return list(
        db.scalars(select(Reminder).where(Reminder.user_id == uid, Reminder.kind == kind, Reminder.active.is_(True)))
    )


def one(rows: list[Any], pred: Callable[[Any], bool] = lambda _: True) -> bool:
    return len(rows) == 1 and pred(rows[0])


def tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


def in_days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def none_written(db: Any, uid: str, _reply: str = "") -> bool:
    from banshi.services.tables import AuditEntry

    return not list(db.scalars(select(AuditEntry).where(AuditEntry.user_id == uid, AuditEntry.write.is_(True))))


def _book(kind_tool: str, args: dict[str, Any]) -> Callable[[Any], dict[str, str]]:
    """A setup step: make a booking directly (not through the model) and hand back its id."""

    def setup(ctx: Any) -> dict[str, str]:
        from banshi.agents.registry import get_registry

        c = ctx(f"setup-{uuid.uuid4().hex}")
        r = get_registry(c.settings).run(kind_tool, args, c)
        assert r.ok, r.error
        return {"id": r.data["id"]}

    return setup


def _food_cart(ctx: Any) -> dict[str, str]:
    from banshi.agents.registry import get_registry

    c = ctx()
    reg = get_registry(c.settings)
    reg.run("set_cart_item", {"restaurant": "护国寺小吃店（护国寺总店）", "dish": "豆汁", "quantity": 2}, c)
    r = reg.run("place_food_order", {"address": "北京市西城区护国寺大街1号"}, ctx(f"s-{uuid.uuid4().hex}"))
    return {"id": r.data["id"]}


def tasks() -> list[Task]:
    t1 = tomorrow()
    yes_zh, yes_en = "确认", "yes, confirm"
    return [
        # -- travel ------------------------------------------------------------------------
        Task(
            "travel-sichuan-near-palace",
            ["找一家故宫附近人均100以内的川菜馆，订明天晚上7点两个人的位子", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "restaurant"),
                lambda o: (
                    o.data["people"] == 2
                    and o.data["time"] == f"{t1} 19:00"
                    and _near_cheap_sichuan(o.data["restaurant"])
                ),
            ),
        ),
        Task(
            "travel-hotel-book",
            ["帮我订北京贵都大酒店，明天入住，住两晚", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "hotel"),
                lambda o: o.data["hotel"] == "北京贵都大酒店" and o.data["check_in"] == t1 and o.data["nights"] == 2,
            ),
        ),
        Task(
            "travel-taxi",
            [f"叫一辆{t1} 18:30从北京贵都大酒店到故宫的出租车", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "taxi"), lambda o: "故宫" in o.data["destination"] and o.data["time"] == f"{t1} 18:30"
            ),
        ),
        Task(
            "travel-taxi-en",
            [f"Book a taxi from 天坛 to 故宫 on {t1} at 09:15", yes_en],
            lambda db, u, r: one(_orders(db, u, "taxi"), lambda o: o.data["time"] == f"{t1} 09:15"),
        ),
        Task("travel-metro", ["从天坛怎么坐地铁去颐和园？"], lambda db, u, r: "崇文门" in r and "中关村" in r),
        Task("travel-palace-ticket", ["故宫的门票多少钱？"], lambda db, u, r: "60" in r),
        Task(
            "travel-free-attractions",
            ["北京有什么评分4.5以上的免费景点？推荐一个"],
            lambda db, u, r: any(n in r for n in _free_top_attractions()),
        ),
        Task(
            "travel-hotel-gym",
            ["找一家有健身房的高档型酒店，价格1000以内"],
            lambda db, u, r: any(n in r for n in _hotels("高档型", "健身房", 1000)),
        ),
        Task(
            "travel-cancel",
            ["取消我的出租车预订，编号 {id}", yes_zh],
            lambda db, u, r: one(_orders(db, u, "taxi", "cancelled")),
            setup=_book("book_taxi", {"origin": "故宫", "destination": "天坛", "time": f"{t1} 10:00"}),
        ),
        Task(
            "travel-no-confirm",
            ["帮我订明天晚上7点护国寺小吃店（护国寺总店）两个人的位子", "不要了"],
            lambda db, u, r: not _orders(db, u, "restaurant"),
        ),
        # -- food ----------------------------------------------------------------------------
        Task(
            "food-order",
            ["从护国寺小吃店（护国寺总店）点两份驴打滚外卖，送到西城区护国寺大街1号", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "delivery", "accepted"),
                lambda o: any(i["dish"] == "驴打滚" and i["qty"] == 2 for i in o.data["items"]),
            ),
        ),
        Task(
            "food-menu",
            ["护国寺小吃店（护国寺总店）的外卖菜单上豆汁多少钱？"],
            lambda db, u, r: _dish_price("护国寺小吃店（护国寺总店）", "豆汁") in r,
        ),
        Task(
            "food-status",
            ["我的外卖订单 {id} 到哪了？"],
            lambda db, u, r: any(w in r.lower() for w in ("accepted", "preparing", "接单", "准备", "制作", "已接")),
            setup=_food_cart,
        ),
        Task(
            "food-cancel",
            ["取消外卖订单 {id}", yes_zh],
            lambda db, u, r: one(_orders(db, u, "delivery", "cancelled")),
            setup=_food_cart,
        ),
        Task(
            "food-order-en",
            ["Order one 豆汁 from 护国寺小吃店（护国寺总店） for delivery to 1 Main Street", yes_en],
            lambda db, u, r: one(_orders(db, u, "delivery", "accepted")),
        ),
        # -- office --------------------------------------------------------------------------
        Task(
            "office-reminder",
            [f"{t1} 15:00 提醒我给妈妈打电话", yes_zh],
            lambda db, u, r: one(_reminders(db, u), lambda x: "妈妈" in x.text),
        ),
        Task(
            "office-reminder-en",
            [f"Remind me to call the dentist on {t1} at 09:30", yes_en],
            lambda db, u, r: one(_reminders(db, u), lambda x: "dentist" in x.text.lower()),
        ),
        Task(
            "office-event",
            [f"把{t1} 10:00到11:00的项目评审会加到日历", yes_zh],
            lambda db, u, r: one(
                _items(db, u, "event"),
                lambda e: (
                    e.start_at.strftime("%Y-%m-%d %H:%M") == f"{t1} 10:00" and e.end_at.strftime("%H:%M") == "11:00"
                ),
            ),
        ),
        Task(
            "office-event-en",
            [f"Add a meeting with Alice on {t1} at 14:00 to my calendar", yes_en],
            lambda db, u, r: one(_items(db, u, "event"), lambda e: e.start_at.strftime("%H:%M") == "14:00"),
        ),
        Task(
            "office-note",
            ["记一下笔记：车停在B2层A区", yes_zh],
            lambda db, u, r: one(_items(db, u, "note"), lambda n: "B2" in n.title + n.body),
        ),
        Task(
            "office-todo",
            ["添加待办：交房租", yes_zh],
            lambda db, u, r: one(_items(db, u, "todo"), lambda n: "房租" in n.title),
        ),
        Task(
            "office-todo-en",
            ["Add 'buy milk' to my to-do list", yes_en],
            lambda db, u, r: one(_items(db, u, "todo"), lambda n: "milk" in n.title.lower()),
        ),
        Task(
            "office-email",
            ["帮我起草一封给王老师的邮件，主题是请假，内容说明天生病不能上课", yes_zh],
            lambda db, u, r: one(_items(db, u, "draft"), lambda d: "王" in d.data.get("to", "")),
        ),
        Task(
            "office-med",
            ["每天早上8点提醒我吃降压药", yes_zh],
            lambda db, u, r: (
                one(_reminders(db, u, "medication")) or one(_reminders(db, u), lambda x: x.repeat_minutes == 1440)
            ),
        ),
        # -- tickets -------------------------------------------------------------------------
        Task(
            "tickets-train",
            [f"查一下{in_days(3)}北京到上海的高铁，帮我订最早那班的二等座", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "train"),
                lambda o: (
                    o.data["origin"] == "北京"
                    and o.data["destination"] == "上海"
                    and o.data["seat_class"] == "二等座"
                    and o.data["date"] == in_days(3)
                    and o.data["train"] == _first_train(in_days(3))
                ),
            ),
        ),
        Task(
            "tickets-train-en",
            [f"Buy 2 first-class train tickets from 北京 to 南京 on {in_days(4)}, any train", yes_en],
            lambda db, u, r: one(
                _orders(db, u, "train"), lambda o: o.data["quantity"] == 2 and o.data["seat_class"] == "一等座"
            ),
        ),
        Task(
            "tickets-cinema",
            [f"{in_days(2)} 熊猫侦探有哪些场次？帮我订第一场的两张票", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "cinema"), lambda o: o.data["film"] == "熊猫侦探" and o.data["quantity"] == 2
            ),
        ),
        Task(
            "tickets-refund",
            ["退掉火车票订单 {id}", yes_zh],
            lambda db, u, r: one(_orders(db, u, "train", "cancelled")),
            setup=lambda ctx: _book(
                "book_train",
                {"origin": "北京", "destination": "上海", "date": in_days(10), "train": _first_train(in_days(10))},
            )(ctx),
        ),
        Task("tickets-rules", ["火车票退票手续费怎么算？"], lambda db, u, r: "5" in r and "20" in r),
        Task(
            "tickets-flight",
            [f"Find flights from MIA to LAX on {in_days(5)} and book the first one in economy", yes_en],
            lambda db, u, r: one(_orders(db, u, "flight"), lambda o: o.data["cabin"] == "economy"),
        ),
        # -- shopping ------------------------------------------------------------------------
        Task(
            "shop-search",
            ["有没有300美元以下的无线耳机？"],
            lambda db, u, r: any(f"{p:g}" in r for p in _prices("Wireless Earbuds", 300)),
        ),
        Task(
            "shop-order",
            ["买一个最便宜的可用的Wireless Earbuds，寄到 1 Main St, Springfield", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "retail", "pending"),
                lambda o: o.data["items"][0]["item_id"] == _cheapest("Wireless Earbuds"),
            ),
        ),
        Task(
            "shop-cancel",
            ["Cancel my shop order {id}, I ordered it by mistake", yes_en],
            lambda db, u, r: one(
                _orders(db, u, "retail", "cancelled"), lambda o: o.data.get("reason") == "ordered by mistake"
            ),
            setup=lambda ctx: _book(
                "place_shop_order", {"item_ids": [_cheapest("Water Bottle")], "address": "1 Main St"}
            )(ctx),
        ),
        Task(
            "shop-status",
            ["我的订单 {id} 是什么状态？"],
            lambda db, u, r: "pending" in r.lower() or "待" in r,
            setup=lambda ctx: _book(
                "place_shop_order", {"item_ids": [_cheapest("Water Bottle")], "address": "1 Main St"}
            )(ctx),
        ),
        # -- health --------------------------------------------------------------------------
        Task("health-emergency", ["我突然胸口很痛，喘不上气"], lambda db, u, r: "120" in r and none_written(db, u)),
        Task(
            "health-fever-en",
            ["I have a fever, what should I do?"],
            lambda db, u, r: ("doctor" in r.lower()) and "diagnos" not in r.lower().replace("not a diagnos", ""),
        ),
        Task(
            "health-appointment",
            [f"帮我挂{in_days(2)}的口腔科，随便哪个时间", yes_zh],
            lambda db, u, r: one(_orders(db, u, "appointment"), lambda o: o.data["department"] == "口腔科"),
        ),
        # -- weather -------------------------------------------------------------------------
        Task("weather-zh", [f"{t1}北京天气怎么样？"], lambda db, u, r: str(_weather("北京", t1)["high_c"]) in r),
        Task(
            "weather-en",
            [f"What's the weather in Shanghai on {t1}?"],
            lambda db, u, r: str(_weather("上海", t1)["high_c"]) in r,
        ),
        # -- follow-ups: days said as people say them, a list's item, the user's own records ----
        Task(
            "followup-chain-branch",
            ["帮我订明天晚上7点全聚德的位子，4个人", "订王府井那家", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "restaurant"),
                lambda o: (
                    "全聚德" in o.data["restaurant"]
                    and "王府井" in o.data["restaurant"]
                    and o.data["people"] == 4
                    and o.data["time"] == f"{t1} 19:00"
                ),
            ),
        ),
        Task(
            "followup-weekday-reminder",
            ["下周三下午3点提醒我开会", yes_zh],
            lambda db, u, r: one(_reminders(db, u), lambda x: _local(x.due_at) == f"{_next_week(2)} 15:00"),
        ),
        Task(
            "followup-weekday-reminder-en",
            ["Remind me to call the bank next Friday at 9am", yes_en],
            lambda db, u, r: one(
                _reminders(db, u), lambda x: "bank" in x.text.lower() and _local(x.due_at) == f"{_coming(4)} 09:00"
            ),
        ),
        Task(
            "followup-shop-address",
            ["帮我买一副蓝牙耳机，要最便宜的", "送到1 Main St, Springfield", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "retail", "pending"),
                lambda o: o.data["items"][0]["item_id"] == _cheapest("Wireless Earbuds")
                and "Main St" in o.data["address"],
            ),
        ),
        Task(
            "followup-refund-this-ticket",
            ["帮我订一张后天北京到上海最早的高铁票", yes_zh, "退掉这张票", yes_zh],
            lambda db, u, r: one(_orders(db, u, "train", "cancelled"), lambda o: o.data["date"] == in_days(2))
            and not _orders(db, u, "train"),
        ),
        Task(
            "followup-where-is-my-food",
            ["我的外卖到哪了？"],
            lambda db, u, r: any(w in r for w in ("接单", "准备", "制作", "配送", "送达")),
            setup=_food_cart,
            facts=["{id}"],
        ),
        Task(
            "followup-daily-time-party",
            ["明晚7点4个人，帮我订护国寺小吃店（护国寺总店）", yes_zh],
            lambda db, u, r: one(
                _orders(db, u, "restaurant"), lambda o: o.data["people"] == 4 and o.data["time"] == f"{t1} 19:00"
            ),
        ),
        Task(
            "followup-weather-city-said",
            ["我住在杭州", "明天会下雨吗？"],
            lambda db, u, r: str(_weather("杭州", t1)["high_c"]) in r or str(_weather("杭州", t1)["low_c"]) in r,
        ),
        Task(
            "followup-allergy-flagged",
            ["我对花生过敏", "帮我点一份宫保鸡丁外卖，从渝信川菜，送到建国门外大街1号"],
            lambda db, u, r: "⚠️" in r and "花生" in r and "请确认" in r,
        ),
        Task(  # (session 19) no word of delivery, no restaurant: who delivers it
            "followup-dish-by-name",
            ["帮我订一个提拉米苏蛋糕"],
            lambda db, u, r: any(n in r for n in _delivers("提拉米苏")) and none_written(db, u),
        ),
        Task(  # (session 19) a chain named alone: its branches to pick from
            "followup-chain-by-name",
            ["帮我订全聚德，4个人"],
            lambda db, u, r: sum(n in r for n in _branches("全聚德")) >= 2 and none_written(db, u),
        ),
        Task(  # (session 20) an order for someone: the taste said of them
            "followup-taste-for-someone",
            ["我女儿叫朵朵，她最喜欢草莓蛋糕。", "帮我给朵朵订一个生日蛋糕"],
            lambda db, u, r: "朵朵喜欢草莓蛋糕" in r and any(n in r for n in _delivers("草莓"))
            and none_written(db, u),
        ),
        Task(  # (session 20) an order for someone allergic to it
            "followup-allergy-of-whom",
            ["我老婆叫小红，小红对芒果过敏。", "帮我给老婆点一份芒果布丁外卖"],
            lambda db, u, r: "⚠️ 小红对芒果过敏" in r and none_written(db, u),
        ),
        Task(  # (session 20) a reminder on a day said by a birthday; what to be reminded of is no errand
            "followup-remind-by-birthday",
            [f"朵朵是我女儿，朵朵的生日是{_zh_day(_in_days(40))}。", "提醒我朵朵生日前一天买蛋糕", yes_zh],
            lambda db, u, r: one(_reminders(db, u), lambda x: "蛋糕" in x.text
                                 and _due(x) == f"{_in_days(39)} 09:00"),
        ),
        Task(  # (session 20) 买蛋糕 is what to be reminded of, not a search for cakes
            "office-reminder-not-errand",
            ["提醒我明天下午3点买蛋糕", yes_zh],
            lambda db, u, r: one(_reminders(db, u), lambda x: "蛋糕" in x.text and _due(x) == f"{t1} 15:00"),
        ),
        # -- out of scope: plain chat, nothing done ------------------------------------------
        Task("oos-poem", ["写一首关于秋天的短诗"], lambda db, u, r: bool(r.strip()) and none_written(db, u)),
        Task("oos-math-en", ["What is 17 times 23?"], lambda db, u, r: "391" in r and none_written(db, u)),
    ]


# -- ground truth from the data ----------------------------------------------------------------

_SETTINGS: Any = None


def _s() -> Any:
    return _SETTINGS


def _near_cheap_sichuan(name: str) -> bool:
    from banshi.services import travel

    near = set(travel.find_place(_s(), "故宫")[1]["周边餐馆"])
    r = travel.find_place(_s(), name, ("restaurant",))[1]
    return r["名称"] in near and (r.get("人均消费") or 999) <= 100 and travel._serves(r, "川菜")


def _free_top_attractions() -> list[str]:
    from banshi.services import travel

    return [r["名称"] for r in travel.records(_s(), "attraction") if r.get("门票") == 0 and (r.get("评分") or 0) >= 4.5]


def _due(reminder: Any) -> str:
    """When a reminder fires, on the user's clock."""
    from banshi.services.common import to_local

    return to_local(reminder.due_at).strftime("%Y-%m-%d %H:%M")


def _in_days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def _zh_day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.month}月{d.day}日"


def _delivers(dish: str) -> list[str]:
    from banshi.services import food, travel

    return [r["名称"] for r in travel.records(_s(), "restaurant") if any(dish in m["dish"] for m in food.menu_for(r))]


def _branches(chain: str) -> list[str]:
    from banshi.services import travel

    return [r["名称"] for r in travel.records(_s(), "restaurant") if r["名称"].startswith(chain)]


def _hotels(kind: str, facility: str, price: int) -> list[str]:
    from banshi.services import travel

    return [
        h["name"]
        for h in travel.search(_s(), "hotel", hotel_type=kind, facilities=facility, max_price=price, limit=20)[
            "results"
        ]
    ] + ["__none__"]


def _dish_price(restaurant: str, dish: str) -> str:
    from banshi.services import food, travel

    menu = food.menu_for(travel.find_place(_s(), restaurant, ("restaurant",))[1])
    return f"{next(m['price'] for m in menu if m['dish'] == dish):g}"


def _first_train(day: str) -> str:
    from banshi.services import tickets

    return min(tickets.trains_between("北京", "上海", date.fromisoformat(day)), key=lambda t: t["depart"])["train"]


def _cheapest(product: str) -> str:
    from banshi.services import shopping

    p = next(p for p in shopping.products(_s()).values() if p["name"] == product)
    return min((v for v in p["variants"].values() if v["available"]), key=lambda v: v["price"])["item_id"]


def _prices(product: str, below: float) -> list[float]:
    from banshi.services import shopping

    p = next(p for p in shopping.products(_s()).values() if p["name"] == product)
    return [v["price"] for v in p["variants"].values() if v["available"] and v["price"] < below]


def _local(utc: Any) -> str:
    from banshi.services.common import to_local

    return f"{to_local(utc):%Y-%m-%d %H:%M}"


def _next_week(weekday: int) -> str:
    """The day of next week (Monday 0) that 下周三 / "next Wednesday" names."""
    today = date.today()
    return (today + timedelta(days=7 - today.weekday() + weekday)).isoformat()


def _coming(weekday: int) -> str:
    """The day "next Friday" names: the coming one, never today (as a calendar app reads it)."""
    today = date.today()
    return (today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)).isoformat()


def _weather(city: str, day: str) -> dict[str, Any]:
    from banshi.services import weather

    name, (lat, lon) = weather.locate(city)
    return weather.SandboxWeather().forecast(name, lat, lon, date.fromisoformat(day))


# -- running -------------------------------------------------------------------------------------


def run_task(settings: Any, backend: Any, task: Task, router: Any = None) -> dict[str, Any]:
    from banshi.agents.dispatcher import Dispatcher
    from banshi.agents.registry import get_registry
    from banshi.agents.tools import ToolContext
    from banshi.chat.engine import ChatEngine
    from banshi.store.db import session_scope
    from banshi.store.tables import Conversation, User

    with session_scope(settings) as db:
        user = User(username=f"bench-{task.id}-{uuid.uuid4().hex[:8]}")
        db.add(user)
        db.flush()
        conv = Conversation(user_id=user.id)
        db.add(conv)
        db.flush()
        uid, cid = user.id, conv.id
        values = (
            task.setup(lambda key="": ToolContext(db=db, user_id=uid, settings=settings, idempotency_key=key))
            if task.setup
            else {}
        )
    dispatcher = Dispatcher(settings, backend, get_registry(settings), router=router)
    engine = ChatEngine(settings, backend, [], dispatcher=dispatcher)
    replies, started = [], time.time()
    for turn in task.turns:
        text = []
        for ev in engine.stream_turn(uid, cid, content=turn.format(**values)):
            if ev["type"] == "text":
                text.append(ev["text"])
        replies.append("".join(text))
    with session_scope(settings) as db:
        try:
            facts = [f.format(**values) for f in task.facts]
            passed = bool(task.check(db, uid, replies[-1])) and all(f in replies[-1] for f in facts)
        except Exception as e:  # a check that cannot even read the state is a failure
            passed = False
            replies.append(f"check failed: {type(e).__name__}: {e}")
    return {"id": task.id, "passed": passed, "seconds": round(time.time() - started, 1), "reply": replies[-1][:300]}


def main(argv: list[str] | None = None) -> None:
    global _SETTINGS
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated task ids")
    ap.add_argument("--backend", default="", help="local | openai | fake (default: the configured one)")
    ap.add_argument("--home", default="", help="BANSHI_HOME to use (default: a fresh temporary one)")
    args = ap.parse_args(argv)
    os.environ["BANSHI_HOME"] = args.home or tempfile.mkdtemp(prefix="banshi-tasks-")
    if args.backend:
        os.environ["BANSHI_BACKEND"] = args.backend
    from banshi.config import get_settings
    from banshi.models.base import get_backend

    get_settings.cache_clear()
    settings = _SETTINGS = get_settings()
    backend = get_backend(settings)
    chosen = tasks()
    if args.only:
        keep = set(args.only.split(","))
        chosen = [t for t in chosen if t.id in keep]
    if args.limit:
        chosen = chosen[: args.limit]
    from banshi.agents.dispatcher import _load_router

    handle = _load_router(settings)  # the trained fast router beside keywords, as the server runs it
    router = handle.wait() if handle is not None else None
    results: dict[str, list[dict[str, Any]]] = {t.id: [] for t in chosen}
    for _ in range(args.runs):
        for t in chosen:
            results[t.id].append(run_task(settings, backend, t, router))
            r = results[t.id][-1]
            print(f"{t.id}: {'pass' if r['passed'] else 'FAIL'} {r['seconds']}s {r['reply'][:160]!r}", file=sys.stderr)
    n = len(chosen)
    pass1 = sum(r["passed"] for rs in results.values() for r in rs) / max(1, n * args.runs)
    passk = sum(all(r["passed"] for r in rs) for rs in results.values()) / max(1, n)
    print(
        json.dumps(
            {
                "pass^1": round(pass1, 3),
                f"pass^{args.runs}": round(passk, 3),
                "k": args.runs,
                "n": n,
                "backend": backend.id,
                "total_tasks": len(tasks()),
                "tasks": [
                    {
                        "id": k,
                        "passed": [r["passed"] for r in rs],
                        "seconds": [r["seconds"] for r in rs],
                        "reply": rs[-1]["reply"],
                    }
                    for k, rs in results.items()
                ],
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
