"""What the built-in sandbox services share: reading the shared data at run time, deterministic
numbers, times, and the per-user, idempotent order records."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from sqlalchemy import select

from banshi import days
from banshi.agents.tools import Fixed, FromStep, Planned, Refused, Shown, ToolContext
from banshi.errors import InvalidInput, NotFound
from banshi.numbers import english_number, zh_number
from banshi.services.tables import OfficeItem, Reminder, ServiceOrder
from banshi.store.tables import utcnow

SANDBOX = "sandbox: simulated service, nothing real is booked, bought or paid"


class DataMissing(NotFound):
    code = "data_missing"
    status = 503


def data_file(settings: Any, *parts: str) -> Path:
    path = Path(settings.data_dir, "services", *parts)
    if not path.exists():
        raise DataMissing(f"the service data {path} is not installed (set BANSHI_DATA_DIR)")
    return path


@lru_cache(maxsize=16)
def _load_json(path: str, mtime: float) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_json(settings: Any, *parts: str) -> Any:
    """The parsed file, cached per path (and re-read when it changes)."""
    path = data_file(settings, *parts)
    return _load_json(str(path), path.stat().st_mtime)


def stable_int(*parts: Any) -> int:
    """A deterministic integer from ``parts`` (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "big")


def stable_unit(*parts: Any) -> float:
    """A deterministic float in [0, 1)."""
    return stable_int(*parts) / 2**64


# -- time ---------------------------------------------------------------------------------------


def local_now(ctx: ToolContext) -> datetime:
    """The user's wall-clock time (the server's zone), naive."""
    return ctx.clock().replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    return local.astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")


def parse_when(text: str, ctx: ToolContext, *, field: str = "time") -> datetime:
    """A local date-time from ``YYYY-MM-DD HH:MM``, ``YYYY-MM-DDTHH:MM``, ``HH:MM`` (today, or
    tomorrow when already past) or ``YYYY-MM-DD`` (09:00)."""
    s = str(text).strip().replace("T", " ").replace("/", "-")
    now = local_now(ctx)
    m = _TIME.match(s)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise InvalidInput(f"{field}: {text!r} is not a time of day")
        when = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return when if when >= now - timedelta(minutes=1) else when + timedelta(days=1)
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            when = datetime.strptime(s[:19] if fmt.endswith("%S") else s, fmt)
            return when.replace(hour=9) if fmt == "%Y-%m-%d" else when
        except ValueError:
            continue
    spoken = spoken_time(s, now)
    if spoken is not None:
        return spoken
    raise InvalidInput(f"{field}: {text!r} is not a date-time; use 'YYYY-MM-DD HH:MM' or 'HH:MM'")


_PM = ("下午", "晚上", "今晚", "明晚", "傍晚", "晚", "pm", "tonight", "evening")
#: minutes after 点, not a count that follows the time ("7点4个人" is 7:00 for four)
_MINUTES = r"\d{1,2}(?!\d|\s*[个位人张间晚天号份])\s*分?"
_CLOCK = re.compile(
    r"(\d{1,2}|[一两二三四五六七八九十]{1,3})\s*(?:[:：](\d{2})|点\s*(半|一刻|三刻|" + _MINUTES + r")?"
    r"|\s*(am|pm|o'clock))",
    re.I,
)


def count(said: str) -> int:
    """The whole number ``said`` in digits or words (3, 三, 十二, three, "a"), 0 when it is none."""
    said = said.strip().lower()
    if said.isdigit():
        return int(said)
    if said in ("a", "an"):
        return 1
    return zh_number(said) or english_number(said.split()) or 0


def spoken_time(text: str, now: datetime) -> datetime | None:
    """A date-time from the way people say it: "明晚7点", "今天下午3点半", "6点半", "tomorrow 7pm",
    "8:15". No day: today, or tomorrow when that time has passed. None when no clock time."""
    low = text.lower()
    m = _CLOCK.search(low)
    if not m:
        return None
    hour = count(m.group(1))
    rest = m.group(3) or ""
    minute = (
        int(m.group(2)) if m.group(2) else 30 if rest == "半" else 15 if rest == "一刻" else 45 if rest == "三刻" else 0
    )
    if rest and rest[0].isdigit():
        minute = int(re.match(r"\d+", rest).group(0))  # type: ignore[union-attr]
    marked = any(w in low for w in _PM + ("上午", "早上", "早", "am", "morning")) or bool(m.group(4))
    if (any(w in low for w in _PM) or m.group(4) == "pm") and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    day = days.spoken_day(low, now.date())
    when = datetime.combine(day or now.date(), now.time()).replace(hour=hour, minute=minute, second=0, microsecond=0)
    if day is None and when < now - timedelta(minutes=1):
        # "6点半" said in the afternoon: this evening, not tomorrow morning
        later = when + timedelta(hours=12)
        when = later if not marked and hour < 12 and later >= now else when + timedelta(days=1)
    return when


def spoken_clock(text: str) -> str:
    """The words that say when ("明晚7点", "6点半", "tomorrow 7pm"), as said: the tool reads them
    against its own clock (``common.spoken_time``)."""
    m = re.search(
        r"(?:今天|今晚|明天|明晚|后天|今早|明早|tomorrow|tonight|today)?\s*(?:上午|下午|晚上|早上|中午|傍晚)?\s*"
        r"(?:\d{1,2}|[一两二三四五六七八九十]{1,3})\s*(?:[:：]\d{2}|点\s*(?:半|一刻|三刻|" + _MINUTES + r")?"
        r"|\s*(?:am|pm))",
        text,
        re.I,
    )
    if not m or not re.search(r"\d|点", m.group(0)):
        return ""
    said = m.group(0).strip()
    if not days.DAY.search(said):  # "明天……从A到B……6点半", "on 2026-12-01 at 09:15"
        day = days.DAY.search(text)
        if day:
            said = f"{day.group(0)} {said}"
    return said


def parse_date(text: str, ctx: ToolContext, *, field: str = "date") -> date:
    s = str(text).strip().replace("/", "-")
    low = s.lower()
    today = local_now(ctx).date()
    if low == "day after tomorrow":
        return today + timedelta(days=2)
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        pass
    said = days.spoken_day(low, today)
    if said is None:
        raise InvalidInput(f"{field}: {text!r} is not a date; use YYYY-MM-DD")
    return said


#: a write's date-time, fixed when proposed: "明天早上8点" → "2026-12-01 08:00"
Moment = Annotated[str, Fixed(lambda v, ctx, name: parse_when(v, ctx, field=name).strftime("%Y-%m-%d %H:%M"))]
#: a write's day, fixed when proposed: "明天" → "2026-12-01"
Day = Annotated[str, Fixed(lambda v, ctx, name: parse_date(v, ctx, field=name).isoformat())]


def not_past(when: datetime, ctx: ToolContext, field: str = "time") -> None:
    if when < local_now(ctx) - timedelta(minutes=1):
        raise Refused(f"{field} {when:%Y-%m-%d %H:%M} is in the past (now {local_now(ctx):%Y-%m-%d %H:%M})")


# -- orders -------------------------------------------------------------------------------------


def order_dict(o: ServiceOrder) -> dict[str, Any]:
    return {
        "id": o.id,
        "service": o.service,
        "kind": o.kind,
        "status": o.status,
        "title": o.title,
        "total": round(o.total, 2),
        **o.data,
        "created_at": o.created_at.isoformat() + "Z",
        "note": SANDBOX,
    }


def existing(ctx: ToolContext, model: Any) -> Any:
    """The row an earlier call with this idempotency key made, if any."""
    if not ctx.idempotency_key:
        return None
    return ctx.db.scalar(select(model).where(model.user_id == ctx.user_id, model.idem_key == ctx.idempotency_key))


def record_order(
    ctx: ToolContext,
    *,
    service: str,
    kind: str,
    title: str,
    total: float,
    data: dict[str, Any],
    status: str = "confirmed",
) -> dict[str, Any]:
    """Store a new order, or return the one this idempotency key already made."""
    if not ctx.idempotency_key:
        raise InvalidInput("a write needs an idempotency key")
    prior = existing(ctx, ServiceOrder)
    if prior is not None:
        return order_dict(prior) | {"replayed": True}
    order = ServiceOrder(
        user_id=ctx.user_id,
        service=service,
        kind=kind,
        title=title,
        total=round(total, 2),
        data=data,
        status=status,
        idem_key=ctx.idempotency_key,
        created_at=ctx.clock(),
        updated_at=ctx.clock(),
    )
    ctx.db.add(order)
    ctx.db.flush()
    return order_dict(order)


def get_order(ctx: ToolContext, order_id: str, service: str, kinds: tuple[str, ...] = ()) -> ServiceOrder:
    """The user's order, or NotFound — also for another user's id."""
    order = ctx.db.get(ServiceOrder, str(order_id).strip())
    if order is None or order.user_id != ctx.user_id or order.service != service or (kinds and order.kind not in kinds):
        raise NotFound(f"no {service} order/booking with id {order_id!r} for this user")
    return order


def list_orders(ctx: ToolContext, service: str, kinds: tuple[str, ...] = (), limit: int = 20) -> list[dict]:
    q = select(ServiceOrder).where(ServiceOrder.user_id == ctx.user_id, ServiceOrder.service == service)
    if kinds:
        q = q.where(ServiceOrder.kind.in_(kinds))
    return [order_dict(o) for o in ctx.db.scalars(q.order_by(ServiceOrder.created_at.desc()).limit(limit))]


def set_status(ctx: ToolContext, order: ServiceOrder, status: str, **data: Any) -> dict[str, Any]:
    order.status = status
    order.data = {**order.data, **data}
    order.updated_at = ctx.clock()
    ctx.db.flush()
    return order_dict(order)


def now_utc() -> datetime:
    return utcnow()


# -- answers written from the data (``Tool.say``) ----------------------------------------------

#: order and booking statuses in Chinese (the English reply keeps the status word itself)
STATUS_ZH = {
    "confirmed": "已确认",
    "accepted": "商家已接单",
    "preparing": "制作中",
    "delivering": "配送中",
    "delivered": "已送达",
    "pending": "待处理，尚未发货",
    "processed": "已处理，待发货",
    "cancelled": "已取消",
    "changed": "已改签",
    "return requested": "已申请退货",
    "exchange requested": "已申请换货",
}
#: the facts of an order's data worth stating, in this order: key -> (Chinese label, English label)
_ORDER_FACTS = {
    "time": ("时间", "time"),
    "departure": ("出发", "departure"),
    "check_in": ("入住", "check-in"),
    "nights": ("晚数", "nights"),
    "people": ("人数", "people"),
    "quantity": ("数量", "quantity"),
    "seat_class": ("座位", "seat"),
    "cabin": ("舱位", "cabin"),
    "origin": ("出发地", "from"),
    "destination": ("目的地", "to"),
    "address": ("地址", "address"),
    "refund": ("退款", "refund"),
}


def money(value: Any, currency: str) -> str:
    """``¥15`` / ``$54.04``: a price as the data gives it, never rounded into another number."""
    return f"{currency}{float(value):g}" if isinstance(value, int | float) else str(value)


def currency_of(order: dict[str, Any]) -> str:
    """The shop (tau-retail) and flights (tau-airline) price in USD; everything else in yuan."""
    return "$" if order.get("service") == "shopping" or order.get("kind") == "flight" else "¥"


def _local_clock(iso_utc: str) -> str:
    """``HH:MM`` local time of a UTC ISO timestamp (an ETA)."""
    try:
        return to_local(datetime.fromisoformat(iso_utc.rstrip("Z")).replace(tzinfo=None)).strftime("%H:%M")
    except ValueError:
        return iso_utc


def say_order(order: dict[str, Any], zh: bool) -> str:
    """One order or booking as a reply: id, what, status, total and its main facts."""
    cur, status = currency_of(order), str(order.get("status", ""))
    total = money(order.get("total"), cur)
    facts = [
        (zh_label if zh else en_label, money(order[k], cur) if k == "refund" else order[k])
        for k, (zh_label, en_label) in _ORDER_FACTS.items()
        if order.get(k) not in (None, "", [])
    ]
    if zh:
        word = STATUS_ZH.get(status, status)
        text = f"订单 {order.get('id')}（{order.get('title')}）：状态 {word}（{status}），合计 {total}"
        text += "".join(f"，{label} {value}" for label, value in facts)
        if order.get("eta_utc"):
            text += f"，预计 {_local_clock(order['eta_utc'])} 送达"
        return text + "。"
    text = f"Order {order.get('id')} ({order.get('title')}): status {status}, total {total}"
    text += "".join(f", {label} {value}" for label, value in facts)
    if order.get("eta_utc"):
        text += f", expected by {_local_clock(order['eta_utc'])}"
    return text + "."


def say_orders(data: dict[str, Any], zh: bool) -> str:
    """A list of orders (``{"orders": [...]}`` or ``{"tickets": [...]}``), newest first."""
    orders = next((v for v in data.values() if isinstance(v, list)), [])
    if not orders:
        return "没有找到订单。" if zh else "No orders found."
    head = f"共 {len(orders)} 个订单：" if zh else f"{len(orders)} order(s):"
    return "\n".join([head, *(f"- {say_order(o, zh)}" for o in orders[:10])])


#: a record's id quoted in a request (an order, a ticket): then it is that record, not the latest
RECORD_ID = re.compile(r"[0-9a-f]{8,}")


def on_latest(lister: str, key: str, then: str = "") -> list[Planned]:
    """The user's newest record, found by ``lister`` (rows under ``key``, newest first), and
    ``then`` done to it by its id (``order_id``): 「我的外卖到哪了？」, 「退掉这张票」."""
    found = [Planned(lister, {})]
    return found + ([Planned(then, {"order_id": FromStep(0, f"{key}.0.id")})] if then else [])


def _own_record(db: Any, user_id: str, record_id: str) -> ServiceOrder | OfficeItem | Reminder | None:
    """This user's order, booking, office item or reminder with that id (medication reminders too)."""
    for table in (ServiceOrder, OfficeItem, Reminder):
        row = db.get(table, record_id)
        if row is not None and row.user_id == user_id:
            return row
    return None


def owner_service(db: Any, user_id: str, record_id: str) -> str | None:
    """The built-in service that holds this user's record (an order, a booking, an office item,
    a reminder): a request quoting an id names its service even without the service's words."""
    row = _own_record(db, user_id, record_id)
    if row is None:
        return None
    return row.service if isinstance(row, ServiceOrder) else "office"


def _record_name(value: Any, ctx: ToolContext, arguments: dict[str, Any], zh: bool) -> str | None:
    row = _own_record(ctx.db, ctx.user_id, str(value).strip())
    return None if row is None else (row.text if isinstance(row, Reminder) else row.title) or None


def every(minutes: int, zh: bool) -> str:
    """A repeat said in words: 1440 → 每天 / every day, 480 → 每 8 小时 / every 8 hours."""
    named = {1440: ("每天", "every day"), 10080: ("每周", "every week"), 60: ("每小时", "every hour")}
    if minutes in named:
        return named[minutes][0 if zh else 1]
    if minutes % 1440 == 0:
        return f"每 {minutes // 1440} 天" if zh else f"every {minutes // 1440} days"
    if minutes % 60 == 0:
        return f"每 {minutes // 60} 小时" if zh else f"every {minutes // 60} hours"
    return f"每 {minutes} 分钟" if zh else f"every {minutes} minutes"


#: a write's repeat in minutes, said on its card in words (每天, every 8 hours)
Repeat = Annotated[int, Shown(lambda v, ctx, arguments, zh: every(int(v), zh))]
#: the same in hours
RepeatHours = Annotated[int, Shown(lambda v, ctx, arguments, zh: every(int(v) * 60, zh))]


#: a write's id of one of the user's records (an order, a booking, a to-do, a reminder): its card
#: names the record by its title (「取消外卖订单：订单：渝信川菜: 宫保鸡丁×1」)
Record = Annotated[str, Shown(_record_name)]


def lister(key: str, line: Any, limit: int = 5) -> Any:
    """A ``Tool.say`` for a result listing rows under ``key``: a count (the result's ``count`` when
    it matched more than it returned), then the first ``limit`` rows each written by ``line(row, zh)``."""

    def say(data: dict[str, Any], zh: bool) -> str:
        rows = data.get(key) or []
        if not rows:
            return "没有找到符合条件的结果。" if zh else "Nothing found."
        total = max(len(rows), data.get("count") or 0)  # a search may return fewer than it matched
        shown = min(limit, len(rows))
        more = total > shown
        head = (
            f"共 {total} 个结果" + (f"，前 {shown} 个" if more else "") + "："
            if zh
            else (f"{total} found" + (f", the first {shown}" if more else "") + ":")
        )
        return "\n".join([head, *(f"- {line(r, zh)}" for r in rows[:limit])])

    return say


def seats(prices: dict[str, Any], left: dict[str, Any], currency: str, zh: bool) -> str:
    """Each class's price and seats left: ``二等座 ¥589（余 66）``."""
    return ("、" if zh else ", ").join(
        f"{c} {money(p, currency)}" + (f"（余 {left.get(c)}）" if zh else f" ({left.get(c)} left)")
        for c, p in prices.items()
    )


# -- what memory says of the people the user told of ------------------------------------------------
# (``known``: the recall's lines, 「- 朵朵是用户的女儿」, "- Emma is the user's daughter", and the
# conversation's turns, 「我女儿叫朵朵」)

#: the user, as memory and the user name them
SELF = ("我", "用户", "你", "user", "my", "i")
_KIN = re.compile(r"^(?:用户的|你的|我的|我|my |the user's |your )", re.I)


def same_person(a: str, b: str, known: str) -> bool:
    """Whether ``a`` and ``b`` name one person: 「朵朵」 and 「我女儿」 when ``known`` says 「朵朵是用户的
    女儿」 or 「我女儿叫朵朵」; "Emma" and "my daughter" when it says "Emma is the user's daughter"."""
    a, b = _KIN.sub("", a) or a, _KIN.sub("", b) or b
    if a.lower() == b.lower():
        return True
    for x, y in ((re.escape(a), re.escape(b)), (re.escape(b), re.escape(a))):
        if re.search(f"{x}是(?:用户|你|我)的{y}|{y}(?:叫|名叫|是){x}|\\b{x} is (?:the user's|your|my) {y}\\b"
                     f"|\\bmy {y},? (?:is called |is named |named )?{x}\\b", known, re.I):
            return True
    return False


def named_in(person: str, text: str, known: str) -> bool:
    """Whether ``text`` names ``person``: by name, or by the relation ``known`` holds of them
    (「给老婆点…」 names 小红 when it says 「小红是用户的老婆」)."""
    if person.lower() in text.lower():
        return True
    p = re.escape(person)
    held = re.findall(f"{p}是(?:用户|你|我)的([\\u4e00-\\u9fff]{{1,4}})|我的?([\\u4e00-\\u9fff]{{1,4}}?)(?:叫|名叫){p}"
                      f"|\\b{p} is (?:the user's|your|my) (\\w+)|\\bmy (\\w+),? (?:is called |is named |named )?{p}\\b",
                      known, re.I)
    return any(r and r.lower() in text.lower() for found in held for r in found)


#: a birthday as memory states it: 「朵朵生日：1月8日」, 「用户的生日是3月14日」, "Emma's birthday: March 14"
_BIRTHDAY_KNOWN = re.compile(r"([^\s：:，,。；;-]{1,12}?)的?生日(?:：|是)\s*([^，,。；;\n]+)"
                             r"|([A-Z][a-z]+)'s birthday(?::| is) ([^,.;\n]+)")


def _in_year(day: date, year: int) -> date:
    """``day``'s month and day in ``year`` (29 February: 1 March when it has none)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def remembered_day(text: str, known: str, today: date) -> tuple[date, str] | None:
    """The day ``text`` names by someone's birthday, as ``known`` holds it, and the words that
    said it: 「朵朵生日前一天」 with 「朵朵生日：1月8日」 is 1月7日 (the coming one); "the day before
    Emma's birthday", "on my birthday"."""
    born = {}
    for m in _BIRTHDAY_KNOWN.finditer(known):
        who, said = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        day = days.spoken_day(said, today)
        if day is not None:  # the coming birthday, whatever year was said (1990年5月3日: the birth's)
            coming = _in_year(day, today.year)
            born["user" if who.lower() in SELF else who] = coming if coming >= today else _in_year(day, today.year + 1)

    def of(who: str) -> date | None:
        if who.lower() in SELF:
            return born.get("user")
        return next((d for p, d in born.items() if p != "user" and same_person(p, who, known)), None)

    for m in days.BY_BIRTHDAY_ZH.finditer(text):
        for start in range(m.start() - 1, max(-1, m.start() - 7), -1):  # the name before 生日: 我, 朵朵, 我女儿
            who = text[start:m.start()]
            if (len(who) > 1 or who == "我") and (day := of(who)) is not None:
                return day - timedelta(days=count(m.group(1) or "0") or 0), text[start:m.end()]
    for m in days.BY_BIRTHDAY_EN.finditer(text):
        if (day := of(re.sub(r"'s$", "", m.group(2)))) is not None:
            back = count(m.group(1)) if m.group(1) else 1 if m.group(0).lower().startswith("the day before") else 0
            return day - timedelta(days=back or 0), m.group(0)
    return None
