"""Tickets (sandbox): flights from the τ-bench airline (``data_dir/services/tau_airline``, US
airports; its fifteen bookable days repeat as a weekly-style timetable), trains between
Chinese cities and cinema showtimes in Beijing generated deterministically. Seat inventory
counts every booking made in this sandbox. Bookings are per user, in the project's database.

Rules (stated to the user by ``ticket_rules``):
- trains: refund ≥ 8 days before departure free, ≥ 48 h 5 %, ≥ 24 h 10 %, later 20 %, none after
  departure; one free change to another train on the same route before departure.
- flights (the airline's policy): cancel free within 24 h of booking or in business; otherwise
  (basic) economy is refunded only with travel insurance ($30 per passenger); basic economy
  cannot be changed.
- cinema: refund free until 1 h before the show, none after."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from sqlalchemy import select

from banshi import days
from banshi.agents.tools import FromStep, Planned, Refused, Service, Shown, ToolContext, tool
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.services import common
from banshi.services.common import SANDBOX, load_json, stable_int, stable_unit
from banshi.services.weather import CITIES

RULES = {
    "train": "refund ≥8 days before departure free, ≥48h 5%, ≥24h 10%, later 20%, none after departure; "
    "one free change to another train on the same route before departure",
    "flight": "cancel free within 24h of booking or in business; otherwise (basic) economy refunded only with "
    "travel insurance ($30/passenger); basic economy cannot be changed",
    "cinema": "refund free until 1h before the show, none after",
}
RULES_ZH = {
    "train": "开车前 8 天及以上退票免费，48 小时以上收 5%，24 小时以上收 10%，不足 24 小时收 20%，开车后不能退；"
    "开车前可免费改签一次同线路的其他车次",
    "flight": "订票后 24 小时内或商务舱可免费取消；其他（基础）经济舱只有买了旅行保险（每位乘客 $30）才能退款；"
    "基础经济舱不能改签",
    "cinema": "开场前 1 小时以上可免费退票，之后不能退",
}
KINDS_ZH = {"train": "火车票", "flight": "机票", "cinema": "电影票"}
TRAIN_CLASSES = {"二等座": (0.46, 500), "一等座": (0.74, 80), "商务座": (1.5, 20)}
CINEMAS = [
    "沙盒影城（国贸店）",
    "沙盒影城（中关村店）",
    "沙盒影城（三里屯店）",
    "沙盒影城（望京店）",
    "沙盒影城（西单店）",
]
FILMS = [
    ("星际邮差", "Interstellar Courier", 128),
    ("长安十二时辰外传", "Twelve Hours of Chang'an: Side Story", 115),
    ("熊猫侦探", "Panda Detective", 96),
    ("深海之光", "Light of the Deep", 121),
    ("胡同里的夏天", "Summer in the Hutong", 104),
    ("最后一班地铁", "The Last Metro Train", 110),
]
CABINS = ("basic_economy", "economy", "business")


def _booked(ctx: ToolContext, kind: str, ref: str) -> int:
    """Seats sold in this sandbox for one train/flight/show and class (all users: a shared world)."""
    rows = ctx.db.scalars(
        select(common.ServiceOrder).where(
            common.ServiceOrder.service == "tickets",
            common.ServiceOrder.kind == kind,
            common.ServiceOrder.status == "confirmed",
        )
    )
    return sum(int(o.data.get("quantity", 1)) for o in rows if o.data.get("ref") == ref)


# -- trains -------------------------------------------------------------------------------------


#: a city's Chinese name by its English one ("beijing" → 北京): the timetable names them in Chinese
_ZH_CITY = {
    en: zh
    for en, at in CITIES.items()
    if en.isascii()
    for zh, there in CITIES.items()
    if there == at and not zh.isascii()
}


def _cities_said(text: str) -> list[str]:
    """The cities ``text`` names, in Chinese or English, in the order said, by their Chinese names."""
    low = text.lower()
    found = [(text.find(c), c) for c in CITIES if not c.isascii() and c in text]
    found += [(m.start(), _ZH_CITY[en]) for en in _ZH_CITY for m in re.finditer(rf"\b{re.escape(en)}\b", low)]
    return [c for _, c in sorted(found)]


def _city(name: str) -> tuple[str, tuple[float, float]]:
    key = name.strip().removesuffix("市").removesuffix("站")
    key = _ZH_CITY.get(key.lower(), key)
    if key in CITIES and not key.isascii():
        return key, CITIES[key]
    raise NotFound(f"no trains for {name!r}; cities: {', '.join(k for k in CITIES if not k.isascii())}")


def trains_between(origin: str, destination: str, day: date) -> list[dict[str, Any]]:
    (o, (la1, lo1)), (d, (la2, lo2)) = _city(origin), _city(destination)
    if o == d:
        raise InvalidInput("origin and destination are the same city")
    km = (
        6371
        * math.acos(
            min(
                1,
                math.sin(math.radians(la1)) * math.sin(math.radians(la2))
                + math.cos(math.radians(la1)) * math.cos(math.radians(la2)) * math.cos(math.radians(lo2 - lo1)),
            )
        )
        * 1.2
    )
    minutes = int(km / 250 * 60) + 25
    out = []
    for i in range(6):
        dep = 6 * 60 + 20 + i * 150 + stable_int(o, d, i) % 60
        number = f"G{(stable_int(o, d, 'no', i) % 9000) + 100}"
        start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=dep)
        out.append(
            {
                "train": number,
                "origin": o,
                "destination": d,
                "date": day.isoformat(),
                "depart": start.strftime("%H:%M"),
                "arrive": (start + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M"),
                "duration_min": minutes,
                "prices": {c: round(km * rate) for c, (rate, _) in TRAIN_CLASSES.items()},
            }
        )
    return out


def _train_line(t: dict[str, Any], zh: bool) -> str:
    return f"{t['train']} {t['date']} {t['depart']}→{t['arrive'][-5:]}: " + common.seats(
        t["prices"], t["seats_left"], "¥", zh
    )


def _flight_line(f: dict[str, Any], zh: bool) -> str:
    return f"{f['flight']} {f['date']} {f['depart']}→{f['arrive']}: " + common.seats(
        f["prices"], f["seats_left"], "$", zh
    )


def _show_line(s: dict[str, Any], zh: bool) -> str:
    price, left, sid = common.money(s["price"], "¥"), s["seats_left"], s["showtime_id"]
    if zh:
        return f"{s['start']} {s['cinema']}《{s['film']}》，{price}，余 {left} 座（场次 {sid}）"
    return f"{s['start']} {s['cinema']} {s['film_en']}: {price}, {left} seats left (showtime {sid})"


@tool(say=common.lister("trains", _train_line))
def search_trains(ctx: ToolContext, origin: str, destination: str, date: str) -> dict:
    """High-speed trains between two Chinese cities on a day, with seats left and prices in yuan.

    Args:
        origin: departure city, e.g. 北京
        destination: arrival city, e.g. 上海
        date: travel date, YYYY-MM-DD
    """
    day = common.parse_date(date, ctx)
    trains = trains_between(origin, destination, day)
    for t in trains:
        t["seats_left"] = {c: _seats_left(ctx, t, c) for c in TRAIN_CLASSES}
    return {"trains": trains, "note": SANDBOX}


def _seats_left(ctx: ToolContext, t: dict[str, Any], cls: str) -> int:
    cap = TRAIN_CLASSES[cls][1]
    sold = int(cap * 0.9 * stable_unit(t["train"], t["date"], cls))
    return max(0, cap - sold - _booked(ctx, "train", f"{t['train']}|{t['date']}|{cls}"))


@tool(confirm=True, undo="cancel_ticket", title=("订火车票", "Train ticket"))
def book_train(
    ctx: ToolContext,
    origin: str,
    destination: str,
    date: common.Day,
    train: str,
    seat_class: Literal["二等座", "一等座", "商务座"] = "二等座",
    passengers: int = 1,
) -> dict:
    """Buy train tickets (sandbox).

    Args:
        origin: departure city
        destination: arrival city
        date: travel date, YYYY-MM-DD
        train: the train number from search_trains, e.g. G123
        seat_class: 二等座, 一等座 or 商务座
        passengers: number of tickets (1-5)
    """
    day = common.parse_date(date, ctx)
    t = next((x for x in trains_between(origin, destination, day) if x["train"].lower() == train.strip().lower()), None)
    if t is None:
        raise NotFound(f"no train {train} from {origin} to {destination} on {day}; use search_trains")
    return _book_train(ctx, t, seat_class, passengers)


def _book_train(ctx: ToolContext, t: dict[str, Any], seat_class: str, passengers: int, **extra: Any) -> dict:
    if not 1 <= passengers <= 5:
        raise InvalidInput("passengers must be 1-5")
    depart = datetime.fromisoformat(f"{t['date']} {t['depart']}")
    common.not_past(depart, ctx, "departure")
    if _seats_left(ctx, t, seat_class) < passengers:
        raise Refused(f"{t['train']} {t['date']} {seat_class}: not enough seats left")
    ref = f"{t['train']}|{t['date']}|{seat_class}"
    return common.record_order(
        ctx,
        service="tickets",
        kind="train",
        title=f"{t['train']} {t['origin']}→{t['destination']} {t['date']} {t['depart']} {seat_class}×{passengers}",
        total=t["prices"][seat_class] * passengers,
        data={
            "ref": ref,
            "quantity": passengers,
            "train": t["train"],
            "origin": t["origin"],
            "destination": t["destination"],
            "date": t["date"],
            "depart": t["depart"],
            "seat_class": seat_class,
            "departure": depart.strftime("%Y-%m-%d %H:%M"),
            "rules": RULES["train"],
            **extra,
        },
    )


@tool(confirm=True, title=("改签", "Change a train ticket"))
def change_train(ctx: ToolContext, order_id: common.Record, new_train: str, new_date: common.Day = "") -> dict:
    """Change a train ticket to another train on the same route (once, free, before departure).

    Args:
        order_id: the ticket order's id
        new_train: the new train number
        new_date: the new date, YYYY-MM-DD (default: same day)
    """
    order = common.get_order(ctx, order_id, "tickets", ("train",))
    if order.status != "confirmed":
        raise Refused(f"ticket {order.id} is {order.status}")
    if order.data.get("changed_from"):
        raise Refused("this ticket was already changed once; cancel it and book again instead")
    if datetime.fromisoformat(order.data["departure"]) <= common.local_now(ctx):
        raise Refused("the train has left")
    day = common.parse_date(new_date, ctx) if new_date else date.fromisoformat(order.data["date"])
    t = next(
        (
            x
            for x in trains_between(order.data["origin"], order.data["destination"], day)
            if x["train"].lower() == new_train.strip().lower()
        ),
        None,
    )
    if t is None:
        raise NotFound(f"no train {new_train} on this route on {day}")
    common.set_status(ctx, order, "changed")
    return _book_train(ctx, t, order.data["seat_class"], int(order.data["quantity"]), changed_from=order.id)


# -- flights ------------------------------------------------------------------------------------


def _flights(settings: Settings) -> dict[str, Any]:
    return load_json(settings, "tau_airline", "flights.json")


def _timetable_day(day: date) -> str:
    """The airline data has fifteen bookable days (2024-05-16..30); other dates map onto them."""
    return (date(2024, 5, 16) + timedelta(days=day.toordinal() % 15)).isoformat()


def _say_flights(data: dict[str, Any], zh: bool) -> str:
    """The flights; for a city the sandbox airline does not fly to, which airports it does."""
    if not data.get("unknown"):
        return common.lister("flights", _flight_line)(data, zh)
    codes, unknown = "、".join(data["airports"]), "、".join(data["unknown"])
    if zh:
        return (f"沙盒航空公司只有美国机场之间的直飞航班（{codes}），不飞「{unknown}」。"
                "国内城市之间可以查火车票，比如「明天北京到上海的火车」。")
    return (f"The sandbox airline flies only between US airports ({', '.join(data['airports'])}), "
            f"not {', '.join(data['unknown'])}.")


@tool(say=_say_flights)
def search_flights(ctx: ToolContext, origin: str, destination: str, date: str) -> dict:
    """Direct flights between two US airports (IATA codes like JFK, LAX, SFO) with seats and prices in USD.

    Args:
        origin: departure airport code
        destination: arrival airport code
        date: travel date, YYYY-MM-DD
    """
    day = common.parse_date(date, ctx)
    o, d = origin.strip().upper(), destination.strip().upper()
    src = _timetable_day(day)
    out = []
    for f in _flights(ctx.settings).values():
        if f["origin"] != o or f["destination"] != d:
            continue
        info = f["dates"].get(src, {})
        if info.get("status") != "available":
            continue
        seats = {
            c: max(0, n - _booked(ctx, "flight", f"{f['flight_number']}|{day}|{c}"))
            for c, n in info["available_seats"].items()
        }
        out.append(
            {
                "flight": f["flight_number"],
                "origin": o,
                "destination": d,
                "date": day.isoformat(),
                "depart": f["scheduled_departure_time_est"][:5],
                "arrive": f["scheduled_arrival_time_est"][:5],
                "prices": info["prices"],
                "seats_left": seats,
            }
        )
    airports = sorted({f["origin"] for f in _flights(ctx.settings).values()})
    if not out and (o not in airports or d not in airports):  # 上海: not an airport it flies to
        return {"flights": [], "unknown": [c for c in (o, d) if c not in airports], "airports": airports,
                "note": f"{SANDBOX}; the sandbox airline flies only between these US airports"}
    return {"flights": out, "note": SANDBOX + "; no direct flight means none listed"}


@tool(confirm=True, undo="cancel_ticket", title=("订机票", "Flight ticket"))
def book_flight(
    ctx: ToolContext,
    flight: str,
    date: common.Day,
    cabin: Literal["basic_economy", "economy", "business"] = "economy",
    passengers: int = 1,
    insurance: bool = False,
) -> dict:
    """Book a flight (sandbox).

    Args:
        flight: the flight number from search_flights, e.g. HAT001
        date: travel date, YYYY-MM-DD
        cabin: basic_economy, economy or business
        passengers: number of passengers (1-5)
        insurance: travel insurance, $30 per passenger (allows refunds for health or weather reasons)
    """
    day = common.parse_date(date, ctx)
    f = _flights(ctx.settings).get(flight.strip().upper())
    if f is None:
        raise NotFound(f"no flight {flight}")
    info = f["dates"].get(_timetable_day(day), {})
    if info.get("status") != "available":
        raise Refused(f"{flight} cannot be booked on {day}")
    if not 1 <= passengers <= 5:
        raise InvalidInput("passengers must be 1-5")
    ref = f"{f['flight_number']}|{day}|{cabin}"
    if info["available_seats"][cabin] - _booked(ctx, "flight", ref) < passengers:
        raise Refused(f"{flight} {day} {cabin}: not enough seats")
    depart = datetime.fromisoformat(f"{day} {f['scheduled_departure_time_est'][:5]}")
    common.not_past(depart, ctx, "departure")
    total = info["prices"][cabin] * passengers + (30 * passengers if insurance else 0)
    return common.record_order(
        ctx,
        service="tickets",
        kind="flight",
        title=f"{f['flight_number']} {f['origin']}→{f['destination']} {day} {cabin}×{passengers}",
        total=total,
        data={
            "ref": ref,
            "quantity": passengers,
            "flight": f["flight_number"],
            "origin": f["origin"],
            "destination": f["destination"],
            "date": day.isoformat(),
            "cabin": cabin,
            "insurance": insurance,
            "departure": depart.strftime("%Y-%m-%d %H:%M"),
            "rules": RULES["flight"],
        },
    )


# -- cinema -------------------------------------------------------------------------------------


def showtimes(day: date, cinema: str = "", film: str = "") -> list[dict[str, Any]]:
    out = []
    for c in CINEMAS:
        if cinema and cinema not in c:
            continue
        for zh, en, minutes in FILMS:
            if film and film.lower() not in zh.lower() + " " + en.lower():
                continue
            if stable_unit(c, zh, day.isoformat()) < 0.25:
                continue  # not every cinema shows every film every day
            for k in range(3):
                start = 10 * 60 + k * 240 + (stable_int(c, zh, k) % 8) * 15
                t = datetime.combine(day, datetime.min.time()) + timedelta(minutes=start)
                sid = f"S{stable_int(c, zh, day.isoformat(), k) % 10**8:08d}"
                out.append(
                    {
                        "showtime_id": sid,
                        "cinema": c,
                        "film": zh,
                        "film_en": en,
                        "start": t.strftime("%Y-%m-%d %H:%M"),
                        "minutes": minutes,
                        "price": 45 + (stable_int(c, zh) % 6) * 5,
                    }
                )
    return out


def _show(day: date, showtime_id: str) -> dict[str, Any]:
    s = next((x for x in showtimes(day) if x["showtime_id"] == showtime_id.strip().upper()), None)
    if s is None:
        raise NotFound(f"no showtime {showtime_id} on {day}; use search_showtimes")
    return s


def _showtime_name(value: Any, ctx: ToolContext, arguments: dict[str, Any], zh: bool) -> str | None:
    """The show as a ticket names it: 「《熊猫侦探》2026-12-01 14:15 沙盒影城（国贸店）」."""
    try:
        s = _show(date.fromisoformat(str(arguments.get("date", ""))), str(value))
    except (ValueError, NotFound):
        return None
    return f"《{s['film']}》{s['start']} {s['cinema']}"


#: a write's showtime id, named on its card by film, start and cinema
Showtime = Annotated[str, Shown(_showtime_name)]


def _say_showtimes(data: dict[str, Any], zh: bool) -> str:
    """The showtimes; for a film whose last show that day has begun (or starts too early), the next
    day's; for a film no cinema shows that day, the films that are on instead."""
    listed = common.lister("showtimes", _show_line)
    if data.get("last_start"):
        last, nxt = data["last_start"], data["next_day"]
        if zh:
            head = f"{data['date']}《{data['film']}》最晚一场 {last[11:]} 开场，之后没有场次了。{nxt['date']} 的场次："
        else:
            head = f'The last show of "{data["film_en"]}" on {data["date"]} starts at {last[11:]}; none after. '
            head += f"On {nxt['date']}:"
        return head + "\n" + listed(nxt, zh)
    if data.get("showtimes") or not data.get("films_showing"):
        return listed(data, zh)
    if zh:
        on = "、".join(f"《{f}》" for f, _ in data["films_showing"])
        return f"{data['date']} 没有「{data['film']}」的场次（沙盒影院只放映虚构影片）。这天在映：{on}。"
    on = ", ".join(en for _, en in data["films_showing"])
    return (
        f"No showtimes of \"{data['film']}\" on {data['date']} (the sandbox cinemas show fictional films). "
        f"On that day: {on}."
    )


def _coming(ctx: ToolContext, day: date, cinema: str, film: str, earliest: str) -> list[dict[str, Any]]:
    """The day's shows starting at ``earliest`` (YYYY-MM-DD HH:MM) or later, first first, with seats left."""
    shows = sorted((s for s in showtimes(day, cinema, film) if s["start"] >= earliest), key=lambda x: x["start"])
    for s in shows:
        s["seats_left"] = 120 - int(60 * stable_unit(s["showtime_id"])) - _booked(ctx, "cinema", s["showtime_id"])
    return shows


@tool(say=_say_showtimes)
def search_showtimes(ctx: ToolContext, date: str = "", film: str = "", cinema: str = "", after: str = "") -> dict:
    """Cinema showtimes in Beijing on a day, with prices in yuan and seats left; those that have
    begun are not listed.

    Args:
        date: the day, YYYY-MM-DD (default today)
        film: part of the film's title (Chinese or English)
        cinema: part of the cinema's name
        after: only shows starting at or after this time, HH:MM (e.g. 18:00 for tonight)
    """
    day = common.parse_date(date, ctx) if date else common.local_now(ctx).date()
    if after and not re.fullmatch(r"\d{1,2}:\d{2}", after.strip()):
        raise InvalidInput(f"after: {after!r} is not a time; use HH:MM")
    now = f"{common.local_now(ctx):%Y-%m-%d %H:%M}"
    shows = _coming(ctx, day, cinema, film, max(now, f"{day} {after.strip().zfill(5)}" if after else ""))
    out = {"showtimes": shows[:20], "count": len(shows), "note": SANDBOX + " (fictional cinemas and films)"}
    if film and not shows:
        if played := showtimes(day, cinema, film):  # on that day, but too early: the next day's shows
            last = max(played, key=lambda s: s["start"])
            later = day + timedelta(days=1)
            nxt = _coming(ctx, later, cinema, film, now)
            next_day = {"date": later.isoformat(), "showtimes": nxt[:20], "count": len(nxt)}
            named = {"film": last["film"], "film_en": last["film_en"], "date": str(day)}
            return out | named | {"last_start": last["start"], "next_day": next_day}
        on = {(s["film"], s["film_en"]): None for s in showtimes(day, cinema)}  # a film not on: what is
        out |= {"film": film, "date": day.isoformat(), "films_showing": list(on)}
    return out


@tool(confirm=True, undo="cancel_ticket", title=("订电影票", "Cinema ticket"))
def book_cinema(ctx: ToolContext, showtime_id: Showtime, date: common.Day, tickets: int = 1) -> dict:
    """Buy cinema tickets (sandbox); seats are assigned together.

    Args:
        showtime_id: the showtime's id from search_showtimes
        date: the show's day, YYYY-MM-DD
        tickets: how many (1-8)
    """
    day = common.parse_date(date, ctx)
    s = _show(day, showtime_id)
    if not 1 <= tickets <= 8:
        raise InvalidInput("tickets must be 1-8")
    start = datetime.fromisoformat(s["start"])
    common.not_past(start, ctx, "show")
    sold = int(60 * stable_unit(s["showtime_id"])) + _booked(ctx, "cinema", s["showtime_id"])
    if 120 - sold < tickets:
        raise Refused("not enough seats left")
    row, first = 1 + sold // 12, 1 + sold % 12
    seats = [f"{row + (first + i - 1) // 12}排{(first + i - 1) % 12 + 1}座" for i in range(tickets)]
    return common.record_order(
        ctx,
        service="tickets",
        kind="cinema",
        title=f"{s['film']} {s['cinema']} {s['start']} ×{tickets}",
        total=s["price"] * tickets,
        data={
            "ref": s["showtime_id"],
            "quantity": tickets,
            "film": s["film"],
            "cinema": s["cinema"],
            "departure": s["start"],
            "seats": seats,
            "rules": RULES["cinema"],
        },
    )


# -- shared ---------------------------------------------------------------------------------------


@tool(say=common.say_orders)
def list_tickets(ctx: ToolContext) -> dict:
    """The user's train, flight and cinema tickets, newest first."""
    return {"tickets": common.list_orders(ctx, "tickets"), "note": SANDBOX}


def say_rules(data: dict[str, Any], zh: bool) -> str:
    """The rules asked for, one line per kind of ticket, in the user's language."""
    return "\n".join(
        f"- {KINDS_ZH[k]}：{v['zh']}。" if zh else f"- {k.capitalize()} tickets: {v['en']}." for k, v in data.items()
    )


@tool(say=say_rules)
def ticket_rules(ctx: ToolContext, kind: Literal["train", "flight", "cinema", ""] = "") -> dict:
    """The refund and change rules for trains, flights and cinema tickets.

    Args:
        kind: one kind of ticket, or empty for all three
    """
    return {k: {"en": RULES[k], "zh": RULES_ZH[k]} for k in RULES if kind in ("", k)}


def refund_for(ctx: ToolContext, order: common.ServiceOrder) -> float:
    """How much a cancellation refunds under the rules, or Refused."""
    now = common.local_now(ctx)
    start = datetime.fromisoformat(order.data["departure"])
    if start <= now:
        raise Refused("it has already departed/started: no refund")
    left = start - now
    if order.kind == "train":
        rate = (
            0
            if left >= timedelta(days=8)
            else 0.05
            if left >= timedelta(hours=48)
            else (0.10 if left >= timedelta(hours=24) else 0.20)
        )
        return round(order.total * (1 - rate), 2)
    if order.kind == "cinema":
        if left < timedelta(hours=1):
            raise Refused("cinema tickets cannot be refunded within 1 hour of the show")
        return order.total
    booked_recently = ctx.clock() - order.created_at <= timedelta(hours=24)
    if booked_recently or order.data.get("cabin") == "business" or order.data.get("insurance"):
        return order.total
    raise Refused("(basic) economy without travel insurance can only be cancelled within 24 hours of booking")


@tool(confirm=True, title=("退票", "Cancel a ticket"))
def cancel_ticket(ctx: ToolContext, order_id: common.Record) -> dict:
    """Cancel a train, flight or cinema ticket and get the refund the rules allow.

    Args:
        order_id: the ticket order's id
    """
    order = common.get_order(ctx, order_id, "tickets")
    if order.status == "cancelled":
        return common.order_dict(order) | {"already": True}
    if order.status != "confirmed":
        raise Refused(f"ticket {order.id} is {order.status}")
    refund = refund_for(ctx, order)
    return common.set_status(ctx, order, "cancelled", refund=refund, fee=round(order.total - refund, 2))


_COUNT = re.compile(
    r"(\d|[一两二三四五六七八])\s*张|(\d|two|three|four|five)\s+(?:[\w-]+\s+){0,3}?tickets?"
    r"|for (\d|two|three) (?:people|passengers)",
    re.I,
)
_RULES_ASKED = re.compile(r"规则|规定|手续费|怎么算|怎么退|能退多少|\brules?\b|\bpolicy\b|\bfees?\b|how much .*refund")
_KIND_WORDS = {
    "train": r"火车|高铁|动车|列车|train",
    "flight": r"机票|航班|飞机|flight",
    "cinema": r"电影|影院|cinema|movie",
}
_FIRST = r"最早|第一|头一|first|earliest|\bany\b"
_BUY = r"订|买|购|book|buy|reserve"
_CLASS = {
    "first-class": "一等座",
    "first class": "一等座",
    "second-class": "二等座",
    "second class": "二等座",
    "business": "商务座",
}


#: the user's own tickets: 「我的火车票是几点的？」, 「退掉这张票」, "cancel my ticket"
_MINE = re.compile(
    r"我的\S{0,4}票|我订的\S{0,4}票|[这那]张票|刚才\S{0,4}票|\bmy (?:\w+ )?tickets?\b|\bthis ticket\b", re.I
)


def _count(text: str) -> int | None:
    m = _COUNT.search(text)
    if not m:
        return None
    x = next(g for g in m.groups() if g).lower()
    return common.count(x)


def read_request(settings: Settings, text: str, history: list[str]) -> list[Planned]:
    """Ticket calls a request clearly asks for (no model): trains between two named cities on
    a day, flights between two airport codes, a film's showtimes; and "book the first / any
    one" as a booking fed by that search's first result, which the user still confirms."""
    low = text.lower()
    day = days.DAY.search(text)
    date_ = {"date": day.group(0)} if day else {}
    buy_first = bool(re.search(_BUY, low) and re.search(_FIRST, low))
    n = _count(text)
    kinds = [k for k, words in _KIND_WORDS.items() if re.search(words, low)]
    if _RULES_ASKED.search(low) and (kinds or re.search(r"票|退|改签|ticket|refund", low)) and not re.search(_BUY, low):
        return [Planned("ticket_rules", {"kind": kinds[0]} if len(kinds) == 1 else {})]
    if _MINE.search(low) and not common.RECORD_ID.search(low):  # the user's own: the latest first
        refund = re.search(r"退|取消|cancel|refund", low)
        return common.on_latest("list_tickets", "tickets", "cancel_ticket" if refund else "")
    if re.search(_KIND_WORDS["train"], low):
        found = _cities_said(text)
        if len(found) < 2 or not day:
            return []
        ends = {"origin": found[0], "destination": found[1]}
        plans = [Planned("search_trains", ends | date_)]
        if buy_first:
            seat = next((v for k, v in _CLASS.items() if k in low), None) or next(
                (c for c in TRAIN_CLASSES if c in text), "二等座"
            )
            args = ends | date_ | {"train": FromStep(0, "trains.0.train"), "seat_class": seat}
            plans.append(Planned("book_train", args | ({"passengers": n} if n else {})))
        return plans
    codes = re.findall(r"\b[A-Z]{3}\b", text)
    if len(codes) >= 2 and re.search(r"flight|航班|机票|飞", low) and day:
        plans = [Planned("search_flights", {"origin": codes[0], "destination": codes[1]} | date_)]
        if buy_first:
            cabin = next((c for c in sorted(CABINS, key=len, reverse=True) if c.replace("_", " ") in low), "economy")
            args = {"flight": FromStep(0, "flights.0.flight"), "cabin": cabin} | date_
            plans.append(Planned("book_flight", args | ({"passengers": n} if n else {})))
        return plans
    film = next((zh for zh, en, _ in FILMS if zh in text or en.lower() in low), None)
    evening = {"after": "18:00"} if re.search(r"今晚|晚上|tonight|this evening", low) else {}
    if not film and re.search(r"看电影|看场电影|电影院|影院|\b(?:a movie|a film|the cinema|the movies)\b", low):
        return [Planned("search_showtimes", date_ | evening)]  # 「今晚想看电影」: what is on
    if film and re.search(r"场|电影|票|showtime|movie|cinema|film|ticket", low):
        plans = [Planned("search_showtimes", {"film": film} | date_ | evening)]
        if buy_first and day:
            args = {"showtime_id": FromStep(0, "showtimes.0.showtime_id"), "date": day.group(0), "tickets": n or 1}
            plans.append(Planned("book_cinema", args))
        return plans
    return []


def build(settings: Settings) -> Service:
    return Service(
        plan=lambda text, history: read_request(settings, text, history),
        name="tickets",
        title="Tickets: trains, flights, cinema",
        description="Search and book train, flight and cinema tickets; change, cancel, refund under stated rules. "
        + SANDBOX,
        tools=[
            search_trains,
            book_train,
            change_train,
            search_flights,
            book_flight,
            search_showtimes,
            book_cinema,
            list_tickets,
            ticket_rules,
            cancel_ticket,
        ],
        examples=[
            "帮我买一张明天北京到上海的高铁票",
            "查一下周五去杭州的火车",
            "订两张今晚的电影票",
            "熊猫侦探几点有场次",
            "退掉我的火车票",
            "改签到下午那班",
            "查一下JFK到LAX的航班",
            "book a train from Beijing to Shanghai tomorrow",
            "flights from JFK to LAX on Friday",
            "two movie tickets for tonight",
            "cancel my train ticket",
            "what are the refund rules",
        ],
        tool_keywords={
            "search_trains": ["火车", "高铁", "动车", "列车", "train"],
            "book_train": ["火车票", "高铁票", "动车票", "二等座", "一等座", "商务座", "train ticket"],
            "change_train": ["改签", "change"],
            "search_flights": ["航班", "机票", "飞机", "flight", "fly"],
            "book_flight": ["机票", "订航班", "economy", "business", "book the flight", "book a flight"],
            "search_showtimes": ["电影", "场次", "影院", "movie", "film", "cinema", "showtime"],
            "book_cinema": ["电影票", "张票", "movie ticket", "tickets for"],
            "list_tickets": ["我的票", "my tickets"],
            "ticket_rules": ["规则", "手续费", "怎么算", "rules", "fee", "policy"],
            "cancel_ticket": ["退票", "退掉", "取消", "refund", "cancel"],
        },
        keywords=[
            "火车",
            "高铁",
            "动车",
            "车票",
            "机票",
            "航班",
            "飞机",
            "电影",
            "影院",
            "场次",
            "改签",
            "退票",
            "火车票",
            "电影票",
            "高铁票",
            "train",
            "flight",
            "movie",
            "cinema",
            "ticket",
            "showtime",
            "airline",
        ],
    )
