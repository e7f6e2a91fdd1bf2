"""Travel & maps (sandbox): Beijing's attractions, restaurants, hotels and metro stations from
the CrossWOZ database (``data_dir/services/crosswoz_beijing``, read at run time); search by
name, area, type, price, rating, dishes, facilities and nearby places; metro directions;
hotel, table and taxi bookings kept per user in the database. Bookings are simulated."""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from typing import Any

from banshi import days
from banshi.agents.tools import FromStep, Planned, Refused, Service, ToolContext, tool
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.services import common
from banshi.services.common import SANDBOX, load_json, spoken_clock, stable_int

DB = "crosswoz_beijing"
KIND_FILE = {"attraction": "attraction_db.json", "restaurant": "restaurant_db.json", "hotel": "hotel_db.json"}
PRICE_FIELD = {"attraction": "门票", "restaurant": "人均消费", "hotel": "价格"}
PRICE_KEY = {"attraction": "ticket", "restaurant": "price_per_person", "hotel": "price"}  # as results name it


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


def _serves(r: dict[str, Any], term: str) -> int:
    """How surely the restaurant serves ``term``, 0 when not: a name that carries it (or, for a
    cuisine the database has no field for, one of its words: "渝信川菜") is surest; otherwise each
    dish that mentions it counts, and a cuisine needs two: one 宫保鸡丁 on a Beijing menu does not
    make a Sichuan restaurant."""
    name, dishes = r["名称"], r.get("推荐菜") or []
    words = CUISINES.get(term.lower(), "").split()
    if not words:
        return 100 if term in name else sum(term in d for d in dishes)
    words.append(term)
    if any(w in name for w in words):
        return 100
    n = sum(any(w in d for w in words) for d in dishes)
    return n if n >= 2 else 0


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
        serves = [_serves(r, d) for d in dishes.split()]
        if not all(serves):
            continue
        if duration and duration.replace(" ", "") not in (r.get("游玩时间") or "").replace(" ", ""):
            continue
        if hotel_type and hotel_type not in (r.get("酒店类型") or ""):
            continue
        if facilities and not all(any(f in x for x in r.get("酒店设施") or []) for f in facilities.split()):
            continue
        hits.append((sum(serves), r))
    if sort == "price":
        hits.sort(key=lambda h: (h[1].get(pf) is None, h[1].get(pf) or 0))
    else:  # the surest to serve what was asked for first, then the best rated
        hits.sort(key=lambda h: (-h[0], -(h[1].get("评分") or 0)))
    limit = max(1, min(limit, 20))
    out = {
        "count": len(hits),
        "results": [_summary(kind, r) for _, r in hits[:limit]],
        "source": "crosswoz_beijing",
    } | ({"name": name} if name else {})
    return out | ({"note": note} if note else {})


def _is_other_place(settings: Settings, name: str, kind: str) -> bool:
    """True when ``name`` is exactly an attraction, restaurant or hotel of another kind."""
    return any(r["名称"] == name for other in KIND_FILE if other != kind for r in records(settings, other))


# -- the deterministic reader: requests against the database's own vocabulary -------------------

KIND_WORDS = {
    "restaurant": ("餐馆", "餐厅", "饭店", "饭馆", "菜馆", "馆子", "吃", "用餐", "人均", "美食", "restaurant"),
    "hotel": ("酒店", "宾馆", "住宿", "旅馆", "入住", "住下", "hotel"),
    "attraction": ("景点", "景区", "游玩", "门票", "票价", "玩", "逛", "attraction"),
}
KIND_ZH = {"attraction": "景点", "restaurant": "餐馆", "hotel": "酒店"}
HOTEL_TYPES = {"经济": "经济型", "舒适": "舒适型", "高档": "高档型", "豪华": "豪华型", "公寓": "公寓"}
#: words asking about a known place (its details), not for a new one
ASK_DETAIL = (
    "电话",
    "地址",
    "营业时间",
    "几点",
    "周边",
    "附近",
    "推荐菜",
    "特色菜",
    "招牌",
    "评分",
    "多少分",
    "价格",
    "多少钱",
    "门票",
    "游玩时间",
    "玩多久",
    "多久",
    "多长时间",
    "地铁站",
    "酒店类型",
    "设施",
    "什么类型",
    "位置",
    "在哪",
    "怎么样",
    "如何",
    "是否",
    "有没有提供",
    "phone",
    "address",
    "hours",
    "nearby",
    "rating",
    "price",
)
#: words asking for a place's name: a search
ASK_NAME = (
    "推荐",
    "哪家",
    "哪个",
    "哪里",
    "哪些",
    "找",
    "有没有",
    "有什么",
    "什么地方",
    "想去",
    "想吃",
    "想住",
    "给我",
    "recommend",
    "find",
    "which",
    "any ",
)
_NUM = r"(\d+(?:\.\d+)?)"
_RANGE = re.compile(_NUM + r"\s*(?:元|块)?\s*(?:-|~|～|到|至|—)\s*" + _NUM + r"\s*(?:元|块)?")
_UPTO = re.compile(
    _NUM + r"\s*(?:元|块)?\s*(?:以下|以内|之内|之下|左右以内)|(?:不超过|不到|低于|少于|under|below)\s*" + _NUM
)
_FROM = re.compile(_NUM + r"\s*(?:元|块)?\s*(?:以上|起)|(?:超过|高于|不低于|over|above)\s*" + _NUM)
_RATING = re.compile(
    r"(?:评分|rating|评价)\D{0,4}?" + r"(\d(?:\.\d)?)\s*分?(以上|及以上)?|(\d(?:\.\d)?)\s*分(以上|及以上)?"
)
_AMOUNT = r"(\d+(?:\.\d+)?|半|一|两|二|三|四|五)"
_DURATION = re.compile(
    _AMOUNT
    + r"\s*个?\s*(小时|小|天)?\s*(?:-|~|到|至)\s*"
    + _AMOUNT
    + r"\s*个?\s*(小时|天)|"
    + _AMOUNT
    + r"\s*个?\s*(小时|小(?![吃店])|天)"
)
_AMOUNTS = {"半": "0.5", "一": "1", "两": "2", "二": "2", "三": "3", "四": "4", "五": "5"}


def _duration(m: re.Match[str]) -> str:
    """CrossWOZ's own way to write a visit's length: "0.5小时 - 1小时", "3小时", "1天"."""

    def one(amount: str, unit: str | None) -> str:
        return _AMOUNTS.get(amount, amount) + ("天" if unit == "天" else "小时")

    if m.group(1):
        return f"{one(m.group(1), m.group(2) or m.group(4))} - {one(m.group(3), m.group(4))}"
    return one(m.group(5), m.group(6))


#: entries of the dishes lists that are everyday words, not dishes
NOT_DISHES = {
    "没有",
    "其他",
    "都可以",
    "一般吧",
    "你的菜",
    "原味的",
    "好吃",
    "特色",
    "招牌",
    "老字号",
    "小吃",
    "早餐",
    "午餐",
    "晚餐",
}


class Vocabulary:
    """What the database itself can be asked about: place names by kind, dishes, facilities,
    visit durations. Built from the data at run time (so the reader follows the data)."""

    def __init__(self, settings: Settings):
        self.kind_of: dict[str, str] = {}
        dishes: set[str] = set()
        facilities: set[str] = set()
        self.durations: set[str] = set()
        for kind in KIND_FILE:
            for r in records(settings, kind):
                self.kind_of.setdefault(r["名称"], kind)
                dishes.update(d for d in r.get("推荐菜") or [] if len(d) >= 2)
                facilities.update(f.strip() for f in r.get("酒店设施") or [] if f.strip())
                if r.get("游玩时间"):
                    self.durations.add(r["游玩时间"])
        self.stations = {name for name, _ in load_json(settings, DB, "metro_db.json")}
        # a branch's name without "(…店)" finds it too, when no other place has that name; a
        # name several branches share (全聚德) is a chain's, whose branches the user picks from
        branches: dict[str, list[str]] = {}
        for name in list(self.kind_of):
            base = re.split(r"[（(]", name)[0].strip()
            if len(base) >= 3 and base not in self.kind_of:
                branches.setdefault(base, []).append(name)
        self.full = {base: names[0] for base, names in branches.items() if len(names) == 1}
        self.chains = {base: names for base, names in branches.items() if len(names) > 1}
        for base, name in self.full.items():
            self.kind_of[base] = self.kind_of[name]
        # a two-character "name" that is also a dish or a facility ("酒吧") is that word, not a place
        for name in [n for n in self.kind_of if len(n) <= 2 and (n in dishes or n in facilities)]:
            del self.kind_of[name]
        stop = set().union(*KIND_WORDS.values()) | set(ASK_DETAIL) | set(ASK_NAME) | NOT_DISHES
        self.dishes = sorted((d for d in dishes if d not in stop and not d.isascii()), key=len, reverse=True)
        self.facilities = sorted(facilities, key=len, reverse=True)
        # Beijing's landmarks named in English, to the names the database holds (longest first)
        known = set(self.kind_of) | set(self.full.values())
        self.landmarks = {en: zh for en, zh in LANDMARKS.items() if zh in known}
        english = sorted(self.landmarks, key=len, reverse=True)
        self.english = re.compile(r"\b(" + "|".join(map(re.escape, english)) + r")\b", re.I) if english else None

    @staticmethod
    def _spans(text: str, words: Any) -> list[tuple[int, int, str]]:
        """Longest non-overlapping occurrences of ``words`` (longest first) in ``text``."""
        taken = [False] * len(text)
        out = []
        for w in words:
            start = text.find(w)
            while start >= 0:
                end = start + len(w)
                if not any(taken[start:end]):
                    out.append((start, end, w))
                    for i in range(start, end):
                        taken[i] = True
                start = text.find(w, end)
        return sorted(out)

    def chain(self, text: str) -> str:
        """The longest chain's name ``text`` says (全聚德), "" when none."""
        return max((c for c in self.chains if c in text), key=len, default="")

    def places(self, text: str) -> list[tuple[int, str, str]]:
        """(position, full name, kind) of the places named in ``text``, in order."""
        names = sorted((n for n in self.kind_of if n in text), key=len, reverse=True)
        return [(a, self.full.get(w, w), self.kind_of[w]) for a, _, w in self._spans(text, names)]


_vocab: dict[str, Vocabulary] = {}


def vocabulary(settings: Settings) -> Vocabulary:
    key = str(common.data_file(settings, DB, KIND_FILE["hotel"]))
    if key not in _vocab:
        _vocab[key] = Vocabulary(settings)
    return _vocab[key]


def _kinds_named(text: str) -> list[str]:
    """Kinds of place the text names, in the order they appear."""
    found = []
    for kind, words in KIND_WORDS.items():
        pos = [text.find(w) for w in words if w in text]
        if pos:
            found.append((min(pos), kind))
    return [k for _, k in sorted(found)]


def _num(x: str) -> int | float:
    v = float(x)
    return int(v) if v.is_integer() else v


PRICE_WORDS = {
    "attraction": ("门票", "票价", "免费", "ticket"),
    "restaurant": ("人均", "消费", "per person"),
    "hotel": ("价格", "房价", "一晚", "每晚", "per night"),
}


def constraints(
    v: Vocabulary, text: str, kind: str, names: list[tuple[int, str, str]], priced: bool = True
) -> dict[str, Any]:
    """The search arguments ``text`` states for ``kind``, from the database's vocabulary.
    Prices count for ``kind`` when its own price word is there ("人均", "门票") or ``priced``."""
    masked = text
    for _, name, _ in names:  # numbers and dishes inside a place's name are not constraints
        masked = masked.replace(name, " " * len(name))
    out: dict[str, Any] = {}
    lo_key, hi_key = {
        "attraction": ("min_ticket", "max_ticket"),
        "restaurant": ("min_price_per_person", "max_price_per_person"),
        "hotel": ("min_price", "max_price"),
    }[kind]
    rating_spans = []
    m = _RATING.search(masked)
    if m:
        out["min_rating"] = _num(m.group(1) or m.group(3))
        rating_spans.append(m.span())
    price_text = masked
    for a, b in rating_spans:
        price_text = price_text[:a] + " " * (b - a) + price_text[b:]
    price_text = _DURATION.sub(lambda x: " " * len(x.group(0)), price_text)
    price_text = re.sub(r"\d+(?:\.\d+)?\s*(?:个人|人|位|晚|间|点|:\d+)", lambda x: " " * len(x.group(0)), price_text)
    if not priced and not any(w in text.lower() for w in PRICE_WORDS[kind]):
        price_text = ""
    m = _RANGE.search(price_text)
    if m:
        out[lo_key], out[hi_key] = _num(m.group(1)), _num(m.group(2))
    else:
        m = _UPTO.search(price_text)
        if m:
            out[hi_key] = _num(m.group(1) or m.group(2))
        m = _FROM.search(price_text)
        if m:
            out[lo_key] = _num(m.group(1) or m.group(2))
    if kind == "attraction" and re.search(r"不(?:是)?免费|收费", masked):
        out[lo_key] = max(1, out.get(lo_key) or 1)
    elif kind == "attraction" and ("免费" in masked or "不要门票" in masked or "free" in masked.lower()):
        out[hi_key] = 0
        out.pop(lo_key, None)
    if kind == "attraction":
        m = _DURATION.search(masked)
        said_play = re.search(r"玩|游览|时长|时间|逛", masked)
        if m and said_play and masked[max(0, m.start() - 1) : m.start()] != "第":
            out["duration"] = _duration(m)
    if kind == "restaurant":
        dishes = [w for _, _, w in v._spans(masked, v.dishes)]
        dishes += [c for c in CUISINES if not c.isascii() and c in masked and c not in dishes]
        english = masked
        for c in sorted((c for c in CUISINES if c.isascii()), key=len, reverse=True):  # peking duck, not duck
            if re.search(rf"\b{c}\b", english, re.I):
                dishes.append(c)
                english = re.sub(rf"\b{c}\b", " ", english, flags=re.I)
        if dishes:
            out["dishes"] = " ".join(dict.fromkeys(dishes))
    if kind == "hotel":
        for stem, full in HOTEL_TYPES.items():
            if stem in masked:
                out["hotel_type"] = full
                break
        fac = [w for _, _, w in v._spans(masked, v.facilities)]
        # "国际长途" for 国际长途电话, "接机" for 接机服务
        fac += [
            f
            for f in v.facilities
            if f not in fac
            and len(short := re.sub(r"(电话|服务|设施)$", "", f)) >= 2
            and short != f
            and short in masked
            and not any(short in g for g in fac)
        ]
        if "wifi" in masked.lower() and not any("wifi" in f for f in fac):
            fac.append("wifi")
        if fac:
            out["facilities"] = " ".join(fac)
    return out


_ORDINAL = re.compile(
    r"第\s*([一二两三四五六七八九十\d]{1,2})\s*[家个间座]|\b(?:the )?(first|second|third|fourth|fifth|last)\b"
    r"|\b([1-9])(?:st|nd|rd|th)\b|最后一[家个间座]",
    re.I,
)


def _ordinal(text: str) -> int:
    """Which of the places listed the request points at: 第二家 / the second one → 2, the last →
    -1; 0 when it points at none."""
    m = _ORDINAL.search(text)
    if not m:
        return 0
    if m.group(2):
        word = m.group(2).lower()
        return -1 if word == "last" else ("first", "second", "third", "fourth", "fifth").index(word) + 1
    if m.group(1) or m.group(3):
        return common.count(m.group(1) or m.group(3))
    return -1  # 最后一家


def _referent(
    v: Vocabulary, history: list[str], kind: str | None, nth: int = 0, said: str = ""
) -> tuple[str, str] | None:
    """The place an earlier message spoke of ("这家酒店", "它"): the latest message naming one
    (of ``kind`` when the request says which), its first such place; with ``nth`` (第二家, see
    ``_ordinal``), the latest message listing that many, its nth; of several listed, the one
    whose name shares the most of what is ``said`` (「订王府井那家」: 北京全聚德(王府井店))."""
    for message in reversed(history):
        named = [(name, k) for _, name, k in v.places(message) if kind is None or k == kind]
        if nth and len(named) >= abs(nth):
            return named[nth - 1 if nth > 0 else nth]
        if named and not nth:
            return _sharing(named, said) or named[0]
    return None


def _sharing(named: list[tuple[str, str]], said: str) -> tuple[str, str] | None:
    """The one of ``named`` sharing the longest run of two or more characters with ``said``, when
    no other shares as long a run."""
    runs = [
        difflib.SequenceMatcher(None, name, said, autojunk=False).find_longest_match().size for name, _ in named
    ]
    best = max(runs, default=0)
    return named[runs.index(best)] if best >= 2 and runs.count(best) == 1 else None


def _asked_kind(text: str) -> str | None:
    """The kind asked about after 周边/附近 ("周边有哪些餐馆" → restaurant)."""
    m = re.search(
        r"(?:周边|附近|周围|旁边)[^，。？?！!,]*?("
        + "|".join(w for ws in KIND_WORDS.values() for w in ws if not w.isascii())
        + ")",
        text,
    )
    if not m:
        return None
    return next(k for k, ws in KIND_WORDS.items() if m.group(1) in ws)


WRITE_CUES = {
    "book_taxi": r"出租|打车|打的|叫.{0,12}车|一辆.{0,12}车|taxi|\bcab\b",
    "book_restaurant": r"订[^，。,]{0,40}(?:位子|座位|位置|桌|座)|订.{0,3}位|预订.{0,6}餐"
    r"|book a table|reserve a table|table for",
    "book_hotel": r"订.{0,3}房|订[^，。,]{0,30}(?:酒店|宾馆)|住.{0,2}[一两二三四五六七八九\d]晚"
    r"|book a room|book a hotel",
}
_PEOPLE = re.compile(
    r"(\d{1,2}|[一两二三四五六七八九十])\s*(?:个人|人|位)"
    r"|for (\d{1,2}|two|three|four|five|six) (?:people|persons)?|table for (\d{1,2}|two|three|four)"
)


#: Beijing's landmarks by the names English speakers use, to the database's own (Chinese) names
LANDMARKS = {
    "forbidden city": "故宫", "palace museum": "故宫", "temple of heaven": "天坛", "old summer palace": "圆明园",
    "summer palace": "颐和园", "mutianyu great wall": "慕田峪长城", "great wall at mutianyu": "慕田峪长城",
    "badaling great wall": "八达岭长城", "great wall at badaling": "八达岭长城", "great wall": "八达岭长城",
    "tiananmen square": "天安门广场", "beihai park": "北海公园", "lama temple": "雍和宫", "yonghe temple": "雍和宫",
    "shichahai": "什刹海", "houhai": "什刹海", "798 art district": "798艺术区", "798 art zone": "798艺术区",
    "jingshan park": "景山公园", "prince gong's mansion": "恭王府", "prince gong mansion": "恭王府",
    "fragrant hills": "香山公园", "xiangshan park": "香山公园", "beijing zoo": "北京动物园",
    "national museum of china": "中国国家博物馆", "qianmen street": "前门大街", "water cube": "水立方（国家游泳中心）",
    "national centre for the performing arts": "国家大剧院", "national center for the performing arts": "国家大剧院",
    "ming tombs": "明十三陵", "peking university": "北京大学", "tsinghua university": "清华大学",
    "capital museum": "首都博物馆",
}


def in_place_names(settings: Settings, text: str) -> str:
    """``text`` with the landmarks it names in English written as the database names them ("a
    hotel near the Forbidden City" → "a hotel near the 故宫"); only names the database holds."""
    v = vocabulary(settings)
    return v.english.sub(lambda m: v.landmarks[m[1].lower()], text) if v.english else text


def read_request(settings: Settings, text: str, history: list[str]) -> list[Planned]:
    """The travel calls a request clearly asks for, read deterministically (no model): a search
    under the constraints it states, a place's details, a metro route; bookings and taxis with
    what the request says (a booking of "that restaurant" takes the search's first result).
    A landmark named in English is read as the database names it (``in_place_names``).
    ``[]`` when the request is not clear enough — the model decides then."""
    text = in_place_names(settings, text)
    if _OWN.search(text) and _kinds_named(text) and not re.search(r"票|外卖|挂号", text):
        return [Planned("list_travel_bookings", {})]
    segments: list[tuple[str | None, str]] = []
    for part in re.split(r"(?<=[，,；;。！!])", text):
        cue = next((t for t, c in WRITE_CUES.items() if re.search(c, part, re.I)), None) or _books(
            settings, part, history
        )
        if not segments or (cue and cue != segments[-1][0]):
            segments.append((cue, part))
        else:
            segments[-1] = (segments[-1][0], segments[-1][1] + part)
    taxi = [seg for cue, seg in segments if cue == "book_taxi"]
    if taxi and len({c for c, _ in segments if c}) == 1 and re.search(r"从.{1,30}?(?:到|去)|\bfrom\b.+\bto\b", text):
        segments = [("book_taxi", text)]  # "如果从A到B，打车过去的话": one taxi, ends said before the cue
    plans: list[Planned] = []
    for cue, seg in segments:
        if cue is None:
            plans += _read_one(settings, seg, history)
            continue
        kind = {"book_restaurant": "restaurant", "book_hotel": "hotel"}.get(cue)
        named = [n for _, n, k in vocabulary(settings).places(seg) if k == kind]
        if kind and not named and (chain := vocabulary(settings).chain(seg)):
            # 「订全聚德的位子」: which 全聚德? its branches, for the user to pick (not one at random)
            plans.append(_branches(vocabulary(settings), chain))
            break
        if kind and not named:
            # "订一家评分4.5以上的舒适型酒店": find it first; the booking takes the first found
            plans += [p for p in _read_one(settings, seg, []) if p.tool == f"search_{kind}s"]
        p = _read_write(settings, cue, seg, text, history, plans)
        if p is None:
            break
        plans.append(p)
    return plans


_BOOK = re.compile(r"(?<![查看])订(?![单票的了过])|预订(?![单的了过])|\bbook\b|\breserve\b", re.I)
#: the user's own bookings asked for: 「我订了哪些餐厅」, "my reservations"
_OWN = re.compile(
    r"我(?:预)?订(?:了|的|过)|(?:订|预订)了哪些|\bmy (?:bookings?|reservations?)\b"
    r"|\b(?:what|which)\b.{0,30}\b(?:did|have) i (?:book(?:ed)?|reserved?)\b",
    re.I,
)


def _books(settings: Settings, part: str, history: list[str]) -> str | None:
    """A booking said with no word for what is booked: 「就订渝信川菜吧」, 「订第二家」, "book the
    second one": of the restaurant or hotel it names, or of the one listed before it points at."""
    if not _BOOK.search(part):
        return None
    v = vocabulary(settings)
    kinds = [k for _, _, k in v.places(part)]
    if not kinds and (_ordinal(part) or _REFERS.search(part)):
        ref = _referent(v, history, None, _ordinal(part), part)
        kinds = [ref[1]] if ref else []
    kind = next((k for k in kinds if k in ("restaurant", "hotel")), None)
    return f"book_{kind}" if kind else None


_REFERS = re.compile(r"[这那]家|[这那]个|\b(?:that|this) one\b", re.I)
#: a question about a place itself (its phone, address, way there, hours, price)
_ABOUT_PLACE = re.compile(
    r"电话|地址|在哪|怎么走|怎么去|怎么坐|营业|开门|关门|门票|多少钱|人均|评分"
    r"|\bphone\b|\baddress\b|\bwhere is\b|\bhow (?:do|can) i get\b|\bopening\b|\bhours\b",
    re.I,
)


def recognizes(settings: Settings, text: str) -> bool:
    """Whether ``text`` books or asks about a restaurant, hotel or sight the data holds by its
    name, though it says no word of travel: 「明晚7点4个人，帮我订护国寺小吃店（护国寺总店）」,
    「渝信川菜的地址」. A place named in passing (我昨天去了故宫) is not enough; without the data, none is."""
    if not (_BOOK.search(text) or _ABOUT_PLACE.search(text)):
        return False
    try:
        v = vocabulary(settings)
        named = in_place_names(settings, text)
        return bool(v.places(named) or v.chain(named))  # 帮我订全聚德，4个人: which one? its branches
    except common.DataMissing:
        return False


#: where a taxi goes, as said (an airport, an address): 「…去首都机场」, "… to the airport at 7"
_TAXI_TO = re.compile(
    r"(?:到|去)\s*([^，。,；;！!？?的]{2,20}?)(?=[，。,；;！!？?]|的|$|怎么|打车|叫车|坐车)"
    r"|\bto\s+((?:the\s+)?[\w' -]{2,40}?)(?=\s+(?:at|on|by|tomorrow|today|tonight)\b|[,.!?]|$)",
    re.I,
)


def _people(text: str) -> int | None:
    m = _PEOPLE.search(text.lower())
    if not m:
        return None
    x = next(g for g in m.groups() if g)
    return common.count(x)


def _read_write(
    settings: Settings, cue: str, seg: str, text: str, history: list[str], plans: list[Planned]
) -> Planned | None:
    """A booking or a taxi, from its part of the request; the place it is about may be the one
    an earlier part searched for (:class:`FromStep`) or the one the conversation is about."""
    v = vocabulary(settings)
    names = v.places(seg)
    whole = len(seg) == len(text)

    def about(kind: str) -> Any:
        own = [n for _, n, k in names if k == kind]
        if own:
            return own[0]
        for i in range(len(plans) - 1, -1, -1):
            if plans[i].tool == f"search_{kind}s":
                return FromStep(i, "results.0.name")
        ref = _referent(v, history, kind, _ordinal(seg), seg)
        return ref[0] if ref else None

    if cue == "book_taxi":
        ends: list[Any] = [n for _, n, _ in names]
        m_from = re.search(r"从(.{1,20}?)(?:到|去|出发|走)|\bfrom (.{1,40}?) to\b", seg, re.I)
        said_from = (m_from.group(1) or m_from.group(2)) if m_from else ""
        origin = next((n for n in ends if said_from and n in said_from), None)
        if origin is None and said_from and not names:
            origin = said_from.strip()  # "从酒店出发": the words the user used
        dest = next((n for n in ends if n != origin), None)
        if dest is None:
            dest = next(
                (
                    FromStep(i, "results.0.name")
                    for i in range(len(plans) - 1, -1, -1)
                    if plans[i].tool.startswith("search_")
                ),
                None,
            )
        if dest is None and plans and plans[-1].tool.startswith("book_"):
            prev = plans[-1].arguments
            dest = prev.get("restaurant") or prev.get("hotel")
        after = seg[m_from.end(1) if m_from.group(1) else m_from.end(2) :] if m_from else seg  # "去…", " to …"
        if dest is None and said_from and (m_to := _TAXI_TO.search(after)):
            dest = (m_to.group(1) or m_to.group(2)).strip()  # 「从酒店去首都机场」: a place not in the data
        if origin is None or dest is None:
            if whole and history and (origin or dest):  # the other end is the place talked about
                ref = _referent(v, history, None)
                if ref:
                    origin, dest = (origin, ref[0]) if origin else (ref[0], dest)
        if origin is None or dest is None:
            return None
        args: dict[str, Any] = {"origin": origin, "destination": dest}
        if when := spoken_clock(seg):
            args["time"] = when
        return Planned("book_taxi", args)
    if cue == "book_restaurant":
        place = about("restaurant")
        if place is None:
            return None
        args = {"restaurant": place}
        # 「订王府井那家」 after 「帮我订明天晚上7点全聚德的位子，4个人」: the time and count asked for then
        asked = next((m for m in reversed(history[-4:]) if re.search(WRITE_CUES[cue], m, re.I)), "")
        when = spoken_clock(seg) or spoken_clock(text) or spoken_clock(asked)
        people = _people(seg) or _people(text) or _people(asked)
        if when:
            args["time"] = when
        if people:
            args["people"] = people
        return Planned("book_restaurant", args, final=bool(when and people))
    place = about("hotel")
    if place is None:
        return None
    args = {"hotel": place}
    day = days.DAY.search(seg) or days.DAY.search(text)
    if day:
        args["check_in"] = day.group(0)
    if m := re.search(r"(\d{1,2}|[一两二三四五六七八九十])\s*(?:晚|nights?)", seg):
        args["nights"] = common.count(m.group(1))
    if m := re.search(r"(\d{1,2}|[一两二三四五六七八九十])\s*(?:间|rooms?)", seg):
        args["rooms"] = common.count(m.group(1))
    return Planned("book_hotel", args, final="check_in" in args)


#: what only one kind of place has: "它家都有什么推荐菜" is about a restaurant
ATTRIBUTE_KIND = {
    "restaurant": ("推荐菜", "营业时间", "人均", "菜"),
    "attraction": ("门票", "游玩时间", "玩多久", "票价"),
    "hotel": ("酒店类型", "设施", "房价", "入住", "wifi"),
}


def _attribute_kind(text: str) -> str | None:
    return next((k for k, words in ATTRIBUTE_KIND.items() if any(w in text.lower() for w in words)), None)


def _branches(v: Vocabulary, chain: str) -> Planned:
    """The search listing a chain's branches (全聚德), for the user to pick one."""
    return Planned(f"search_{v.kind_of[v.chains[chain][0]]}s", {"name": chain, "limit": 20})


def _cheap(text: str) -> dict[str, bool]:
    """The cheapest first, for a search that asks for something cheap (便宜的, "a cheap hotel")."""
    said = re.search(r"便宜|实惠|划算|低价|\bcheap|\bbudget\b|\baffordable\b|\binexpensive\b", text, re.I)
    return {"cheapest_first": True} if said else {}


def _read_one(settings: Settings, text: str, history: list[str]) -> list[Planned]:
    """A search, a place's details or a metro route (no writes)."""
    v = vocabulary(settings)
    names = v.places(text)
    if not names and (chain := v.chain(text)):  # "东来顺的电话": which one? its branches
        return [_branches(v, chain)]
    low = text.lower()
    kinds = _kinds_named(text)
    asked = _asked_kind(text)
    # the place being talked about is the one named before "周边" etc., not the ones asked for
    cut = re.search(r"周边|附近|周围|旁边", text)
    subject_kinds = _kinds_named(text[: cut.start()]) if cut else kinds

    if "地铁" in text or "metro" in low or "subway" in low:
        ends = [n for _, n, _ in names] + [
            w for _, _, w in v._spans(text, sorted(v.stations - set(v.kind_of), key=len, reverse=True))
        ]
        if len(ends) >= 2 or re.search(r"从|到|去|怎么", text):
            if len(ends) < 2 and history:
                ref = _referent(v, history, None)
                if ref and ref[0] not in ends:
                    ends = (
                        [ref[0], *ends]
                        if re.search(r"(?:到|去)" + re.escape(ends[0]) if ends else "$^", text)
                        else [*ends, ref[0]]
                    )
            if len(ends) >= 2:
                return [Planned("metro_route", {"origin": ends[0], "destination": ends[1]})]

    wants_detail = any(w in low for w in ASK_DETAIL)
    # "这个酒店有商务中心吗": a question about the place being talked about, not a new search
    pointed = re.search(
        r"(?:这|那|该)(?:个|家|座|间)?(?:" + "|".join(w for ws in KIND_WORDS.values() for w in ws) + ")", text
    )
    if pointed and not names and not re.search(r"别的|其他|其它|另外|换一?[个家]|还有", text):
        kind = next(k for k, ws in KIND_WORDS.items() if any(pointed.group(0).endswith(w) for w in ws))
        ref = _referent(v, history, kind)
        if ref and not asked:
            return [Planned("place_details", {"name": ref[0]})]
    # a search: the kind of place the stated constraints are about (most constraints; a tie goes
    # to the kind asked after 周边, then to the kind named last: "吃完饭想去景点")
    best: tuple[int, int, str] | None = None
    for k in dict.fromkeys(([asked] if asked else []) + kinds):
        if k is None:
            continue
        got = constraints(v, text, k, names, priced=len(kinds) == 1 or k == asked)
        rank = (len(got), (k == asked) * 10 + (kinds.index(k) if k in kinds else -1))
        if got and (best is None or rank > best[:2]):
            best = (*rank, k)  # type: ignore[assignment]
    if best is not None:
        search_kind = best[2]
        args = constraints(v, text, search_kind, names, priced=len(kinds) == 1 or search_kind == asked)
        near = [n for _, n, k in names if k != search_kind or asked == search_kind]
        own = [n for _, n, k in names if k == search_kind]
        if near and (asked == search_kind or re.search(r"附近|周边|旁边|周围|near", text)):
            args["near"] = near[0]
        elif own and not any(w in low for w in ASK_NAME):
            # "北京新世界酒店有wifi吗": a question about that place, not a search
            return [Planned("place_details", {"name": own[0]})]
        return [Planned(f"search_{search_kind}s", args | _cheap(text))]

    # "颐和园附近的酒店", "a hotel near the Summer Palace": that kind of place near the one named
    # (while "颐和园周边有什么酒店" asks about 颐和园, whose details list them)
    if names and kinds and re.search(r"(?:附近|旁边|周围)的|\bnear\b", low):
        return [Planned(f"search_{asked or kinds[-1]}s", {"near": names[0][1]} | _cheap(text))]
    # a known place's details: named here, or the one the conversation is about
    if wants_detail or asked:
        if names:
            place = names[0][1]
        else:
            want = subject_kinds[0] if subject_kinds else _attribute_kind(text)
            nth = _ordinal(text)
            ref = _referent(v, history, want, nth) or _referent(v, history, None, nth)
            place = ref[0] if ref else ""
        if place:
            return [Planned("place_details", {"name": place})]
    if names:  # "就去雅悦酒店吧": the place chosen, and what there is to know about it
        return [Planned("place_details", {"name": names[0][1]})]
    if kinds and any(w in low for w in ASK_NAME):  # "推荐一家酒店", no constraints: the best rated
        return [Planned(f"search_{kinds[-1]}s", _cheap(text))]
    return []


# -- tools --------------------------------------------------------------------------------------


def _place_line(p: dict[str, Any], zh: bool) -> str:
    """One search result with the facts a choice is made on, as the data has them."""
    facts: list[str] = []
    if p.get("rating") is not None:
        facts.append(f"评分 {p['rating']:g}" if zh else f"rated {p['rating']:g}")
    if p["type"] == "restaurant" and p.get("price_per_person") is not None:
        facts.append(f"人均 ¥{p['price_per_person']:g}" if zh else f"¥{p['price_per_person']:g} per person")
    elif p["type"] == "hotel":
        facts += [p["hotel_type"]] if p.get("hotel_type") else []
        if p.get("price") is not None:
            facts.append(f"¥{p['price']:g}/晚" if zh else f"¥{p['price']:g} a night")
    elif p["type"] == "attraction":
        if p.get("ticket") is not None:
            free = "免费" if zh else "free"
            facts.append(free if p["ticket"] == 0 else (f"门票 ¥{p['ticket']:g}" if zh else f"ticket ¥{p['ticket']:g}"))
        if p.get("duration"):
            facts.append(f"游玩 {p['duration']}" if zh else f"visit {p['duration']}")
    if p.get("address"):
        facts.append(p["address"])
    if p.get("metro"):
        facts.append(f"地铁：{p['metro']}" if zh else f"metro: {p['metro']}")
    things = p.get("dishes") or p.get("facilities") or []
    if things:
        facts.append(
            ("推荐菜：" if p["type"] == "restaurant" else "设施：") + "、".join(things[:3])
            if zh
            else ("dishes: " if p["type"] == "restaurant" else "facilities: ") + ", ".join(things[:3])
        )
    return f"{p['name']}（{'，'.join(facts)}）" if zh else f"{p['name']} ({'; '.join(facts)})"


def say_details(data: dict[str, Any], zh: bool) -> str:
    """A place's record as the data has it, its hours and phone, and what is nearby: 「几点开门」 is
    answered with the hours the data holds (a restaurant's), not with an attraction's visit time."""
    lines = [_place_line(data, zh)]
    if data.get("hours"):
        lines.append(f"营业时间：{data['hours']}" if zh else f"Opening hours: {data['hours']}")
    elif data["type"] == "attraction":
        lines.append("数据里没有开放时间。" if zh else "The data has no opening hours.")
    if data.get("phone"):
        lines.append(f"电话：{data['phone']}" if zh else f"Phone: {data['phone']}")
    for key, zh_label, en_label in (
        ("nearby_attractions", "周边景点", "Nearby attractions"),
        ("nearby_restaurants", "周边餐馆", "Nearby restaurants"),
        ("nearby_hotels", "周边酒店", "Nearby hotels"),
    ):
        if data.get(key):
            names = [n["name"] for n in data[key]]
            lines.append(f"{zh_label}：{'、'.join(names)}" if zh else f"{en_label}: {', '.join(names)}")
    return "\n".join(lines)


def say_places(data: dict[str, Any], zh: bool) -> str:
    """The first three found; all of a name's branches (up to twenty), for the user to pick one."""
    said = common.lister("results", _place_line, limit=20 if data.get("name") else 3)(data, zh)
    if data.get("name") and len(data.get("results") or []) > 1:  # 全聚德: which one?
        said += "\n是哪一家？告诉我店名或第几家就行。" if zh else "\nWhich one? Give its name or its place in the list."
    return said


@tool(say=say_places)
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
    cheapest_first: bool = False,
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
        cheapest_first: the cheapest first instead of the best rated ("便宜的", "cheap")
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
        sort="price" if cheapest_first else "rating",
    )


@tool(say=say_places)
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
    cheapest_first: bool = False,
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
        cheapest_first: the cheapest first instead of the best rated ("便宜的", "cheap")
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
        sort="price" if cheapest_first else "rating",
    )


@tool(say=say_places)
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
    cheapest_first: bool = False,
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
        cheapest_first: the cheapest first instead of the best rated ("便宜的", "cheap")
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
        sort="price" if cheapest_first else "rating",
    )


@tool(say=say_details)
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
    for key, label, near_kind in (
        ("周边景点", "nearby_attractions", "attraction"),
        ("周边餐馆", "nearby_restaurants", "restaurant"),
        ("周边酒店", "nearby_hotels", "hotel"),
    ):
        out[label] = [_nearby(ctx.settings, n, near_kind) for n in (r.get(key) or [])[:5]]
    return out


def _nearby(settings: Settings, name: str, kind: str) -> dict[str, Any]:
    """A nearby place with its rating and price, so an answer about "the best rated hotel near
    X" quotes them from the data rather than guessing (looked up among places of its kind only)."""
    try:
        kind, r = find_place(settings, name, (kind,))
    except NotFound:
        return {"name": name}
    price = r.get(PRICE_FIELD[kind])
    return {"name": name, "rating": r.get("评分")} | ({PRICE_KEY[kind]: price} if price is not None else {})


def nearest_station(settings: Settings, place: str) -> str | None:
    for name, r in load_json(settings, DB, "metro_db.json"):
        if name == place:
            return r.get("地铁")
    try:
        _, rec = find_place(settings, place)
        return rec.get("地铁")
    except NotFound:
        return None


def say_route(data: dict[str, Any], zh: bool) -> str:
    """The stations at both ends, as the station data has them."""
    if data["advice"].startswith("walk"):  # both ends at one station
        if zh:
            return f"{data['origin']}和{data['destination']}都在 {data['board_at']} 附近，步行即可。"
        return f"{data['origin']} and {data['destination']} are both by {data['board_at']}: walk."
    if zh:
        return (
            f"从{data['origin']}到{data['destination']}：在 {data['board_at']} 上车，到 {data['alight_at']} 下车"
            "（沙盒数据只有车站，没有换乘线路）。"
        )
    return (
        f"From {data['origin']} to {data['destination']}: board at {data['board_at']}, get off at "
        f"{data['alight_at']} (station data only: line changes are not in the sandbox data)."
    )


@tool(say=say_route)
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


@tool(confirm=True, undo="cancel_travel_booking", title=("订酒店", "Hotel booking"))
def book_hotel(
    ctx: ToolContext, hotel: str, check_in: common.Day, nights: int = 1, rooms: int = 1, guests: int = 1
) -> dict:
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


@tool(confirm=True, undo="cancel_travel_booking", title=("订餐厅", "Table booking"))
def book_restaurant(ctx: ToolContext, restaurant: str, time: common.Moment, people: int) -> dict:
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


@tool(confirm=True, undo="cancel_travel_booking", title=("叫车", "Taxi"))
def book_taxi(ctx: ToolContext, origin: str, destination: str, time: common.Moment = "") -> dict:
    """Book a taxi in Beijing (sandbox): car model and plate are assigned at booking.

    Args:
        origin: pick-up place
        destination: drop-off place
        time: pick-up time, 'YYYY-MM-DD HH:MM' or 'HH:MM' for today; empty: as soon as possible
    """
    when = common.parse_when(time, ctx) if time.strip() else common.local_now(ctx) + timedelta(minutes=10)
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


@tool(say=common.say_orders)
def list_travel_bookings(ctx: ToolContext) -> dict:
    """The user's hotel, restaurant and taxi bookings, newest first."""
    return {"bookings": common.list_orders(ctx, "travel"), "note": SANDBOX}


@tool(confirm=True, title=("取消预订", "Cancel a booking"))
def cancel_travel_booking(ctx: ToolContext, booking_id: common.Record) -> dict:
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
        plan=lambda text, history: read_request(settings, text, history),
        recognizes=lambda text: recognizes(settings, text),
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
            "票价",
            "景区",
            "游玩",
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
