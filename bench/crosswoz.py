"""The dispatcher on CrossWOZ user turns (with their dialogue history) over the Beijing
services. Prints JSON ``{"domain_accuracy", "slot_f1", "entity_success", "n", ...}``:

- domain_accuracy: the turn's domains (景点 餐馆 酒店 地铁 出租, from its dialogue acts) equal the
  domains of the tools the dispatcher called (turns whose acts name no domain are skipped);
- slot_f1: the constraints it extracted (tool arguments mapped back to CrossWOZ slots) against
  the turn's ``Inform`` acts, micro-averaged;
- entity_success: on turns that ask for a place's name under constraints, whether the first
  place the search returned satisfies those constraints in the database (when no place in the
  database does — CrossWOZ has such goals — success is naming none).

    python -m bench.crosswoz --data ../shared/data/dialogue/crosswoz/val.jsonl [--limit N] [--backend B]

Only the dispatcher runs (routing and argument filling), not the answer's prose."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from typing import Any

DOMAIN_OF_TOOL = {
    "search_attractions": "景点",
    "search_restaurants": "餐馆",
    "search_hotels": "酒店",
    "metro_route": "地铁",
    "book_taxi": "出租",
    "book_hotel": "酒店",
    "book_restaurant": "餐馆",
}
DOMAINS = {"景点", "餐馆", "酒店", "地铁", "出租"}
KIND = {"景点": "attraction", "餐馆": "restaurant", "酒店": "hotel"}


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", str(text))]


def gold_slots(acts: list[list[str]]) -> set[tuple[str, str, str]]:
    out = set()
    for intent, domain, slot, value in acts:
        if intent == "Inform" and domain in DOMAINS and value not in ("", "none"):
            out.add((domain, slot, normalise(slot, value)))
    return out


def normalise(slot: str, value: Any) -> str:
    """A comparable form: numbers for price/rating ranges, the text otherwise."""
    if slot in ("人均消费", "门票", "价格", "评分"):
        if str(value) in ("免费", "0"):
            return "0"
        if str(value) in ("不免费", "收费"):
            return "1-"  # not free: at least 1 yuan
        nums = numbers(value)
        if len(nums) == 1 and slot != "评分" and re.search(r"以上|起|超过|不低于", str(value)):
            return f"{nums[0]:g}-"  # a lower bound only
        return "-".join(f"{n:g}" for n in nums) or str(value)
    return str(value).strip()


def predicted_slots(
    steps: list[Any], place_domain: dict[str, str], text: str = "", near_domain: dict[str, str] | None = None
) -> set[tuple[str, str, str]]:
    """The constraints the calls carry, as CrossWOZ slots. A place's name counts only when the
    turn itself says it (``text``): a name resolved from earlier turns ("这家酒店的电话") is not a
    constraint the user informed, and CrossWOZ's acts do not list it."""
    out: set[tuple[str, str, str]] = set()
    for s in steps:
        dom = DOMAIN_OF_TOOL.get(s.tool) or place_domain.get(s.tool)
        if not dom:
            continue
        a = {k: v for k, v in s.arguments.items() if v not in (None, "", [])}
        for key in ("name", "restaurant", "hotel"):
            if key in a and (not text or str(a[key]).strip() in text):
                out.add((dom, "名称", str(a[key]).strip()))
        if a.get("dishes"):
            for d in str(a["dishes"]).split():
                out.add((dom, "推荐菜", d))
        price = {
            "景点": ("min_ticket", "max_ticket", "门票"),
            "餐馆": ("min_price_per_person", "max_price_per_person", "人均消费"),
            "酒店": ("min_price", "max_price", "价格"),
        }
        if dom in price:
            lo, hi, slot = price[dom]
            if lo in a or hi in a:
                vals = [a[k] for k in (lo, hi) if k in a]
                text_ = "0" if vals == [0] else "-".join(f"{float(v):g}" for v in vals)
                out.add((dom, slot, text_ + "-" if hi not in a else text_))
        if "min_rating" in a:
            out.add((dom, "评分", f"{float(a['min_rating']):g}"))
        if a.get("duration"):
            out.add((dom, "游玩时间", str(a["duration"])))
        if a.get("hotel_type"):
            out.add((dom, "酒店类型", str(a["hotel_type"])))
        if a.get("facilities"):
            for f in str(a["facilities"]).split():
                out.add((dom, f"酒店设施-{f}", "是"))
        if a.get("near") and near_domain:
            # "故宫附近的餐馆": CrossWOZ informs the landmark's own name in its own domain
            near = str(a["near"])
            out.add((near_domain.get(near, dom), "名称", near))
        if s.tool in ("metro_route", "book_taxi"):
            out.add((dom, "出发地", str(a.get("origin", ""))))
            out.add((dom, "目的地", str(a.get("destination", ""))))
    return out


def comparable(gold: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Gold with 周边景点/餐馆/酒店 folded into one 周边 slot (our tools have one ``near``)."""
    return {(d, "周边" if s.startswith("周边") else s, v) for d, s, v in gold}


def satisfies(record: dict[str, Any], domain: str, gold: set[tuple[str, str, str]]) -> bool:
    for d, slot, value in gold:
        if d != domain:
            continue
        if slot == "名称":
            if value not in record["名称"] and record["名称"] not in value:
                return False
        elif slot in ("人均消费", "门票", "价格"):
            got = record.get(slot)
            bounds = [float(x) for x in value.split("-") if re.fullmatch(r"\d+(?:\.\d+)?", x)]
            lower_only = value.endswith("-")
            if (
                got is None
                or (len(bounds) == 2 and not bounds[0] <= got <= bounds[1])
                or (len(bounds) == 1 and not lower_only and got > bounds[0])
                or (len(bounds) == 1 and lower_only and got < bounds[0])
            ):
                return False
        elif slot == "评分":
            if (record.get("评分") or 0) < float(value.split("-")[0]):
                return False
        elif slot == "推荐菜":
            if not any(value in x for x in record.get("推荐菜") or []):
                return False
        elif slot == "酒店类型":
            if value not in (record.get("酒店类型") or ""):
                return False
        elif slot.startswith("酒店设施-"):
            if not any(slot[5:] in x for x in record.get("酒店设施") or []):
                return False
        elif slot == "游玩时间":
            if value.replace(" ", "") not in (record.get("游玩时间") or "").replace(" ", ""):
                return False
        elif slot.startswith("周边"):
            if value not in (record.get(slot) or []):
                return False
    return True


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--backend", default="")
    ap.add_argument("--history", type=int, default=12, help="history messages given to the dispatcher")
    ap.add_argument("--verbose", action="store_true", help="print each turn that misses to stderr")
    args = ap.parse_args(argv)
    os.environ["BANSHI_HOME"] = tempfile.mkdtemp(prefix="banshi-crosswoz-")
    if args.backend:
        os.environ["BANSHI_BACKEND"] = args.backend
    from banshi.agents.dispatcher import Dispatcher
    from banshi.agents.registry import get_registry
    from banshi.config import get_settings
    from banshi.messages import Message
    from banshi.models.base import get_backend
    from banshi.services import travel
    from banshi.store.db import session_scope
    from banshi.store.tables import User

    get_settings.cache_clear()
    settings = get_settings()
    backend = get_backend(settings)
    reg = get_registry(settings)
    # only the Beijing services: CrossWOZ's domains
    from banshi.agents.tools import Registry

    beijing = Registry([reg.services["travel"]])
    from banshi.agents.dispatcher import _load_router

    handle = _load_router(settings)  # the trained fast router over all services, as the server runs it
    router = handle.wait() if handle is not None else None
    dispatcher = Dispatcher(settings, backend, beijing, router=router)

    rows = [json.loads(line) for line in open(args.data, encoding="utf-8")]
    rows = [r for r in rows if {a[1] for a in r["acts"]} & DOMAINS]
    if args.limit:
        step = max(1, len(rows) // args.limit)  # spread over dialogues, not the first few
        rows = rows[::step][: args.limit]
    dom_ok = 0
    tp = fp = fn = 0
    ent_total = ent_ok = 0
    per_turn_ms: list[float] = []
    with session_scope(settings) as db:
        user = User(username="bench-crosswoz")
        db.add(user)
        db.flush()
        uid = user.id
    for r in rows:
        history = [Message(m["role"], m["content"]) for m in r["history"]][-args.history :]
        started = time.time()
        with session_scope(settings) as db:
            # as in the chat engine: a follow-up may continue the previous turn's service
            out = dispatcher.dispatch(
                db, uid, None, history, r["text"], previous_services=["travel"] if history else None
            )
            db.rollback()  # the benchmark books nothing
        per_turn_ms.append((time.time() - started) * 1000)
        place_domain: dict[str, str] = {}
        for s in out.steps:
            if s.tool == "place_details" and s.result is not None and s.result.ok:
                place_domain[s.tool] = {"attraction": "景点", "restaurant": "餐馆", "hotel": "酒店"}[
                    s.result.data["type"]
                ]
        near_domain: dict[str, str] = {}
        for s in out.steps:
            near = s.arguments.get("near")
            if near and s.result is not None and s.result.ok:
                try:
                    kind, _ = travel.find_place(settings, near)
                    near_domain[near] = {"attraction": "景点", "restaurant": "餐馆", "hotel": "酒店"}[kind]
                except Exception:
                    pass
        gold_domains = {a[1] for a in r["acts"]} & DOMAINS
        pred_domains = {DOMAIN_OF_TOOL.get(s.tool) or place_domain.get(s.tool) for s in out.steps} - {None}
        pred_domains |= set(near_domain.values())  # the landmark the search was anchored on
        dom_ok += pred_domains == gold_domains
        gold = comparable(gold_slots(r["acts"]))
        pred = predicted_slots(out.steps, place_domain, r["text"], near_domain)
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        if args.verbose and (pred != gold or pred_domains != gold_domains):
            print(
                json.dumps(
                    {
                        "text": r["text"],
                        "gold": sorted(gold),
                        "pred": sorted(pred),
                        "calls": [(s.tool, s.arguments) for s in out.steps],
                        "domains": [sorted(gold_domains), sorted(pred_domains)],
                    },
                    ensure_ascii=False,
                ),
                file=sys.stderr,
            )
        wants_name = [a[1] for a in r["acts"] if a[0] == "Request" and a[2] == "名称" and a[1] in KIND]
        if wants_name and any(d == wants_name[0] for d, _, _ in gold):
            ent_total += 1
            dom = wants_name[0]
            first = next(
                (
                    s.result.data["results"][0]["name"]
                    for s in out.steps
                    if DOMAIN_OF_TOOL.get(s.tool) == dom
                    and s.result is not None
                    and s.result.ok
                    and s.result.data.get("results")
                ),
                None,
            )
            ok = False
            wanted = gold_slots(r["acts"])
            if first:
                _, record = travel.find_place(settings, first, (KIND[dom],))
                ok = satisfies(record, dom, wanted)
            elif not any(satisfies(x, dom, wanted) for x in travel.records(settings, KIND[dom])):
                ok = True  # no place satisfies them: the right answer names none (CrossWOZ has such goals)
            ent_ok += ok
            if args.verbose and not ok:
                print(
                    json.dumps({"entity": first, "text": r["text"], "gold": sorted(gold)}, ensure_ascii=False),
                    file=sys.stderr,
                )
    n = len(rows)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    per_turn_ms.sort()
    print(
        json.dumps(
            {
                "domain_accuracy": round(dom_ok / max(1, n), 3),
                "slot_f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
                "slot_precision": round(precision, 3),
                "slot_recall": round(recall, 3),
                "entity_success": round(ent_ok / ent_total, 3) if ent_total else None,
                "entity_turns": ent_total,
                "n": n,
                "backend": backend.id,
                "ms": {
                    "p50": round(per_turn_ms[n // 2]) if n else None,
                    "p95": round(per_turn_ms[min(n - 1, int(n * 0.95))]) if n else None,
                },
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
