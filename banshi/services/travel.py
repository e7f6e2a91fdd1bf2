"""Travel & maps (sandbox): Beijing's attractions, restaurants, hotels and metro stations from
the CrossWOZ database (``data_dir/services/crosswoz_beijing``, read at run time); search by
name, area, type, price, rating, dishes, facilities and nearby places; metro directions;
hotel, table and taxi bookings kept per user in the database. Bookings are simulated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from banshi.agents.tools import Refused, Service, ToolContext, tool
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.services import common
from banshi.services.common import SANDBOX, load_json, stable_int

DB = "crosswoz_beijing"
KIND_FILE = {"attraction": "attraction_db.json", "restaurant": "restaurant_db.json", "hotel": "hotel_db.json"}
PRICE_FIELD = {"attraction": "门票", "restaurant": "人均消费", "hotel": "价格"}


def records(settings: Settings, kind: str) -> list[dict[str, Any]]:
    return [r for _, r in load_json(settings, DB, KIND_FILE[kind])]


def find_place(
    settings: Settings, name: str, kinds: tuple[str, ...] = ("attraction", "restaurant", "hotel")
) -> tuple[str, dict[str, Any]]:
    """The place called ``name`` (exact, else the shortest name containing it)."""
    name = str(name).strip()
    if not name:
        raise InvalidInput("a place name is needed")
    best: tuple[int, str, dict] | None = None
    for kind in kinds:
        for r in records(settings, kind):
            if r["名称"] == name:
                return kind, r
            if name in r["名称"] or r["名称"] in name:
                score = abs(len(r["名称"]) - len(name))
                if best is None or score < best[0]:
                    best = (score, kind, r)
    if best is None:
        raise NotFound(f"no place named {name!r} in the Beijing database")
    return best[1], best[2]


#: cuisine words the database has no field for, matched against names and dishes
CUISINES = {
    "川菜": "川 蜀 渝 麻辣 水煮 辣子 宫保 毛血旺 回锅肉 冒菜",
    "湘菜": "湘 剁椒 小炒肉",
    "粤菜": "粤 广东 早茶 烧腊 港式 肠粉",
    "东北菜": "东北 锅包肉 杀猪菜 地三鲜",
    "火锅": "火锅 涮",
    "日料": "日本 寿司 刺身 料理",
    "日本菜": "日本 寿司 刺身 料理",
    "韩国菜": "韩 石锅拌饭 部队锅",
    "西餐": "西餐 牛排 披萨 意大利 法式",
    "素食": "素",
    "清真": "清真 回民 牛街",
    "北京菜": "北京 京味 炸酱面 卤煮 烤鸭 豆汁",
    "烧烤": "烧烤 烤串 羊肉串",
    "海鲜": "海鲜 虾 蟹",
    "sichuan": "川 蜀 渝 麻辣 水煮",
    "hotpot": "火锅 涮",
    "seafood": "海鲜 虾 蟹",
    "peking duck": "烤鸭",
    "duck": "烤鸭",
}


def _serves(r: dict[str, Any], term: str) -> bool:
    """True when a dish or the name mentions ``term`` or, for a cuisine, one of its words."""
    text = r["名称"] + " " + " ".join(r.get("推荐菜") or [])
    words = CUISINES.get(term.lower(), "").split() or [term]
    return any(w in text for w in words + [term])


def _summary(kind: str, r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": r["名称"],
        "type": kind,
        "address": r.get("地址"),
        "metro": r.get("地铁"),
        "rating": r.get("评分"),
    }
    if kind == "attraction":
        out |= {"ticket": r.get("门票"), "duration": r.get("游玩时间")}
    elif kind == "restaurant":
        out |= {
            "price_per_person": r.get("人均消费"),
            "hours": r.get("营业时间"),
            "dishes": (r.get("推荐菜") or [])[:6],
        }
    else:
        out |= {"hotel_type": r.get("酒店类型"), "price": r.get("价格"), "facilities": (r.get("酒店设施") or [])[:6]}
    return out


def search(
    settings: Settings,
    kind: str,
    *,
    name: str = "",
    area: str = "",
    near: str = "",
    min_price: float | None = None,
    max_price: float | None = None,
    min_rating: float | None = None,
    dishes: str = "",
    hotel_type: str = "",
    facilities: str = "",
    limit: int = 5,
    sort: str = "rating",
    duration: str = "",
) -> dict[str, Any]:
    note = ""
    if name and not near and _is_other_place(settings, name, kind):
        # "故宫" given as a restaurant's name is a landmark: the user means restaurants near it
        name, near, note = "", name, f"'{name}' is a landmark, not a {kind}: searched near it"
    near_names: set[str] | None = None
    if near:
        _, anchor = find_place(settings, near)
        near_names = set(
            anchor.get(f"周边{ {'attraction': '景点', 'restaurant': '餐馆', 'hotel': '酒店'}[kind] }") or []
        )
    pf = PRICE_FIELD[kind]
    hits = []
    for r in records(settings, kind):
        if name and name not in r["名称"]:
            continue
        if area and area not in (r.get("地址") or ""):
            continue
        if near_names is not None and r["名称"] not in near_names:
            continue
        price = r.get(pf)
        if min_price is not None and (price is None or price < min_price):
            continue
        if max_price is not None and (price is None or price > max_price):
            continue
        if min_rating is not None and (r.get("评分") is None or r["评分"] < min_rating):
            continue
        if dishes and not all(_serves(r, d) for d in dishes.split()):
            continue
        if duration and duration.replace(" ", "") not in (r.get("游玩时间") or "").replace(" ", ""):
            continue
        if hotel_type and hotel_type not in (r.get("酒店类型") or ""):
            continue
        if facilities and not all(any(f in x for x in r.get("酒店设施") or []) for f in facilities.split()):
            continue
        hits.append(r)
    if sort == "price":
        hits.sort(key=lambda r: (r.get(pf) is None, r.get(pf) or 0))
    else:
        hits.sort(key=lambda r: -(r.get("评分") or 0))
    limit = max(1, min(limit, 20))
    out = {"count": len(hits), "results": [_summary(kind, r) for r in hits[:limit]], "source": "crosswoz_beijing"}
    return out | ({"note": note} if note else {})


def _is_other_place(settings: Settings, name: str, kind: str) -> bool:
    """True when ``name`` is exactly an attraction, restaurant or hotel of another kind."""
    return any(r["名称"] == name for other in KIND_FILE if other != kind for r in records(settings, other))


# -- tools --------------------------------------------------------------------------------------


@tool
def search_attractions(
    ctx: ToolContext,
    name: str = "",
    area: str = "",
    near: str = "",
    max_ticket: int | None = None,
    min_ticket: int | None = None,
    min_rating: float | None = None,
    duration: str = "",
    limit: int = 5,
) -> dict:
    """Search Beijing attractions (景点).

    Args:
        name: part of the attraction's name
        area: district or street in the address, e.g. 东城区
        near: a place name; only attractions near it
        max_ticket: highest ticket price in yuan (0 = free)
        min_ticket: lowest ticket price in yuan
        min_rating: lowest rating, 0-5
        duration: how long a visit takes, as written in the data, e.g. 1小时 or 2小时 - 3小时
        limit: how many results (1-20)
    """
    return search(
        ctx.settings,
        "attraction",
        name=name,
        area=area,
        near=near,
        max_price=max_ticket,
        min_price=min_ticket,
        min_rating=min_rating,
        duration=duration,
        limit=limit,
    )


@tool
def search_restaurants(
    ctx: ToolContext,
    name: str = "",
    dishes: str = "",
    area: str = "",
    near: str = "",
    max_price_per_person: int | None = None,
    min_price_per_person: int | None = None,
    min_rating: float | None = None,
    limit: int = 5,
) -> dict:
    """Search Beijing restaurants (餐馆) by name, dishes or cuisine, area, nearby place, price per person, rating.

    Args:
        name: part of the restaurant's name
        dishes: dishes or cuisine words that must all appear, space separated, e.g. "烤鸭" or "川菜 水煮鱼"
        area: district or street in the address
        near: a place name; only restaurants near it, e.g. 故宫
        max_price_per_person: highest average price per person in yuan
        min_price_per_person: lowest average price per person in yuan
        min_rating: lowest rating, 0-5
        limit: how many results (1-20)
    """
    return search(
        ctx.settings,
        "restaurant",
        name=name,
        dishes=dishes,
        area=area,
        near=near,
        max_price=max_price_per_person,
        min_price=min_price_per_person,
        min_rating=min_rating,
        limit=limit,
    )


@tool
def search_hotels(
    ctx: ToolContext,
    name: str = "",
    hotel_type: str = "",
    facilities: str = "",
    area: str = "",
    near: str = "",
    max_price: int | None = None,
    min_price: int | None = None,
    min_rating: float | None = None,
    limit: int = 5,
) -> dict:
    """Search Beijing hotels (酒店) by type, facilities, area, nearby place, nightly price, rating.

    Args:
        name: part of the hotel's name
        hotel_type: 经济型, 舒适型, 高档型, 豪华型 or 公寓
        facilities: facilities that must all be present, space separated, e.g. "wifi 健身房"
        area: district or street in the address
        near: a place name; only hotels near it
        max_price: highest price per night in yuan
        min_price: lowest price per night in yuan
        min_rating: lowest rating, 0-5
        limit: how many results (1-20)
    """
    return search(
        ctx.settings,
        "hotel",
        name=name,
        hotel_type=hotel_type,
        facilities=facilities,
        area=area,
        near=near,
        max_price=max_price,
        min_price=min_price,
        min_rating=min_rating,
        limit=limit,
    )


@tool
def place_details(ctx: ToolContext, name: str) -> dict:
    """Everything known about one Beijing place (attraction, restaurant or hotel): address, phone,
    hours, price, rating, dishes or facilities, and what is nearby.

    Args:
        name: the place's name
    """
    kind, r = find_place(ctx.settings, name)
    out = _summary(kind, r) | {"phone": r.get("电话")}
    if kind == "restaurant":
        out["dishes"] = r.get("推荐菜") or []
    if kind == "hotel":
        out["facilities"] = r.get("酒店设施") or []
    for key, label in (
        ("周边景点", "nearby_attractions"),
        ("周边餐馆", "nearby_restaurants"),
        ("周边酒店", "nearby_hotels"),
    ):
        out[label] = (r.get(key) or [])[:5]
    return out


def nearest_station(settings: Settings, place: str) -> str | None:
    for name, r in load_json(settings, DB, "metro_db.json"):
        if name == place:
            return r.get("地铁")
    try:
        _, rec = find_place(settings, place)
        return rec.get("地铁")
    except NotFound:
        return None


@tool
def metro_route(ctx: ToolContext, origin: str, destination: str) -> dict:
    """How to get from one Beijing place to another by metro: the nearest station at each end.

    Args:
        origin: where the trip starts (a place name)
        destination: where it ends (a place name)
    """
    a, b = nearest_station(ctx.settings, origin), nearest_station(ctx.settings, destination)
    if not a:
        raise NotFound(f"no metro station known near {origin!r}")
    if not b:
        raise NotFound(f"no metro station known near {destination!r}")
    same = a.split("站")[0] == b.split("站")[0]
    return {
        "origin": origin,
        "board_at": a,
        "destination": destination,
        "alight_at": b,
        "advice": "walk, both are at the same station" if same else f"take the metro from {a} to {b}",
        "note": "station data only: line changes are not in the sandbox data",
    }


@tool(confirm=True, undo="cancel_travel_booking")
def book_hotel(ctx: ToolContext, hotel: str, check_in: str, nights: int = 1, rooms: int = 1, guests: int = 1) -> dict:
    """Book rooms in a Beijing hotel (sandbox).

    Args:
        hotel: the hotel's name
        check_in: arrival date, YYYY-MM-DD
        nights: number of nights (1-30)
        rooms: number of rooms (1-10)
        guests: number of guests
    """
    _, r = find_place(ctx.settings, hotel, ("hotel",))
    day = common.parse_date(check_in, ctx, field="check_in")
    if day < common.local_now(ctx).date():
        raise Refused(f"check_in {day} is in the past")
    if not 1 <= nights <= 30 or not 1 <= rooms <= 10 or guests < 1:
        raise InvalidInput("nights must be 1-30, rooms 1-10, guests at least 1")
    price = r.get("价格") or 0
    return common.record_order(
        ctx,
        service="travel",
        kind="hotel",
        title=f"{r['名称']} {day} ×{nights}晚",
        total=price * nights * rooms,
        data={
            "hotel": r["名称"],
            "check_in": day.isoformat(),
            "check_out": (day + timedelta(days=nights)).isoformat(),
            "nights": nights,
            "rooms": rooms,
            "guests": guests,
            "price_per_night": price,
            "address": r.get("地址"),
            "phone": r.get("电话"),
        },
    )


@tool(confirm=True, undo="cancel_travel_booking")
def book_restaurant(ctx: ToolContext, restaurant: str, time: str, people: int) -> dict:
    """Reserve a table at a Beijing restaurant (sandbox).

    Args:
        restaurant: the restaurant's name
        time: when, 'YYYY-MM-DD HH:MM' or 'HH:MM' for today
        people: number of people (1-20)
    """
    _, r = find_place(ctx.settings, restaurant, ("restaurant",))
    when = common.parse_when(time, ctx)
    common.not_past(when, ctx)
    if not 1 <= people <= 20:
        raise InvalidInput("people must be 1-20")
    hours = r.get("营业时间") or ""
    if not _open_at(hours, when.hour * 60 + when.minute):
        raise Refused(f"{r['名称']} is closed at {when:%H:%M} (hours: {hours})")
    return common.record_order(
        ctx,
        service="travel",
        kind="restaurant",
        title=f"{r['名称']} {when:%m-%d %H:%M} {people}位",
        total=0,
        data={
            "restaurant": r["名称"],
            "time": when.strftime("%Y-%m-%d %H:%M"),
            "people": people,
            "address": r.get("地址"),
            "phone": r.get("电话"),
        },
    )


def _open_at(hours: str, minute_of_day: int) -> bool:
    """True when ``hours`` ("10:00-22:00", "周一至周日 11:00-14:00,17:00-21:00") is unknown or
    includes the minute."""
    import re

    spans = re.findall(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", hours)
    if not spans:
        return True
    for h1, m1, h2, m2 in spans:
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if end <= start:  # past midnight
            if minute_of_day >= start or minute_of_day < end:
                return True
        elif start <= minute_of_day <= end:
            return True
    return False


CAR_MODELS = ["大众帕萨特", "丰田凯美瑞", "比亚迪汉", "本田雅阁", "别克GL8", "特斯拉Model 3"]


@tool(confirm=True, undo="cancel_travel_booking")
def book_taxi(ctx: ToolContext, origin: str, destination: str, time: str) -> dict:
    """Book a taxi in Beijing (sandbox): car model and plate are assigned at booking.

    Args:
        origin: pick-up place
        destination: drop-off place
        time: pick-up time, 'YYYY-MM-DD HH:MM' or 'HH:MM' for today
    """
    when = common.parse_when(time, ctx)
    common.not_past(when, ctx)
    if not origin.strip() or not destination.strip():
        raise InvalidInput("origin and destination are needed")
    seed = stable_int(ctx.user_id, ctx.idempotency_key)
    plate = "京" + "ABCDEFGHJKLMNPQ"[seed % 15] + f"{seed % 100000:05d}"
    fare = 13 + stable_int(origin, destination) % 60
    return common.record_order(
        ctx,
        service="travel",
        kind="taxi",
        title=f"{origin} → {destination} {when:%m-%d %H:%M}",
        total=fare,
        data={
            "origin": origin,
            "destination": destination,
            "time": when.strftime("%Y-%m-%d %H:%M"),
            "car": CAR_MODELS[seed % len(CAR_MODELS)],
            "plate": plate,
            "estimated_fare": fare,
        },
    )


@tool
def list_travel_bookings(ctx: ToolContext) -> dict:
    """The user's hotel, restaurant and taxi bookings, newest first."""
    return {"bookings": common.list_orders(ctx, "travel"), "note": SANDBOX}


@tool(confirm=True)
def cancel_travel_booking(ctx: ToolContext, booking_id: str) -> dict:
    """Cancel a hotel, restaurant or taxi booking.

    Args:
        booking_id: the booking's id
    """
    order = common.get_order(ctx, booking_id, "travel")
    if order.status == "cancelled":
        return common.order_dict(order) | {"already": True}
    return common.set_status(ctx, order, "cancelled")


def build(settings: Settings) -> Service:
    return Service(
        name="travel",
        title="Travel & maps (Beijing)",
        description="Beijing attractions, restaurants, hotels, metro directions; hotel, table and taxi booking. "
        + SANDBOX,
        tools=[
            search_attractions,
            search_restaurants,
            search_hotels,
            place_details,
            metro_route,
            book_hotel,
            book_restaurant,
            book_taxi,
            list_travel_bookings,
            cancel_travel_booking,
        ],
        examples=[
            "找一家故宫附近人均100以内的川菜馆",
            "订今晚7点两个人的位子",
            "叫一辆6点半从酒店出发的车",
            "推荐一个评分高的景点",
            "北京有什么免费的景点",
            "帮我找个有健身房的高档酒店",
            "从天坛怎么坐地铁去颐和园",
            "预订北京贵都大酒店明天入住一晚",
            "天安门附近有什么好吃的烤鸭",
            "帮我叫辆出租车去机场",
            "find a Sichuan restaurant near the Forbidden City under 100 yuan per person",
            "book a table for two at 7 tonight",
            "book a taxi from my hotel at 6:30",
            "which hotels near Tiananmen have wifi",
            "how do I get to the Summer Palace by metro",
            "what attractions are free to visit in Beijing",
            "cancel my hotel booking",
        ],
        tool_keywords={
            "search_restaurants": [
                "餐馆",
                "饭店",
                "餐厅",
                "菜",
                "吃",
                "人均",
                "美食",
                "烤鸭",
                "火锅",
                "restaurant",
                "food",
                "eat",
                "dinner",
                "lunch",
                "cuisine",
            ],
            "book_restaurant": ["订位", "位子", "订座", "座位", "订桌", "book a table", "reserve", "table for"],
            "search_hotels": ["酒店", "宾馆", "住宿", "hotel", "stay"],
            "book_hotel": ["入住", "订酒店", "订房", "住两晚", "住一晚", "住几晚", "book a room", "check in", "nights"],
            "search_attractions": ["景点", "门票", "玩", "游览", "逛", "attraction", "sight", "visit", "museum"],
            "metro_route": ["地铁", "怎么去", "怎么走", "坐车", "metro", "subway", "get to", "get there"],
            "book_taxi": ["出租", "打车", "叫车", "叫一辆", "车", "taxi", "cab", "ride"],
            "place_details": [
                "地址",
                "电话",
                "营业时间",
                "周边",
                "附近有",
                "在哪",
                "详情",
                "address",
                "phone",
                "hours",
                "nearby",
                "where is",
                "details",
            ],
            "list_travel_bookings": ["我的预订", "订单", "my booking", "my reservation"],
            "cancel_travel_booking": ["取消", "退订", "cancel"],
        },
        keywords=[
            "景点",
            "餐馆",
            "饭店",
            "餐厅",
            "酒店",
            "宾馆",
            "地铁",
            "出租",
            "打车",
            "叫车",
            "叫一辆",
            "订位",
            "位子",
            "附近",
            "人均",
            "门票",
            "好吃",
            "菜馆",
            "烤鸭",
            "火锅",
            "restaurant",
            "hotel",
            "metro",
            "taxi",
            "attraction",
            "subway",
            "sightseeing",
            "table for",
            "cab",
        ],
    )
