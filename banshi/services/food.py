"""Food delivery (sandbox): the Beijing restaurants' recommended dishes as menus, with prices
derived deterministically from each restaurant's price per person; a cart per user, orders,
delivery status that advances with time, cancellation until the food is on its way."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from banshi.agents.tools import Planned, Refused, Service, ToolContext, tool
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.services import common
from banshi.services.common import SANDBOX, stable_unit
from banshi.services.tables import Cart
from banshi.services.travel import CUISINES, find_place, records, say_places, search

DELIVERY_FEE = 5.0
#: minutes after ordering at which the order reaches each status
STAGES = [(0, "accepted"), (3, "preparing"), (15, "delivering"), (35, "delivered")]


#: a drink, a dessert, a staple: a small part of a meal's price (a pudding had cost ¥458 at a ¥562 place)
_SMALL = re.compile(r"汁|茶|咖啡|奶昔|可乐|饮|酸奶|豆浆|布丁|冰淇淋|冰激凌|雪糕|甜筒|米饭|馒头|面包|蛋挞|泡芙"
                    r"|小蛋糕|杯子蛋糕|烧饼|油条|包子|粥")


def menu_for(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Dish prices, whole yuan, stable for ever: a dish 0.3-1.0 × the price per person; a drink,
    dessert or staple 0.08-0.25 × of it, at most ¥20 + 6 % of it."""
    base = r.get("人均消费") or 40
    out = []
    for dish in r.get("推荐菜") or []:
        u = stable_unit(r["名称"], dish)
        price = min(base * (0.08 + 0.17 * u), 20 + 0.06 * base) if _SMALL.search(dish) else base * (0.3 + 0.7 * u)
        out.append({"dish": dish, "price": float(max(3, round(price)))})
    return out


def _restaurant(settings: Settings, name: str) -> dict[str, Any]:
    return find_place(settings, name, ("restaurant",))[1]


def say_menu(data: dict[str, Any], zh: bool) -> str:
    """The menu (or the dishes asked about) with their prices, as the data gives them."""
    dishes = "、".join(f"{m['dish']} {common.money(m['price'], '¥')}" for m in data["menu"])
    fee = common.money(data["delivery_fee"], "¥")
    if zh:
        return f"{data['restaurant']} 的外卖价格：{dishes}（配送费 {fee}）。"
    return f"{data['restaurant']} delivery prices: {dishes} (delivery fee {fee})."


@tool(say=say_menu)
def food_menu(ctx: ToolContext, restaurant: str, dishes: str = "") -> dict:
    """The delivery menu of a Beijing restaurant: dishes and prices in yuan.

    Args:
        restaurant: the restaurant's name
        dishes: only these dishes (names separated by commas); empty for the whole menu
    """
    r = _restaurant(ctx.settings, restaurant)
    menu = menu_for(r)
    wanted = [w for w in re.split(r"[,，、;；\s]+", dishes) if w]
    if wanted:
        menu = [m for m in menu if any(w in m["dish"] or m["dish"] in w for w in wanted)]
        if not menu:
            raise NotFound(f"{r['名称']} has no {dishes!r} on its menu; call food_menu without dishes for the menu")
    return {
        "restaurant": r["名称"],
        "hours": r.get("营业时间"),
        "menu": menu,
        "delivery_fee": DELIVERY_FEE,
        "note": SANDBOX,
    }


def say_delivery(data: dict[str, Any], zh: bool) -> str:
    """The restaurants found, then the dish asked for on each one's menu with its price."""
    offers = [f"{r['name']} " + "、".join(f"{m['dish']} ¥{m['price']:g}" for m in r["delivered"])
              for r in (data.get("results") or [])[:3] if r.get("delivered")]
    said = say_places(data, zh)
    if not offers:
        return said
    return said + ("\n\n外卖价格：" + "；".join(offers) if zh else "\n\nDelivery prices: " + "; ".join(offers))


#: what someone likes, as memory keeps it or as it was said (「朵朵喜欢草莓蛋糕」, 「我最爱吃的是饺子」)
_LIKES = re.compile(r"([\u4e00-\u9fff]{1,6}?)(?:也|很|特别|一直|最)*(?:喜欢|爱)(?:吃|喝)?(?:的[\u4e00-\u9fff]{0,3}是)?"
                    r"([\u4e00-\u9fff]{2,16})")
#: a person named as said: 「我女儿叫朵朵，…」
_CALLED = re.compile(r"叫([\u4e00-\u9fff]{1,4}?)(?=[，。,.；;！!？?\s]|$)")
#: whom an order is for: 「给朵朵订」, 「给我女儿买」
_FOR = re.compile(r"给([\u4e00-\u9fff]{1,5}?)(?:订|点|买|叫|送|选|挑|准备)")


def _akin(thing: str, dish: str) -> bool:
    """Whether a liked ``thing`` is of the kind of ``dish`` ("草莓蛋糕" of 生日蛋糕 or 蛋糕; of 「草莓 蛋糕」)."""
    words = dish.split()
    if len(words) > 1:
        return all(w in thing for w in words)
    return bool(dish) and (dish in thing or (len(dish) > 1 and thing[-2:] == dish[-2:]))


def _likes(said: list[str], dish: str) -> list[tuple[str, str]]:
    """(who, what) of each liking said or remembered of the dish's kind, oldest first."""
    out = []
    for text in said:
        named = [(m.start(), m.group(1)) for m in _CALLED.finditer(text)]
        for m in _LIKES.finditer(text):
            who = m.group(1)
            if who in ("她", "他", "它"):  # 「我女儿叫朵朵，她最喜欢…」: the one named before it
                who = next((n for at, n in reversed(named) if at < m.start()), "")
            if not who or who.endswith(("不", "没")):
                continue
            out += [(who, t) for t in re.split(r"[和跟与或及、]", m.group(2)) if _akin(t, dish)]
    return out


def remembered_taste(text: str, said: list[str], dish: str) -> str:
    """What the person an order is for likes of the dish's kind, as said or remembered: 「帮我给朵朵
    订一个生日蛋糕」 after 「朵朵喜欢草莓蛋糕」 is 草莓蛋糕. An order for no one named is the user's."""
    m = _FOR.search(text)
    whom = m.group(1) if m else "我"
    likes = _likes(said, dish)
    if whom in ("她", "他", "它"):  # the one other person whose taste of it is known
        others = {w for w, _ in likes if w not in common.SELF}
        likes = [x for x in likes if x[0] in others] if len(others) == 1 else []
    elif whom in common.SELF:
        likes = [x for x in likes if x[0] in common.SELF]
    else:
        joined = "\n".join(said)
        likes = [x for x in likes if x[0] not in common.SELF and common.same_person(x[0], whom, joined)]
    return likes[-1][1] if likes else ""


def caution_delivery(data: dict[str, Any], known: str, request: str, zh: bool) -> str:
    """A dish found that someone the order is for is allergic to (see ``_allergy_warning``), and what is
    remembered of a liking of the dish searched for (「记得：朵朵喜欢草莓蛋糕」)."""
    found = [m["dish"] for r in data.get("results") or [] for m in r.get("delivered") or []]
    warning = _allergy_warning([data.get("dish") or "", *found], known, request, zh)
    return "\n".join(x for x in (warning, _taste(data, known, zh)) if x)


def _taste(data: dict[str, Any], known: str, zh: bool) -> str:
    dish = data.get("dish") or ""
    likes = list(dict.fromkeys(_likes([known], dish)))[-2:]
    if not likes:
        return ""
    by_it = len(dish.split()) > 1 or any(t == dish for _, t in likes)  # the search was for the liking itself
    if zh:
        said = "；".join(f"{'你' if w in common.SELF else w}喜欢{t}" for w, t in likes)
        return f"记得：{said}" + ("，以上是按这个口味找的。" if by_it else "。")
    said = "; ".join(f"{'you like' if w in common.SELF else w + ' likes'} {t}" for w, t in likes)
    return f"Remembered: {said}" + (" — the search above is for that." if by_it else ".")


@tool(say=say_delivery, caution=caution_delivery)
def search_delivery(
    ctx: ToolContext, dish: str = "", near: str = "", max_price_per_person: int | None = None, limit: int = 5
) -> dict:
    """Find restaurants that deliver a dish or cuisine.

    Args:
        dish: a dish or cuisine, e.g. 饺子 or 川菜
        near: deliver near this place (a Beijing place name)
        max_price_per_person: highest average price per person in yuan
        limit: how many results (1-20)
    """
    found = search(ctx.settings, "restaurant", dishes=dish, near=near, max_price=max_price_per_person, limit=limit)
    words = dish.split()
    for r in (found.get("results") or []) if words else []:  # the dish asked for, as its menu sells it
        menu = menu_for(_restaurant(ctx.settings, r["name"]))
        # every word in one dish, else the first word's (「草莓 蛋糕」: its strawberry dishes); a name said twice: once
        hits = [m for m in menu if all(w in m["dish"] for w in words)] or [m for m in menu if words[0] in m["dish"]]
        sold: dict[str, dict[str, Any]] = {}
        for m in hits:
            sold.setdefault(m["dish"].strip("\u200b\u200c\u200d\ufeff "), m)
        r["delivered"] = [m | {"dish": name} for name, m in sold.items()][:3]
    return found | {"dish": dish}


def _cart(ctx: ToolContext) -> Cart:
    cart = ctx.db.get(Cart, ctx.user_id)
    if cart is None:
        cart = Cart(user_id=ctx.user_id, restaurant="", items=[])
        ctx.db.add(cart)
        ctx.db.flush()
    return cart


def _cart_view(cart: Cart) -> dict[str, Any]:
    subtotal = sum(i["price"] * i["qty"] for i in cart.items)
    return {
        "restaurant": cart.restaurant,
        "items": cart.items,
        "subtotal": round(subtotal, 2),
        "delivery_fee": DELIVERY_FEE if cart.items else 0.0,
        "total": round(subtotal + (DELIVERY_FEE if cart.items else 0.0), 2),
    }


def say_cart(cart: dict[str, Any], zh: bool) -> str:
    """The cart with each dish's price and quantity and the totals, as stored."""
    if not cart["items"]:
        return "购物车是空的。" if zh else "The cart is empty."
    items = ("、" if zh else ", ").join(
        f"{i['dish']} {common.money(i['price'], '¥')}×{i['qty']}" for i in cart["items"]
    )
    sub, fee, total = (common.money(cart[k], "¥") for k in ("subtotal", "delivery_fee", "total"))
    if zh:
        return f"购物车（{cart['restaurant']}）：{items}；小计 {sub}，配送费 {fee}，合计 {total}。"
    return f"Cart ({cart['restaurant']}): {items}; subtotal {sub}, delivery {fee}, total {total}."


#: what a dish's name says it usually holds, by allergen: 宫保鸡丁 has peanuts (鱼香肉丝 no fish)
ALLERGENS = {
    "花生": ("花生", "宫保", "担担", "夫妻肺片", "酸辣粉", "怪味", "果仁"),
    "芝麻": ("芝麻", "麻酱", "麻汁", "烧饼"),
    "虾": ("虾",), "蟹": ("蟹",),
    "海鲜": ("虾", "蟹", "贝", "蚝", "蛤", "鱿", "海参", "鲍", "螺", "海鲜", "鱼"),
    "鱼": ("鱼",),
    "鸡蛋": ("蛋",), "蛋": ("蛋",),
    "牛奶": ("奶", "芝士", "奶酪", "乳"), "乳制品": ("奶", "芝士", "奶酪", "乳"),
    "小麦": ("面", "饺", "包子", "馒头", "饼", "馄饨"), "麸质": ("面", "饺", "包子", "馒头", "饼", "馄饨"),
    "大豆": ("豆腐", "豆浆", "腐竹", "豆皮"), "坚果": ("花生", "核桃", "腰果", "杏仁", "果仁", "宫保"),
}  # fmt: skip
_ALLERGENS_EN = {"peanut": "花生", "sesame": "芝麻", "shrimp": "虾", "prawn": "虾", "crab": "蟹", "shellfish": "海鲜",
                 "seafood": "海鲜", "fish": "鱼", "egg": "鸡蛋", "milk": "牛奶", "dairy": "牛奶", "lactose": "牛奶",
                 "wheat": "小麦", "gluten": "麸质", "soy": "大豆", "nut": "坚果"}
_ALLERGIC = re.compile(r"([\u4e00-\u9fff]{1,6}?)对([^，。；;,\n]{1,10}?)过敏"
                       r"|\b([A-Z][a-z]+|[Uu]ser|[Yy]ou) (?:is|are) (?:severely |very )?allergic to ([a-z ]{2,30})")


def _allergy_warning(dishes: list[str], known: str, request: str, zh: bool) -> str:
    """A warning when one of ``dishes`` usually holds what the user is allergic to, or someone the
    request names (「给老婆点…」 when memory holds 「小红是用户的老婆」, 「小红对芒果过敏」), as
    ``known`` says it: 「用户对花生过敏」, "User is allergic to peanuts"."""
    for m in _ALLERGIC.finditer(known):
        who, said = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        said, mine = said.strip(), who.lower() in common.SELF
        if not mine and (who in ("她", "他") or not common.named_in(who, request, known)):  # (memory names them)
            continue
        for allergen in re.split(r"[和、，,及与/]|\band\b|\bor\b", said):  # 「对花生和鸡蛋过敏」: each
            key = allergen.strip() if m.group(2) else next(
                (z for e, z in _ALLERGENS_EN.items() if e in allergen.lower()), "")
            words = ALLERGENS.get(key, (key,)) if key else ()
            dish = next((d for d in dishes if any(w in d.replace("鱼香", "") for w in words)), "")
            if dish:
                break
        else:
            continue
        if zh:
            return f"⚠️ {'你' if mine else who}对{said}过敏：{dish}通常含{key}，下单前请向商家确认。"
        if mine:
            return f"⚠️ You are allergic to {said}: {dish} usually contains it; ask the restaurant first."
        return f"⚠️ {who} is allergic to {said}: {dish} usually contains it; ask the restaurant first."
    return ""


def caution_allergy(cart: dict[str, Any], known: str, request: str, zh: bool) -> str:
    """A warning when a dish in the cart holds what the user, or whom the order is for, is allergic to."""
    return _allergy_warning([i["dish"] for i in cart.get("items") or []], known, request, zh)


@tool(say=say_cart, caution=caution_allergy)
def set_cart_item(ctx: ToolContext, restaurant: str, dish: str, quantity: int = 1) -> dict:
    """Put a dish in the cart with this quantity (0 removes it). The cart holds one restaurant:
    choosing another empties it. Editing the cart orders nothing.

    Args:
        restaurant: the restaurant's name
        dish: a dish from its menu
        quantity: how many (0-20)
    """
    if not 0 <= quantity <= 20:
        raise InvalidInput("quantity must be 0-20")
    r = _restaurant(ctx.settings, restaurant)
    menu = {m["dish"]: m["price"] for m in menu_for(r)}
    name = dish if dish in menu else next((d for d in menu if dish and (dish in d or d in dish)), None)
    if name is None:
        raise NotFound(f"{r['名称']} has no dish {dish!r}; its menu: {', '.join(list(menu)[:15])}")
    cart = _cart(ctx)
    items = [] if cart.restaurant != r["名称"] else [dict(i) for i in cart.items]
    items = [i for i in items if i["dish"] != name]
    if quantity:
        items.append({"dish": name, "price": menu[name], "qty": quantity})
    cart.restaurant, cart.items, cart.updated_at = r["名称"], items, ctx.clock()
    ctx.db.flush()
    return _cart_view(cart)


@tool(say=say_cart)
def view_cart(ctx: ToolContext) -> dict:
    """What is in the food cart, with the total."""
    return _cart_view(_cart(ctx))


def _ordered(ctx: ToolContext, zh: bool) -> str:
    """What an order sends, for its card: 「黑天鹅蛋糕(朝阳门店)：草莓提拉米苏×1，合计 ¥57」."""
    cart = _cart_view(_cart(ctx))
    if not cart["items"]:
        return ""
    items = ("、" if zh else ", ").join(f"{i['dish']}×{i['qty']}" for i in cart["items"])
    total = common.money(cart["total"], "¥")
    return f"{cart['restaurant']}：{items}，合计 {total}" if zh else f"{cart['restaurant']}: {items}, total {total}"


@tool(confirm=True, undo="cancel_food_order", title=("外卖下单", "Food order"), about=_ordered)
def place_food_order(ctx: ToolContext, address: str, note: str = "") -> dict:
    """Order the cart for delivery (sandbox). Empties the cart.

    Args:
        address: where to deliver
        note: a note for the restaurant, e.g. 少辣
    """
    prior = common.existing(ctx, common.ServiceOrder)
    if prior is not None:
        return common.order_dict(prior) | {"replayed": True}
    cart = _cart(ctx)
    if not cart.items:
        raise Refused("the cart is empty: add dishes with set_cart_item first")
    if not address.strip():
        raise InvalidInput("a delivery address is needed")
    view = _cart_view(cart)
    out = common.record_order(
        ctx,
        service="food",
        kind="delivery",
        title=f"{cart.restaurant}: " + "、".join(f"{i['dish']}×{i['qty']}" for i in cart.items),
        total=view["total"],
        status="accepted",
        data={
            "restaurant": cart.restaurant,
            "items": cart.items,
            "address": address,
            "note": note,
            "subtotal": view["subtotal"],
            "delivery_fee": DELIVERY_FEE,
        },
    )
    cart.items, cart.restaurant = [], ""
    ctx.db.flush()
    return out


def _progress(ctx: ToolContext, order: common.ServiceOrder) -> str:
    if order.status == "cancelled":
        return "cancelled"
    minutes = (ctx.clock() - order.created_at) / timedelta(minutes=1)
    status = "accepted"
    for at, name in STAGES:
        if minutes >= at:
            status = name
    if status != order.status:
        common.set_status(ctx, order, status)
    return status


@tool(say=common.say_order)
def food_order_status(ctx: ToolContext, order_id: str) -> dict:
    """Where a food order is: accepted, preparing, delivering, delivered or cancelled, with the ETA.

    Args:
        order_id: the order's id
    """
    order = common.get_order(ctx, order_id, "food")
    status = _progress(ctx, order)
    eta = order.created_at + timedelta(minutes=STAGES[-1][0])
    return common.order_dict(order) | {
        "status": status,
        "eta_utc": None if status in ("delivered", "cancelled") else eta.isoformat(),
    }


@tool(say=common.say_orders)
def list_food_orders(ctx: ToolContext) -> dict:
    """The user's food orders, newest first."""
    for o in ctx.db.scalars(
        select(common.ServiceOrder).where(
            common.ServiceOrder.user_id == ctx.user_id, common.ServiceOrder.service == "food"
        )
    ):
        _progress(ctx, o)
    return {"orders": common.list_orders(ctx, "food"), "note": SANDBOX}


@tool(confirm=True, title=("取消外卖订单", "Cancel a food order"))
def cancel_food_order(ctx: ToolContext, order_id: common.Record) -> dict:
    """Cancel a food order; possible until it is out for delivery. Refunds the total.

    Args:
        order_id: the order's id
    """
    order = common.get_order(ctx, order_id, "food")
    status = _progress(ctx, order)
    if status == "cancelled":
        return common.order_dict(order) | {"already": True}
    if status in ("delivering", "delivered"):
        raise Refused(f"order {order.id} is already {status} and can no longer be cancelled")
    return common.set_status(ctx, order, "cancelled", refund=order.total)


#: the words said for a dish after its count: 「点两份豆汁」 → 豆汁
_ORDERED = re.compile(
    r"(?:\d{1,2}|[一两二三四五六七八九十])\s*(?:份|个|碗|笼|杯|盘|串|瓶)\s*([\u4e00-\u9fff]{2,8}?)(?=[，。,;；!！?？、和]|送|$)"
)
_QTY = (
    r"(\d{1,2}|[一两二三四五六七八九十]|one|two|three|four|five|a|an)\s*"
    r"(?:份|个|碗|笼|杯|盘|portions? of|servings? of)?\s*"
)


def read_request(settings: Settings, text: str, history: list[str]) -> list[Planned]:
    """Delivery calls a request clearly asks for, read against the restaurants' own names and
    menus (no model): a menu question, or an order — dishes into the cart, then the order to
    the address said ("送到…", "deliver to …"), which the user still confirms; with no
    restaurant named, those that deliver the dish or cuisine asked for, or the status or the
    cancelling of the latest order (「我的外卖到哪了？」, 「取消刚才的外卖订单」)."""
    from banshi.services.travel import vocabulary

    v = vocabulary(settings)
    named = [n for _, n, k in v.places(text) if k == "restaurant"]
    low = text.lower()
    if not named and re.search(r"外卖|订餐|\bfood\b|\bdelivery\b", low) and not common.RECORD_ID.search(low):
        # an order named by no id: the latest
        if re.search(r"到哪|到了吗|状态|多久|什么时候到|where is|status|when will", low):
            return common.on_latest("list_food_orders", "orders", "food_order_status")
        mine = re.search(r"刚才|最近|上一|我的|那个|这个|\b(?:last|latest|my)\b", low)
        if mine and re.search(r"取消|不要了|cancel", low):
            return common.on_latest("list_food_orders", "orders", "cancel_food_order")
    if not named:  # 「我想点个外卖，来份饺子」: who delivers it
        words = sorted({*CUISINES, *v.dishes}, key=len, reverse=True)
        wanted = [w for _, _, w in v._spans(text.lower(), words)]
        if not wanted:
            return []
        return [Planned("search_delivery", {"dish": _to_search(settings, wanted[0], remembered_taste(text, history,
                                                                                                     wanted[0]))})]
    place = named[0]
    menu = [m["dish"] for m in menu_for(find_place(settings, place, ("restaurant",))[1])]
    masked = text.replace(place, " ")
    dishes = [w for _, _, w in v._spans(masked, sorted(menu, key=len, reverse=True))]
    said = {d: d for d in dishes}  # the menu's dish, by the words said for it
    if not dishes:  # 「点两份豆汁」 from a menu that has 豆汁儿焦圈儿: the shortest dish holding the words
        for word in _ORDERED.findall(masked):
            on_menu = sorted((d for d in menu if word in d), key=len)
            if on_menu:
                said[word] = on_menu[0]
        dishes = list(said.values())
    low = masked.lower()
    if not dishes or re.search(r"菜单|多少钱|价格|menu|price|how much", low):
        if not re.search(r"菜单|menu|多少钱|价格|price", low):
            return []
        return [Planned("food_menu", {"restaurant": place} | ({"dishes": ",".join(dishes)} if dishes else {}))]
    plans = []
    for word, dish in said.items():
        m = re.search(_QTY + re.escape(word), masked, re.I)
        qty = m.group(1).lower() if m else "1"
        n = common.count(qty) or 1
        plans.append(Planned("set_cart_item", {"restaurant": place, "dish": dish, "quantity": n}))
    m = re.search(
        r"(?:送到|配送到|送至|地址是?)\s*([^，。,;；!！?？]+)|deliver(?:y|ed)? to\s+([^,;.!?]+(?:\.\s*\d+)?)",
        text,
        re.I,
    )
    if m:
        plans.append(Planned("place_food_order", {"address": (m.group(1) or m.group(2)).strip()}))
    return plans


def _to_search(settings: Settings, dish: str, liked: str) -> str:
    """The dish asked for, or what the person likes of its kind when someone delivers it: 草莓蛋糕
    itself, or its flavour among the dish's kind (「草莓 蛋糕」)."""
    if not liked:
        return dish
    head = dish if dish in liked else liked[-2:]
    flavour = liked.replace(head, " ").strip()
    for words in (liked, f"{flavour} {head}" if flavour and " " not in flavour else ""):
        if words and search(settings, "restaurant", dishes=words, limit=1)["results"]:
            return words
    return dish


#: a dish ordered by its name (帮我订一个生日蛋糕, 来一份烤鸭, 点两份饺子)
_ORDER_DISH = re.compile(r"订|点(?=[一两二三四五六七八九几个份杯碗盒])|买|来[一两几]|\border\b|\bget me\b", re.I)
#: not a dish ordered: a table booked (travel's), a song (来一首小苹果), a recipe (可乐鸡翅怎么做)
_NOT_ORDERED = re.compile(r"餐厅|饭店|饭馆|店|位子|座位|订座|订位|桌|包间|[\d一两二三四五六七八九十]+\s*个?人"
                          r"|首|歌|曲|唱|听|播|怎么做|做法|菜谱|\btable\b|\brestaurant\b|\brecipe\b|\bsong\b", re.I)


def recognizes(settings: Settings, text: str) -> bool:
    """Whether ``text`` orders a dish the menus hold by its name alone, with no word of delivery
    (「帮我给朵朵订一个生日蛋糕」): who delivers it is looked up. A table booked (a place, a party,
    餐厅) is not; without the data, nothing is."""
    from banshi.services.travel import vocabulary

    if not _ORDER_DISH.search(text) or _NOT_ORDERED.search(text):
        return False
    try:
        v = vocabulary(settings)
        return not v.places(text) and bool(v._spans(text.lower(), v.dishes))  # longest first already
    except common.DataMissing:
        return False


def build(settings: Settings) -> Service:
    return Service(
        name="food",
        plan=lambda text, history: read_request(settings, text, history),
        recognizes=lambda text: recognizes(settings, text),
        title="Food delivery",
        description="Order food for delivery from Beijing restaurants: menus, cart, order, status, cancel. " + SANDBOX,
        tools=[
            search_delivery,
            food_menu,
            set_cart_item,
            view_cart,
            place_food_order,
            food_order_status,
            list_food_orders,
            cancel_food_order,
        ],
        examples=[
            "点个外卖",
            "我想吃饺子，帮我叫外卖",
            "看看护国寺小吃店的菜单",
            "把两份豆汁加到购物车",
            "下单送到公司",
            "我的外卖到哪了",
            "取消刚才的外卖",
            "附近有什么外卖好吃",
            "order some dumplings for delivery",
            "show me the menu of this restaurant",
            "add two portions to my cart",
            "where is my food order",
            "cancel my food delivery",
            "what's in my cart",
        ],
        tool_keywords={
            "search_delivery": ["想吃", "有什么", "推荐", "哪家", "找", "订", "find", "recommend", "somewhere"],
            "food_menu": ["菜单", "多少钱", "价格", "menu", "price", "how much"],
            "set_cart_item": ["点", "份", "加", "来一", "购物车", "add", "order", "portion"],
            "view_cart": ["购物车", "cart"],
            "place_food_order": ["下单", "送到", "配送到", "deliver to", "delivery to", "place the order", "checkout"],
            "food_order_status": ["到哪", "状态", "多久", "where is", "status", "when will"],
            "list_food_orders": ["我的外卖", "我的订单", "my orders", "my food orders"],
            "cancel_food_order": ["取消", "不要了", "cancel"],
        },
        keywords=[
            "外卖",
            "点餐",
            "菜单",
            "购物车",
            "配送",
            "送餐",
            "叫餐",
            "点一份",  # 「从护国寺小吃店点两份豆汁，送到…」 (送到 alone is a shop's too)
            "点两份",
            "点几份",
            "来一份",
            "来两份",
            "delivery",
            "menu",
            "cart",
            "takeout",
            "takeaway",
            "food order",
        ],
    )


__all__ = ["build", "menu_for", "records"]
