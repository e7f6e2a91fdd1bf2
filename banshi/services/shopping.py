"""Shopping (sandbox): the τ-bench retail shop (``data_dir/services/tau_retail``: 50 products
and their variants, read at run time); search, compare, order, cancel, return and exchange
under the shop's policy. Orders are the user's own, in the project's database: an order is
``pending`` for its first hour, ``processed`` until day 3, then ``delivered`` (sandbox time).

Policy, from the shop's wiki: cancel only a pending order (reason: 'no longer needed' or
'ordered by mistake'); return or exchange only a delivered order; an exchange is to another
available variant of the same product; each order is exchanged or returned once."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from sqlalchemy import select

from banshi.agents.tools import FromStep, Planned, Refused, Service, Shown, ToolContext, tool
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.services import common
from banshi.services.common import SANDBOX, load_json

DB = "tau_retail"
#: Chinese names for the shop's English product names, so Chinese requests find them
ZH = {
    "T-Shirt": "T恤 短袖",
    "Laptop": "笔记本电脑",
    "Running Shoes": "跑鞋",
    "Smartphone": "手机 智能手机",
    "Backpack": "背包 双肩包",
    "Coffee Maker": "咖啡机",
    "Water Bottle": "水杯 水瓶",
    "Desk Lamp": "台灯",
    "Notebook": "笔记本 本子",
    "Sunglasses": "太阳镜 墨镜",
    "Wristwatch": "手表",
    "Electric Toothbrush": "电动牙刷",
    "Yoga Mat": "瑜伽垫",
    "Bluetooth Speaker": "蓝牙音箱",
    "Gaming Mouse": "游戏鼠标 鼠标",
    "Action Camera": "运动相机",
    "Garden Hose": "浇花水管",
    "Hiking Boots": "登山靴",
    "Tablet": "平板电脑",
    "E-Reader": "电子书阅读器",
    "Portable Charger": "充电宝",
    "Indoor Security Camera": "监控摄像头",
    "Electric Kettle": "电热水壶",
    "Mechanical Keyboard": "机械键盘 键盘",
    "Wireless Earbuds": "无线耳机 蓝牙耳机",
    "Smart Thermostat": "智能温控器",
    "Fleece Jacket": "抓绒外套",
    "Wall Clock": "挂钟",
    "Dumbbell Set": "哑铃",
    "Pet Bed": "宠物床",
    "Espresso Machine": "意式咖啡机",
    "Cycling Helmet": "骑行头盔",
    "LED Light Bulb": "LED灯泡 灯泡",
    "Digital Camera": "数码相机 相机",
    "Bookshelf": "书架",
    "Bicycle": "自行车",
    "Sneakers": "运动鞋",
    "Office Chair": "办公椅 椅子",
    "Smart Watch": "智能手表",
    "Tea Kettle": "茶壶",
    "Luggage Set": "行李箱",
    "Patio Umbrella": "遮阳伞",
    "Air Purifier": "空气净化器",
    "Makeup Kit": "化妆品套装",
    "Skateboard": "滑板",
    "Jigsaw Puzzle": "拼图",
    "Grill": "烤架",
    "Headphones": "头戴耳机 耳机",
    "Vacuum Cleaner": "吸尘器",
    "Perfume": "香水",
}
CANCEL_REASONS = ("no longer needed", "ordered by mistake")


def products(settings: Settings) -> dict[str, Any]:
    return load_json(settings, DB, "products.json")


def _variant(settings: Settings, item_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for p in products(settings).values():
        v = p["variants"].get(str(item_id).strip())
        if v:
            return p, v
    raise NotFound(f"no item {item_id!r} in the shop; item ids come from search_products or product_details")


def _items_name(value: Any, ctx: ToolContext, arguments: dict[str, Any], zh: bool) -> str | None:
    """The items as the shop names them: 「Wireless Earbuds（blue, 8 hours, IPX4）$226.49」."""
    try:
        found = [_variant(ctx.settings, i) for i in value]
    except NotFound:
        return None
    return "、".join(
        f"{p['name']}（{', '.join(str(x) for x in v['options'].values())}）{common.money(v['price'], '$')}"
        for p, v in found
    )


#: a write's item ids, named on its card by product, options and price
Items = Annotated[list[str], Shown(_items_name)]


def say_products(data: dict[str, Any], zh: bool) -> str:
    """Up to three products found, each with its price range and its cheapest variants."""
    found = data.get("products") or []
    if not found:
        return "没有找到符合条件的商品。" if zh else "No product matches."
    lines = [f"找到 {len(found)} 种商品：" if zh else f"{len(found)} product(s) found:"]
    for p in found[:3]:
        lo, hi = (common.money(x, "$") for x in p["price_range"])
        cheapest = "; ".join(
            f"{common.money(v['price'], '$')} ("
            + ", ".join(str(x) for x in v["options"].values())
            + f", item {v['item_id']})"
            for v in p["variants"][:3]
        )
        name = p["name"] + (f"（{ZH[p['name']]}）" if zh and ZH.get(p["name"]) else "")
        if zh:
            lines.append(f"- {name}：{lo}–{hi}，共 {p['variant_count']} 款有货；最便宜的：{cheapest}")
        else:
            lines.append(f"- {name}: {lo}–{hi}, {p['variant_count']} available; cheapest: {cheapest}")
    return "\n".join(lines)


@tool(say=say_products)
def search_products(
    ctx: ToolContext, query: str, max_price: float | None = None, options: str = "", limit: int = 5
) -> dict:
    """Search the shop: products whose name matches, with their available variants and prices (USD).

    Args:
        query: what to buy, e.g. "headphones" or 耳机
        max_price: highest variant price
        options: option words the variant must have, space separated, e.g. "black wireless"
        limit: how many products (1-10)
    """
    q = query.strip().lower()
    words = [w.lower() for w in options.split()]
    out = []
    for p in products(ctx.settings).values():
        names = (p["name"] + " " + ZH.get(p["name"], "")).lower()
        if q and not (
            q in names or any(w and w in names for w in q.split()) or any(part and part in q for part in names.split())
        ):
            continue
        variants = []
        for v in p["variants"].values():
            if not v["available"] or (max_price is not None and v["price"] > max_price):
                continue
            text = " ".join(str(x).lower() for x in v["options"].values())
            if all(w in text for w in words):
                variants.append({"item_id": v["item_id"], "options": v["options"], "price": v["price"]})
        if variants:
            variants.sort(key=lambda v: v["price"])
            out.append(
                {
                    "product_id": p["product_id"],
                    "name": p["name"],
                    "variants": variants[:6],
                    "variant_count": len(variants),
                    "price_range": [variants[0]["price"], variants[-1]["price"]],
                }
            )
    return {"products": out[: max(1, min(limit, 10))], "note": SANDBOX}


@tool
def product_details(ctx: ToolContext, product_id: str) -> dict:
    """All variants of one product (available or not), to compare options and prices.

    Args:
        product_id: the product's id
    """
    p = products(ctx.settings).get(str(product_id).strip())
    if p is None:
        raise NotFound(f"no product {product_id!r}")
    return {"product_id": p["product_id"], "name": p["name"], "variants": list(p["variants"].values())}


def _status(ctx: ToolContext, order: common.ServiceOrder) -> str:
    """Advance a live order with sandbox time: pending 1 h, processed until day 3, delivered."""
    if order.status in ("pending", "processed"):
        age = ctx.clock() - order.created_at
        status = "delivered" if age >= timedelta(days=3) else "processed" if age >= timedelta(hours=1) else "pending"
        if status != order.status:
            common.set_status(ctx, order, status)
    return order.status


@tool(confirm=True, undo="cancel_shop_order", title=("购物下单", "Shop order"))
def place_shop_order(ctx: ToolContext, item_ids: Items, address: str, payment: str = "credit_card") -> dict:
    """Order items from the shop (sandbox). Repeat an item id to buy it more than once.

    Args:
        item_ids: the variant item ids to buy (1-10 items)
        address: shipping address
        payment: credit_card, paypal or gift_card
    """
    if not 1 <= len(item_ids) <= 10:
        raise InvalidInput("order 1-10 items")
    if payment not in ("credit_card", "paypal", "gift_card"):
        raise InvalidInput("payment must be credit_card, paypal or gift_card")
    if not address.strip():
        raise InvalidInput("a shipping address is needed")
    items = []
    for item_id in item_ids:
        p, v = _variant(ctx.settings, item_id)
        if not v["available"]:
            raise Refused(f"item {item_id} ({p['name']} {v['options']}) is out of stock")
        items.append(
            {
                "name": p["name"],
                "product_id": p["product_id"],
                "item_id": v["item_id"],
                "options": v["options"],
                "price": v["price"],
            }
        )
    total = round(sum(i["price"] for i in items), 2)
    return common.record_order(
        ctx,
        service="shopping",
        kind="retail",
        status="pending",
        title=", ".join(i["name"] for i in items),
        total=total,
        data={"items": items, "address": address, "payment": payment},
    )


@tool(say=common.say_order)
def shop_order_status(ctx: ToolContext, order_id: str) -> dict:
    """One shop order: items, total, status (pending, processed, delivered, cancelled,
    return requested, exchange requested).

    Args:
        order_id: the order's id
    """
    order = common.get_order(ctx, order_id, "shopping")
    _status(ctx, order)
    return common.order_dict(order)


@tool(say=common.say_orders)
def list_shop_orders(ctx: ToolContext) -> dict:
    """The user's shop orders, newest first."""
    for o in ctx.db.scalars(
        select(common.ServiceOrder).where(
            common.ServiceOrder.user_id == ctx.user_id, common.ServiceOrder.service == "shopping"
        )
    ):
        _status(ctx, o)
    return {"orders": common.list_orders(ctx, "shopping"), "note": SANDBOX}


@tool(confirm=True, title=("取消购物订单", "Cancel a shop order"))
def cancel_shop_order(
    ctx: ToolContext,
    order_id: common.Record,
    reason: Literal["no longer needed", "ordered by mistake"] = "no longer needed",
) -> dict:
    """Cancel a pending shop order; the total is refunded.

    Args:
        order_id: the order's id
        reason: 'no longer needed' or 'ordered by mistake'
    """
    order = common.get_order(ctx, order_id, "shopping")
    status = _status(ctx, order)
    if status == "cancelled":
        return common.order_dict(order) | {"already": True}
    if status != "pending":
        raise Refused(
            f"order {order.id} is {status}: only pending orders can be cancelled (a delivered one can be returned)"
        )
    refund = "immediately" if order.data.get("payment") == "gift_card" else "in 5 to 7 business days"
    return common.set_status(ctx, order, "cancelled", reason=reason, refund=order.total, refund_when=refund)


def _delivered(ctx: ToolContext, order_id: str) -> common.ServiceOrder:
    order = common.get_order(ctx, order_id, "shopping")
    status = _status(ctx, order)
    if status != "delivered":
        raise Refused(f"order {order.id} is {status}: only delivered orders can be returned or exchanged")
    return order


def _pick(order: common.ServiceOrder, item_ids: list[str]) -> list[dict[str, Any]]:
    left = [dict(i) for i in order.data["items"]]
    picked = []
    for item_id in item_ids:
        match = next((i for i in left if i["item_id"] == str(item_id)), None)
        if match is None:
            raise InvalidInput(f"item {item_id} is not in order {order.id} (or listed twice)")
        left.remove(match)
        picked.append(match)
    if not picked:
        raise InvalidInput("name the item ids to return or exchange")
    return picked


@tool(confirm=True, title=("退货", "Return"))
def return_shop_items(ctx: ToolContext, order_id: common.Record, item_ids: Items) -> dict:
    """Return items of a delivered order; the refund goes to the original payment method.

    Args:
        order_id: the order's id
        item_ids: the item ids to return
    """
    order = _delivered(ctx, order_id)
    picked = _pick(order, item_ids)
    refund = round(sum(i["price"] for i in picked), 2)
    return common.set_status(
        ctx,
        order,
        "return requested",
        returned=[i["item_id"] for i in picked],
        refund=refund,
        instructions="a return label is sent by email",
    )


@tool(confirm=True, title=("换货", "Exchange"))
def exchange_shop_items(
    ctx: ToolContext, order_id: common.Record, item_ids: Items, new_item_ids: Items
) -> dict:
    """Exchange items of a delivered order for other available variants of the same products;
    the price difference is paid or refunded.

    Args:
        order_id: the order's id
        item_ids: the item ids to exchange
        new_item_ids: the variants to get instead, in the same order
    """
    order = _delivered(ctx, order_id)
    picked = _pick(order, item_ids)
    if len(new_item_ids) != len(picked):
        raise InvalidInput("give one new item id for each item to exchange")
    swaps, diff = [], 0.0
    for old, new_id in zip(picked, new_item_ids, strict=True):
        p, v = _variant(ctx.settings, new_id)
        if p["product_id"] != old["product_id"]:
            raise Refused(f"{new_id} is a {p['name']}, not a {old['name']}: exchanges keep the product type")
        if not v["available"] or v["item_id"] == old["item_id"]:
            raise Refused(f"{new_id} is not an available different variant")
        swaps.append({"from": old["item_id"], "to": v["item_id"], "options": v["options"]})
        diff += v["price"] - old["price"]
    return common.set_status(ctx, order, "exchange requested", exchanges=swaps, price_difference=round(diff, 2))


_UNDER = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:美元|美金|刀|块|dollars?|usd)?\s*(?:以下|以内|之内)"
    r"|(?:under|below|less than)\s*\$?\s*(\d+(?:\.\d+)?)",
    re.I,
)
_SHIP = re.compile(
    r"(?:寄到|送到|邮寄到|地址是?)\s*[：:]?\s*(.+)$|(?:ship|send|deliver)(?:ed)? (?:it )?to\s+(.+)$", re.I
)


def read_request(settings: Settings, text: str, history: list[str]) -> list[Planned]:
    """Shop calls a request clearly asks for (no model): a search for the product it names (in
    English or Chinese) under the price it says; "buy the cheapest … ship to …" proposes the
    cheapest available variant, which the user still confirms, also when the address follows in
    a turn of its own; 「我的订单发货了吗」 / 「取消我刚下的订单」 are the latest order's."""
    low = text.lower()
    said = [
        (w, p["name"])
        for p in products(settings).values()
        for w in [p["name"].lower(), *ZH.get(p["name"], "").split()]
        if w in low
    ]
    # "无线耳机" names the earbuds, not every product called "耳机"
    named = list(dict.fromkeys(n for w, n in said if not any(w != o and w in o for o, _ in said)))
    if not named and not common.RECORD_ID.search(low):
        if _SHIP.search(text):  # 「送到…」 after 「帮我买一副蓝牙耳机，要最便宜的」: that purchase, shipped here
            asked = next((m for m in reversed(history[-4:]) if re.search(r"买|购买|\bbuy\b", m, re.I)), "")
            return read_request(settings, f"{asked}，{text}", []) if asked else []
        if re.search(r"我的订单|刚[才下买]的订单|\bmy (?:last |latest )?order\b", low):  # the latest order's
            then = "cancel_shop_order" if re.search(r"取消|不要了|\bcancel\b", low) else "shop_order_status"
            return common.on_latest("list_shop_orders", "orders", then)
    if len(named) != 1:
        return []
    args: dict[str, Any] = {"query": named[0]}
    m = _UNDER.search(text)
    if m:
        args["max_price"] = float(m.group(1) or m.group(2))
    plans = [Planned("search_products", args)]
    ship = _SHIP.search(text)
    if ship and re.search(r"买|购买|下单|buy|order", low) and re.search(r"最便宜|cheapest|lowest price", low):
        address = (ship.group(1) or ship.group(2)).strip(" 。.")
        item = FromStep(0, "products.0.variants.0.item_id")  # variants come cheapest first
        plans.append(Planned("place_shop_order", {"item_ids": [item], "address": address}))
    return plans


def build(settings: Settings) -> Service:
    return Service(
        name="shopping",
        plan=lambda text, history: read_request(settings, text, history),
        title="Shopping",
        description="An online shop: search and compare products, order, cancel, return, exchange. " + SANDBOX,
        tools=[
            search_products,
            product_details,
            place_shop_order,
            shop_order_status,
            list_shop_orders,
            cancel_shop_order,
            return_shop_items,
            exchange_shop_items,
        ],
        examples=[
            "帮我买一副蓝牙耳机",
            "有没有100美元以下的机械键盘",
            "比较一下这两款手机",
            "我的订单发货了吗",
            "取消我刚下的订单",
            "这个背包我要退货",
            "把T恤换成L码",
            "buy me a yoga mat",
            "find wireless earbuds under $100",
            "compare these laptops",
            "has my order shipped",
            "return the headphones",
            "exchange my shirt for a larger size",
        ],
        keywords=[
            "买",
            "购买",
            "下单",
            "商品",
            "网购",
            "退货",
            "换货",
            "发货",
            "耳机",
            "手机",
            "键盘",
            "电脑",
            "buy",
            "purchase",
            "shop",
            "product",
            "return",
            "exchange",
            "shipped",
            "order status",
        ],
    )
