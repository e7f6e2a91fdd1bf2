"""Finding durable facts in what the user says, and "forget …" commands.

Deterministic extractors cover the common Chinese and English phrasings (name, city, address,
hometown, job, birthday, phone, e-mail, favourites, likes, dislikes, allergies, diet, plans, and the
same for the people the user mentions: "my friend Lily's favourite fruit is durian",
"我朋友小王对花生过敏"), so memory works with the small local model alone. The model, when one
is configured, adds what the rules miss through schema-constrained JSON; a model fact is kept
only if its value occurs in the user's words (no invented facts)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from banshi import days
from banshi.memory.text import is_chinese
from banshi.messages import Message as Msg
from banshi.numbers import zh_number

#: attributes holding one value at a time: a new value supersedes the old one
SINGLE = {"name", "city", "address", "hometown", "job", "workplace", "birthday", "age", "phone", "email",
          "diet", "relation", "school", "pet"}
MULTI = {"likes", "dislikes", "allergy", "note", "learning", "plan"}

EN_LABEL = {"name": "name", "city": "lives in", "address": "address", "hometown": "is from", "job": "job",
            "workplace": "works at", "birthday": "birthday", "age": "age", "phone": "phone number",
            "email": "e-mail", "diet": "diet", "likes": "likes", "dislikes": "dislikes",
            "allergy": "is allergic to", "relation": "is the user's", "school": "school", "pet": "pet", "note": "note",
            "learning": "is learning", "plan": "is"}
ZH_LABEL = {"name": "名字", "city": "住在", "address": "地址", "hometown": "老家", "job": "职业",
            "workplace": "工作单位", "birthday": "生日", "age": "年龄", "phone": "电话", "email": "邮箱",
            "diet": "饮食", "likes": "喜欢", "dislikes": "不喜欢", "allergy": "过敏", "relation": "是用户的",
            "school": "学校", "pet": "宠物", "note": "备忘", "learning": "在学",
            "plan": "计划"}


#: words a question about an attribute uses ("Where am I from?" asks for the hometown)
CUES = {
    "name": r"\bname\b|\bcalled\b|\bwho am i\b|名字|叫什么|姓名|我是谁",
    "city": r"\blive\b|\blived\b|\bcity\b|\btown\b|\bbased\b|住|城市"
            r"|天气|下雨|下雪|气温|带伞|\bweather\b|\brain\b|\bsnow\b|\bumbrella\b",  # where the forecast is for
    "address": r"\baddress\b|地址|住址",
    "hometown": r"\bfrom\b|\bgr[eo]w up\b|\bhometown\b|\boriginally\b|老家|家乡|哪里人|哪儿人",
    "job": r"\bjob\b|\bwork\b|\bliving\b|\bprofession\b|\boccupation\b|\bdo for\b|工作|职业|做什么|干什么",
    "workplace": r"\bwork\b|\bcompany\b|\bemployer\b|工作|公司|单位",
    "birthday": r"\bbirthday\b(?! (?:cake|party|present|gift))|\bborn\b|生日(?!蛋糕|礼物|派对|聚会|会|宴|快乐|歌)|出生",
    # (a taste: 「朵朵喜欢什么口味？」)
    "likes": r"(?<![不最])(?:喜欢|爱)(?:吃|喝|看|听|玩)?(?:什么|哪)|最(?:喜欢|爱)(?:什么|哪)|口味"
             r"|\bwhat (?:(?:does|do) [\w' ]{1,20}? (?:like|love|enjoy)|[\w' ]{1,20}? (?:likes|loves|enjoys))"
             r"\s*\??\s*$",  # (not "…like about X?")
    "dislikes": r"(?:不喜欢|不爱|讨厌|不吃|不喝)(?:吃|喝)?(?:什么|哪)",
    "age": r"\bhow old\b|\bage\b|年龄|多大|几岁",
    "phone": r"\bphone\b|\bnumber\b|\bmobile\b|电话|手机|号码",
    "email": r"\be-?mail\b|邮箱",
    "diet": r"\bdiet\b|\bvegetarian\b|\bvegan\b|\beat\b|吃素|饮食|忌口",
    "allergy": r"\ballerg|过敏"
               r"|外卖|点餐|点菜|菜单|点[一两二三四五几]?份|\bmenu\b|\bdelivery\b",  # an order is checked against it
    "school": r"\bschool\b|\buniversity\b|\bcollege\b|\bstud(?:y|ied)\b|学校|大学|读书",
    "pet": r"\bpet\b|\bdog\b|\bcat\b|宠物|狗|猫",
    "learning": r"\blearn|\bstudying\b|在学|学什么|学习",
    "plan": r"\bplans?\b|\btrip\b|\btravel|\bgoing to\b|\bflying\b"
            r"|计划|安排|行程|出差|旅行|旅游|去哪|哪天去|什么时候去",
}


def asked_attributes(question: str) -> set[str]:
    """The attributes ``question`` asks about, by its words; 「我最喜欢吃什么？」 asks for the
    favourite food, as 「我最喜欢吃火锅。」 told it (``ZH_FAV_VERB``)."""
    found = {a for a, cue in CUES.items() if re.search(cue, question, re.I)}
    return found | {f"favourite:{_VERB_THING[v]}" for v in _ASKED_FAV_VERB.findall(question)}


def asked_at(question: str, attribute: str) -> int:
    """Where ``question`` asks for ``attribute`` (its first cue), for answering in the order asked."""
    cue = _ASKED_FAV_VERB.pattern if attribute.startswith("favourite:") else CUES.get(attribute, "")
    m = re.search(cue, question, re.I) if cue else None
    return m.start() if m else len(question)


@dataclass
class Fact:
    subject: str  # "user" or a person ("Lily", "小王", "wife")
    attribute: str  # a key of the labels above, or "favourite:<thing>"
    value: str
    chinese: bool = False

    @property
    def multi(self) -> bool:
        return self.attribute in MULTI

    def sentence(self) -> str:
        return render(self.subject, self.attribute, self.value, self.chinese)


def render(subject: str, attribute: str, value: str, chinese: bool, you: bool = False) -> str:
    """The fact as a short sentence in the user's language: about the user (the Memory page, the
    prompt: "用户对花生过敏") or, with ``you``, said to them ("你对花生过敏", "your wife's favourite
    flower is tulips")."""
    user = subject == "user"
    kin = re.fullmatch(_REL_ZH if chinese else _REL_EN, subject, re.I) is not None  # "老婆", "wife"
    if chinese:
        who = ("你" if you else "用户") if user else ("你" + subject if you and kin else subject)
        is_, owner = ("是", "你") if you else ("：", "用户")
        if attribute.startswith("favourite:"):
            return f"{who}最喜欢的{attribute[10:]}{is_}{value}"
        if attribute == "relation":
            return f"{who}是{owner}的{value}"
        if attribute == "note":
            return f"备忘：{value}"
        if attribute in _VERB_ZH:
            return who + _VERB_ZH[attribute].format(value)
        return f"{who}{'的' if you else ''}{ZH_LABEL.get(attribute, attribute)}{is_}{value}"
    who = ("you" if you else "User") if user else ("your " + subject if you and kin else subject)
    whose = "your" if you and user else f"{who}'s"
    is_, owner = (" is", "your") if you else (":", "the user's")
    if attribute.startswith("favourite:"):
        return f"{whose} favourite {attribute[10:]}{is_} {value}"
    if attribute == "relation":
        return f"{who} is {owner} {value}"
    if attribute == "note":
        return f"{'note' if you else 'Note'}: {value}"
    if attribute in _VERB_EN:
        return f"{who} {_VERB_EN[attribute] if you and user else EN_LABEL[attribute]} {value}"
    return f"{whose} {EN_LABEL.get(attribute, attribute.replace('_', ' '))}{is_} {value}"


_VERB_ZH = {"city": "住在{}", "hometown": "老家在{}", "workplace": "在{}工作", "likes": "喜欢{}",
            "dislikes": "不喜欢{}", "allergy": "对{}过敏", "learning": "在学{}", "plan": "{}"}
_VERB_EN = {"city": "live in", "hometown": "are from", "workplace": "work at", "allergy": "are allergic to",
            "likes": "like", "dislikes": "dislike", "learning": "are learning",
            "plan": "are"}  # to the user; of others: EN_LABEL


# -- English -------------------------------------------------------------------------------
_END = (r"(?=\s+(?:and|but|so|because|since|though|which|who|now|last|this|next|yesterday|today|recently|"
        r"a few|a couple|in \d{4})\b|\s*[,.;!?\n]|$)")
_V = r"([^,.;!?\n]{1,60}?)" + _END
#: a value that says a day ("next month on the 8th", "to Tokyo next Tuesday"): to the clause's end
_VDAY = r"([^,.;!?\n]{1,60}?)(?=\s*[,.;!?\n]|$|\s+(?:and|but|so|because)\b)"
_VLONG = r"([^.;!?\n]{3,120}?)(?=\s*[.;!?\n]|$)"
_REL_EN = (r"(friend|best friend|wife|husband|son|daughter|mother|mom|mum|father|dad|brother|sister|boss|"
           r"partner|girlfriend|boyfriend|colleague|roommate|grandma|grandmother|grandpa|grandfather|"
           r"aunt|uncle|cousin|neighbou?r|teacher|doctor)")
_NAME_EN = r"([A-Z][a-z]+(?: [A-Z][a-z]+)?)"
_PRONOUNS = {"it", "that", "this", "them", "you", "him", "her", "those", "these", "one", "to", "so", "a lot"}

#: the age a coming birthday brings ("turns 7 on March 14"): one less until then
_TURNS_AGE = (r"(?:turns?|will turn|(?:is|'s) turning|turning|will be|'ll be) (\d{1,3})(?: years old)?"
              r"(?= (?:on|next (?!year)|this (?!year)|tomorrow)\b)")
EN_USER: list[tuple[str, str]] = [
    (r"\bmy name is " + _V, "name"), (r"\b(?:please )?call me " + _V, "name"),
    (r"\bi(?:'m| am) called " + _V, "name"),
    (r"\b(?:i|we) (?:now |currently |still |both )?live in " + _V, "city"),
    (r"\bi(?:'m| am) (?:now |currently |still )?(?:learning|studying) (?!at\b|in\b|for\b|with\b)" + _V, "learning"),
    (r"\b(?:i(?:'m| am)|we(?:'re| are)) living in " + _V, "city"),
    (r"\b(?:i|we)(?:'ve| have)? (?:just |recently |now )?moved to " + _V, "city"),
    (r"\bmy (?:home |new |current )?address is " + _VLONG, "address"),
    (r"\bi(?:'m| am) (?:originally )?from " + _V, "hometown"), (r"\bi grew up in " + _V, "hometown"),
    (r"\bi work as (?:an? )?" + _V, "job"), (r"\bmy job is " + _V, "job"),
    (r"\bi(?:'m| am) an? ([a-z ]{3,30}?) by profession", "job"),
    (r"\bi work (?:at|for) " + _V, "workplace"),
    (r"\bmy birthday is (?:on )?" + _VDAY, "birthday"), (r"\bi was born on " + _V, "birthday"),
    (r"\bi (?:turn|will turn|(?:'m| am) turning|(?:'ll| will) be) \d{1,3}(?: years old)? " + _VDAY, "birthday_day"),
    (r"\bi(?:'m| am)? " + _TURNS_AGE, "age_next"),
    (r"\bi(?:'m| am|'ll be| will be) ((?:going|flying|travell?ing|driving|heading|visiting)"
     r"\b" + _VDAY[1:], "plan"),
    (r"\bi(?:'m| am) (\d{1,3}) (?:years old|now)\b", "age"),
    (r"\bmy (?:phone|mobile|cell)(?: number)? is " + _V, "phone"),
    (r"\bmy e-?mail(?: address)? is (\S+@\S+?)" + _END, "email"),
    (r"\bi(?:'m| am) (?:a )?(vegetarian|vegan|pescatarian)\b", "diet"),
    (r"\bi(?:'m| am) (?:severely |very |highly )?allergic to " + _V, "allergy"),
    (r"\bi have an? " + r"([a-z ]{2,30}?) allergy\b", "allergy"),
    (r"\bi (?:really |absolutely |just )?(?:like|love|adore|enjoy) " + _V, "likes"),
    (r"\bi (?:don'?t|do not|never) (?:like|eat|drink) " + _V, "dislikes"),
    (r"\bi (?:really )?(?:hate|dislike|can'?t stand) " + _V, "dislikes"),
    (r"\bmy (?:dog|cat|pet)(?:'s name)? is (?:called |named )?" + _V, "pet"),
]
EN_FAV = re.compile(r"\bmy (?:most )?fav(?:ou?rite)? ([a-z]+(?: [a-z]+)?) is " + _V, re.I)
EN_FAV_REV = re.compile(r"\b([\w' -]{2,40}?) is my (?:most )?fav(?:ou?rite)? ([a-z]+(?: [a-z]+)?)" + _END, re.I)
EN_PERSON = re.compile(r"\b[Mm]y " + _REL_EN + r"(?:'s name is|,| is called| is named)? " + _NAME_EN)
EN_REL_FAV = re.compile(r"\bmy " + _REL_EN + r"'s (?:most )?fav(?:ou?rite)? ([a-z]+(?: [a-z]+)?) is " + _V, re.I)
# "my favourite fruit is mango and Lily's favourite is durian": the thing is implied
EN_ELLIPTIC = re.compile(r"\b([A-Z][a-z]+)'s (?:most )?fav(?:ou?rite)? (?:one )?is " + _V)
# third person, after "my friend Lily" was turned into "Lily"
EN_THIRD: list[tuple[str, str]] = [
    (r"'s (?:most )?fav(?:ou?rite)? ([a-z]+(?: [a-z]+)?) is " + _V, "favourite"),
    (r"(?:'s| is) (?:severely |very )?allergic to " + _V, "allergy"),
    (r" (?:really )?(?:likes|loves|adores|enjoys) " + _V, "likes"),
    (r" (?:hates|dislikes|doesn'?t like|does not like) " + _V, "dislikes"),
    (r" (?:lives|is living) in " + _V, "city"), (r"(?:'s| has) moved to " + _V, "city"),
    (r"'s birthday is (?:on )?" + _VDAY, "birthday"), (r" works as (?:an? )?" + _V, "job"),
    (r" (?:turns|will turn|is turning|'s turning|will be) \d{1,3}(?: years old)? " + _VDAY, "birthday_day"),
    (r" was born (?:on )?" + _VDAY, "birthday_day"),
    (r" " + _TURNS_AGE, "age_next"),
    (r",? (?:who )?is (\d{1,3})(?: years old)?(?=\s*(?:[,.;!]|$|now\b|this year\b|and\b))", "age"),
]

# -- Chinese -------------------------------------------------------------------------------
_ZV = r"([^，。,.;；!！?？\n、]{1,30}?)"
_ZEND = r"(?:了|啦|呢|哦|啊|呀|吧)?(?=[，。,.;；!！?？\n、]|$|但|而且|并且|所以|因为|以后|之后)"
_ZDAY = r"([^，。,.;；!！?？\n]{1,12}?)"  # the words before 过生日: a day, kept when they say one
_ZH_AGE = r"\d{1,3}|[一二两三四五六七八九十]{1,3}"  # 8岁, 八岁, 三十五岁
_REL_ZH = (r"(好朋友|朋友|闺蜜|老婆|妻子|爱人|老公|丈夫|儿子|女儿|妈妈|母亲|爸爸|父亲|哥哥|姐姐|弟弟|妹妹|"
           r"同事|老板|领导|男朋友|女朋友|室友|奶奶|爷爷|外婆|姥姥|外公|姥爷|同学|邻居|老师)")
_REL_ANY_ZH = _REL_ZH.replace("(", "(?:", 1)  # the same, capturing nothing
_PET_WORD = r"(?:小)?(?:狗狗|猫咪|狗|猫|宠物)"
#: a plan, said with its day (下周五要去北京出差)
_PLAN_ZH = r"[^，。,.;；!！?？\n]{0,10}?(?:要|会|打算|准备|计划|将|得)?(?:去|回|飞)[^，。,.;；!！?？\n]{1,16}?"
#: a job said with 是 (我是小学老师, 我爸爸是医生: no name)
_JOB_ZH = (r"[^，。,.;；!！?？\n]{0,10}?(?:老师|医生|护士|工程师|程序员|学生|律师|设计师|会计|司机|厨师|记者|警察|销售"
           r"|经理|研究员|教授|作家|画家|歌手|演员|公务员|大学生|研究生|博士生|教师|工人|农民|军人|老板|主任|校长)")
#: "my" before a relation, with what may stand between: 我最好的朋友, 我的大学同学, 我一个朋友
_MY_ZH = r"我(?:的)?(?:最好的|最要好的|一个|大学|高中|初中|小学)?"
_MY_REL = re.compile(_MY_ZH + _REL_ZH + r"|\b[Mm]y " + _REL_EN.replace("(", "(?P<en>", 1) + r"\b")


def relation_named(text: str) -> str:
    """The relation ``text`` names with "my" (我老婆 → 老婆, my wife → wife), or ""."""
    m = _MY_REL.search(text)
    return "" if m is None else m.group(1) or m.group("en")


ZH_USER: list[tuple[str, str]] = [
    (r"(?<![帮给替让请])我(?:的名字)?叫" + _ZV + _ZEND, "name"),  # 帮我叫一辆出租车 is a taxi
    (r"我的名字是" + _ZV + _ZEND, "name"),
    (r"我(?:们|们家|家)?(?:现在|目前|还|都)?(?:住在|住)" + _ZV + _ZEND, "city"),  # 我们住在上海: the user's too
    (r"我(?:们|们家|家)?(?:已经|刚|最近)?(?:搬到|搬去)(?:了)?" + _ZV + r"(?:去|来)?" + _ZEND, "city"),
    (r"我(?:的)?(?:家庭|家|新|现在的)?地址是" + _ZV + _ZEND, "address"),
    (r"我(?:的)?老家(?:是|在)" + _ZV + _ZEND, "hometown"), (r"我来自" + _ZV + _ZEND, "hometown"),
    (r"我是(?:一[名个位]|个)?(" + _JOB_ZH + r")" + _ZEND, "job"),
    (r"我的(?:工作|职业)是" + _ZV + _ZEND, "job"),
    (r"我在" + _ZV + r"(?:工作|上班)" + _ZEND, "workplace"),
    (r"我的?生日(?:是|在)" + _ZV + _ZEND, "birthday"),
    (r"我(?:是)?(?!的?" + _REL_ANY_ZH + r")" + _ZDAY + r"(?:过生日|出生)", "birthday_day"),
    # 我下周五要去北京出差: a plan when it says its day
    (r"(?<![帮给替让请])我(?:们)?(?!的?" + _REL_ANY_ZH + r")(" + _PLAN_ZH + r")" + _ZEND, "plan"),
    (r"我(?:(?:的名字)?叫[^，,。]{1,6}[，,]\s*)?今年(" + _ZH_AGE + r")岁", "age"),
    (r"我的(?:手机|电话)(?:号码|号)?是" + r"([\d\- +]{5,20})", "phone"),
    (r"我的(?:电子)?邮箱(?:地址)?是" + r"(\S+@[\w.\-]+)", "email"),
    (r"我(?:是)?(?:吃素|素食者|素食主义者)()", "diet"),
    (r"我(?:最近|现在|正在|目前)?(?:在)?学(?:习)?(?![校生院历会])" + _ZV + _ZEND, "learning"),  # 我最近在学吉他
    (r"我对" + _ZV + r"(?:严重)?过敏", "allergy"),
    (r"我(?:不喜欢|讨厌|不爱|不吃|不喝|受不了)" + _ZV + _ZEND, "dislikes"),
    (r"我(?:很|特别|非常|超级|真的)?(?:喜欢|爱)(?:吃|喝|看|听|玩)?" + _ZV + _ZEND, "likes"),
    (r"我(?:家)?(?:养了|有)(?:一[只条])" + _PET_WORD + r"(?:，)?(?:叫|名叫|名字叫)" + _ZV + _ZEND, "pet"),
    (r"我(?:家)?的?" + _PET_WORD + r"(?:现在)?(?:叫|名叫|的名字是|名字叫)" + _ZV + _ZEND, "pet"),
]
ZH_FAV = re.compile(r"我(?:现在|目前|一直|的)*最喜欢的" + r"([^，。,.;；!！?？\n是]{1,8})是" + _ZV + _ZEND)
ZH_FAV_VERB = re.compile(r"我(?:现在|目前|一直)?最(?:喜欢|爱)(吃|喝|看|听|玩|去)(?:的)?" + _ZV + _ZEND)
_VERB_THING = {"吃": "食物", "喝": "饮料", "看": "电影", "听": "音乐", "玩": "游戏", "去": "地方"}
_ASKED_FAV_VERB = re.compile(r"最(?:喜欢|爱)(吃|喝|看|听|玩|去)")
ZH_PERSON = re.compile(_MY_ZH + _REL_ZH + r"(?:叫|名叫|名字叫|是)([\u4e00-\u9fffA-Za-z]{1,6}?)" + _ZEND)
# what is told about a person right after their name (我女儿小雨喜欢…, 我老婆也不吃辣, 我女儿今年8岁)
_ADV_ZH = r"(?:很|特别|非常|也|都|还|一直|最)?"
#: the words a day begins with (no name does), and a day said before 过生日 (下个月8号过生日)
_DAY_START_ZH = r"下个?月|这个?月|本月|明天|今天|后天|下周|这周|\d|[一二三四五六七八九十]+月"
_BIRTHDAY_AHEAD = r"(?=(?:" + _DAY_START_ZH + r")[^，,。；;!！?？]{0,10}?(?:过生日|出生))"
_PLAN_AHEAD = r"(?=(?:" + _DAY_START_ZH + r"|周|星期)[^，,。；;!！?？]{0,8}?(?:要|会|打算|准备|计划|将)(?:去|回|飞))"
_TOLD_ZH = (r"(?=" + _ADV_ZH + r"(?:喜欢|爱|对|住在|不喜欢|讨厌|不吃|不爱)|的生日|(?:今年|现在)?(?:" + _ZH_AGE
            + r")岁|(?:也|现在|已经)?是(?:一[名个位]|个)?" + _JOB_ZH
            + r"|(?:也)?在[^，,。；;]{1,12}(?:工作|上班)|(?:正)?在学)")
ZH_PERSON_INLINE = re.compile(_MY_ZH + _REL_ZH + r"(?!今年|现在|最|很|特别|非常|也|都|还|一直|不|" + _DAY_START_ZH + ")"
                              r"([\u4e00-\u9fffA-Z][\u4e00-\u9fffa-z]{0,3}?)(?:" + _TOLD_ZH + "|" + _BIRTHDAY_AHEAD
                              + ")")
ZH_THIRD: list[tuple[str, str]] = [
    (r"(?:的)?最喜欢的([^，。,.;；!！?？\n是]{1,8})是" + _ZV + _ZEND, "favourite"),
    (r"最(?:喜欢|爱)(吃|喝|看|听|玩)(?:的)?" + _ZV + _ZEND, "favverb"),
    (_ADV_ZH + r"对" + _ZV + r"(?:严重)?过敏", "allergy"),
    (_ADV_ZH + r"(?:不喜欢|讨厌|不爱|不吃)" + _ZV + _ZEND, "dislikes"),
    # 最喜欢吃/喝/看… is the favourite above, 最喜欢郁金香 a liking
    (r"(?:很|特别|非常|也|都|还|一直|最(?!(?:喜欢|爱)(?:吃|喝|看|听|玩)))?(?:喜欢|爱)(?:吃|喝)?" + _ZV + _ZEND,
     "likes"),
    (r"(?:现在)?住在" + _ZV + _ZEND, "city"), (r"的?生日(?:是|在)" + _ZV + _ZEND, "birthday"),
    (r"(?:是)?" + _ZDAY + r"(?:过生日|出生)", "birthday_day"),
    (r"[，,]?(?:今年|现在|已经)?(" + _ZH_AGE + r")岁", "age"),
    (r"(?:也|现在|已经)?是(?:一[名个位]|个)?(" + _JOB_ZH + r")" + _ZEND, "job"),
    (r"(?:也)?在" + _ZV + r"(?:工作|上班)" + _ZEND, "workplace"),
    (r"(?:最近|现在|正在|目前)?(?:在)?学(?:习)?(?![校生院历会])" + _ZV + _ZEND, "learning"),
    (r"(" + _PLAN_ZH + r")" + _ZEND, "plan"),
]
_ZH_PRONOUN = {"你", "他", "她", "它", "这个", "那个", "这", "那", "你们", "他们", "这样", "这里", "那里"}


def _clean(value: str, chinese: bool) -> str:
    value = value.strip().strip("\"'“”‘’「」")
    if chinese:
        value = re.sub(r"(了|啦|呢|哦|啊|呀|吧|的)$", "", value).strip()
        value = re.sub(r"^(?:现在|目前|已经|其实)", "", value).strip()
    else:
        value = re.sub(r"^(?:(?:the|a|an|now|currently|still|actually|really)\s+)+", "", value, flags=re.I).strip()
        value = re.sub(r"\s+(?:a lot|very much|so much|too|as well|now|anymore|these days)$", "", value, flags=re.I)
    return value


def _ok(value: str, chinese: bool) -> bool:
    low = value.lower()
    if not value or low in _PRONOUNS or value in _ZH_PRONOUN:
        return False
    if not chinese and re.match(r"(?:to|it|that|this|you|how|what|when|if|doing|being)\b", low):
        return False  # "I like to …", "I love it", "I like how …": not an object of liking
    if chinese and re.match(r"(?:你|他|她|这|那|什么|怎么|吗|一下|一点|上了|的)", value):
        return False
    return len(value) <= 80


def _sentences(text: str) -> list[str]:
    """Sentences, and a clause that goes on about someone just named (我女儿叫小雨，她对花生过敏)."""
    return [s for s in re.split(r"(?<=[.!?。！？\n])\s*|(?<=[，,；;])\s*(?=她|他(?!们)|(?:She|he|He|she)\b)", text)
            if s and s.strip()]


_QUESTION = re.compile(r"[?？]\s*$|^(?:do|does|did|is|are|what|where|when|who|how|can|could|would)\b|"
                       r"吗[?？]?$|什么|哪|谁|几", re.I)


def rule_facts(text: str, known_people: list[str] | None = None, today: date | None = None) -> list[Fact]:
    """Facts stated in ``text`` in the common phrasings (questions state nothing). A birthday or
    a plan said as a day relative to ``today`` (下个月8号, next Friday) keeps the date it is."""
    out: list[Fact] = []
    known = list(known_people or [])
    for sentence in _sentences(text):
        if _QUESTION.search(sentence.strip()):
            continue
        zh = is_chinese(sentence) or bool(re.search(r"[\u4e00-\u9fff]", sentence)) and "我" in sentence
        people = [f.subject for f in out if f.subject != "user"]
        if people and not zh:  # "My wife is called Maria. She loves tulips."
            name = people[-1]
            sentence = re.sub(r"^(?:She|He)\b", lambda _m, name=name: name, sentence.strip(), flags=re.I)
        elif people and zh:
            sentence = re.sub(r"^(?:她|他)", people[-1], sentence.strip())
        facts = _zh(sentence, known + people) if zh else _en(sentence, known + people)
        out.extend(facts)
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for f in out:
        key = (f.subject.lower(), f.attribute, f.value.lower())
        if key not in seen:
            seen.add(key)
            unique.append(f)
    if today is not None:
        for f in unique:
            if f.attribute in ("birthday", "plan"):
                f.value = days.dated(f.value, today, f.chinese)
        # a plan is for a day to come: "I'm going to the gym today" is no fact to keep
        unique = [f for f in unique if f.attribute != "plan" or (days.spoken_day(f.value, today) or today) > today]
    return unique


_ASKS_FOR = re.compile(
    r"[?？吗]|帮|请|麻烦|找|搜|查|推荐|订|预定|买|点[一个份杯]|叫[车个辆外]|想|要(?![去回飞])|能不能|可不可以|可以|有没有|哪|什么|怎么|多少|几"
    r"|播|唱|打开|关掉|关闭|导航|提醒|给我|让我|来[一个份杯首]"
    r"|\b(?:please|find|search|look|book|reserve|order|buy|get|recommend|suggest|want|need|like to|can|could|show"
    r"|where|what|which|how|any|play|open|turn|set|remind|send|call(?! me\b)|tell|give|let)\b",
    re.I,
)


def told_facts(text: str, known: tuple[str, ...] = ()) -> tuple[Fact, ...]:
    """The facts ``text`` tells when it only tells something about the speaker or the people
    ``known`` (「朵朵的生日是1月9日。」), a fact in each sentence, and asks for nothing ("我最喜欢吃
    火锅。", "My favourite food is ramen."), else none: such a turn is chat that memory learns from,
    not a question or an errand, though its words name things. A sentence beyond the facts
    ("今天有个学生在课堂上哭了。") is more to answer."""
    return _told(text, date.today(), known)


@lru_cache(maxsize=256)  # a turn is read here by the dispatcher and by memory's recall
def _told(text: str, today: date, known: tuple[str, ...]) -> tuple[Fact, ...]:
    if _ASKS_FOR.search(text):
        return ()
    facts = tuple(rule_facts(text, list(known), today=today))
    return facts if len(facts) >= len(_sentences(text)) else ()


def _add(out: list[Fact], subject: str, attribute: str, value: str, zh: bool) -> None:
    value = _clean(value, zh)
    if attribute == "age" and not value.isdigit():
        value = str(zh_number(value) or "")  # 八 → 8
    if attribute == "age_next":  # turns 7 next week: 6 until then
        attribute, value = "age", str(int(value) - 1)
    if attribute in ("birthday_day", "plan"):  # 「她下个月8号过生日」; a plan says its day
        day = days.DAY.search(value)
        if day is None:
            return
        if attribute == "birthday_day":
            attribute, value = "birthday", day.group(0)
    if attribute == "diet" and not value:
        value = "素食" if zh else "vegetarian"
    if attribute == "city" and zh and _STREET_ZH.search(value):  # 我住在杭州西湖区文三路88号: an address
        attribute = "address"
        if city := _CITY_OF_ADDRESS_ZH.match(value):  # and its city, for the weather and the errands
            _add(out, subject, "city", city.group(1), zh)
    if _ok(value, zh):
        out.append(Fact(subject, attribute, value, zh))


_STREET_ZH = re.compile(r"\d|[路街道弄巷号栋室]|小区|单元")
#: the city an address begins with: 杭州(市)西湖区…, 北京市朝阳区…
_CITY_OF_ADDRESS_ZH = re.compile(r"([\u4e00-\u9fff]{2,4}?)市?(?=[\u4e00-\u9fff]{1,4}?[区县])")


def _pronouns_named(s: str, names: list[str]) -> str:
    """"she" / "he" after a person is named is that person, and so is the subject an "and" leaves
    out: "Emma turns 7 on March 14, and she loves chocolate cake" → "… and Emma loves chocolate
    cake"; "Anna is allergic to shellfish and loves Thai food" → "… and Anna loves Thai food"."""
    if not names:
        return s
    last = ""

    def named(m: re.Match) -> str:
        nonlocal last
        if m.group(0).lower() in ("she", "he"):
            return last or m.group(0)
        if m.group(0).startswith("and"):
            return f"and {last} " if last else m.group(0)
        last = m.group(0)
        return last

    return re.sub(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b|\b(?:[Ss]he|[Hh]e)\b|\band (?=" + _THIRD_VERB
                  + ")", named, s)


#: a third person's verb an "and" may go on with, its subject left out
_THIRD_VERB = r"(?:really |also )?(?:likes|loves|adores|enjoys|hates|dislikes|lives|works|is (?:allergic|\d))\b"
#: the user's, likewise, after a fact of theirs: "I'm allergic to peanuts and love Thai food"
_FIRST_VERB = re.compile(r"^(\s*i(?:'m| am)? (?:(?:severely |very )?allergic to|live in|work (?:as|at|for)"
                         r"|(?:'m |am )?from)\b[^,.;!?]{1,40}? and )"
                         r"(?=(?:really |also )?(?:like|love|adore|enjoy|hate|dislike|live|work)\b)", re.I)


def _en(s: str, known: list[str]) -> list[Fact]:
    out: list[Fact] = []
    people: list[str] = []
    for m in EN_PERSON.finditer(s):
        rel, name = m.group(1).lower(), m.group(2)
        _add(out, name, "relation", rel, False)
        people.append(name)
    for m in EN_REL_FAV.finditer(s):
        _add(out, m.group(1).lower(), f"favourite:{m.group(2).lower()}", m.group(3), False)
    # "my friend Lily likes …" → "Lily likes …" for the third-person patterns
    names = list(dict.fromkeys(people + [k for k in known if re.fullmatch(_NAME_EN, k)]))
    third = _pronouns_named(EN_PERSON.sub(lambda m: m.group(2), s), names)
    for name in names:
        for pattern, attr in EN_THIRD:
            for m in re.finditer(r"\b" + re.escape(name) + pattern, third, re.I):
                if attr == "favourite":
                    _add(out, name, f"favourite:{m.group(1).lower()}", m.group(2), False)
                else:
                    _add(out, name, attr, m.group(1), False)
    first = re.sub(r"\bmy " + _REL_EN + r"\b.*", "", s, flags=re.I) if people else s
    first = _FIRST_VERB.sub(r"\1I ", first)
    own_favs = [m.group(1).lower() for m in EN_FAV.finditer(first)]
    for m in EN_ELLIPTIC.finditer(s):
        if m.group(1) in names and own_favs:
            _add(out, m.group(1), f"favourite:{own_favs[-1]}", m.group(2), False)
    for m in EN_FAV.finditer(first):
        _add(out, "user", f"favourite:{m.group(1).lower()}", m.group(2), False)
    for m in EN_FAV_REV.finditer(first):
        if not m.group(1).lower().startswith(("what", "which", "who")):
            _add(out, "user", f"favourite:{m.group(2).lower()}", m.group(1), False)
    if not re.search(r"\b(?:not|no longer|never|don'?t|doesn'?t)\b", first, re.I) or re.search(
            r"\bi (?:don'?t|do not|never) (?:like|eat|drink)", first, re.I):
        for pattern, attr in EN_USER:
            for m in re.finditer(pattern, first, re.I):
                if attr == "likes" and re.search(r"\b(?:would|'d) (?:like|love)", first, re.I):
                    continue
                _add(out, "user", attr, m.group(1), False)
    return out


# what a clause tells with its subject left out, as the one before it had it (「我叫李明，住在杭州」)
_PREDICATE_ZH = re.compile(r"(?:也|还|都|现在|目前|已经)?(?:叫|名叫|住在|住|在[^，,；;]{1,12}(?:工作|上班)|老家|来自"
                           r"|今年|最喜欢|最爱|喜欢|爱|不喜欢|不爱|不吃|讨厌|对[^，,；;]{1,12}过敏|是"
                           r"|(?:" + _DAY_START_ZH + r")[^，,；;]{0,10}?(?:过生日|出生))")


#: the user's pet, and its name when said: 我家的猫叫咪咪, 我有一只猫（，叫花花）
_PET_ZH = re.compile(r"我(?:家)?(?:的|养了|有)?(?:一[只条])?" + _PET_WORD +
                     r"(?:(?:现在)?(?:叫|名叫|名字叫|的名字是)([\u4e00-\u9fffA-Za-z]{1,6}?)" + _ZEND + ")?")


def _subjects_said(s: str, people: list[str]) -> str:
    """``s`` with the subject a clause leaves out written in: the user's (「我叫李明，住在杭州」 →
    「…，我住在杭州」) or the person's or pet's of the clause before (「我女儿今年6岁，叫小雨」 → 「…，
    我女儿叫小雨」; 「我家的猫叫咪咪，最爱吃三文鱼」 → 「…，咪咪最爱吃三文鱼」, not the user's favourite);
    「他」/「它」 after a person or a pet is them."""
    subject, clauses = "", []
    for clause in re.split(r"(?<=[，,；;])", s):
        body = clause.lstrip()
        if subject not in ("", "我") and re.match(r"[他她它](?!们)", body) and _PREDICATE_ZH.match(body[1:]):
            body = subject + body[1:]  # 「…叫张伟，他住在成都」
        elif subject and _PREDICATE_ZH.match(body):
            body = subject + body  # the clause goes on about the one before
        if m := _PET_ZH.match(body):
            subject = m.group(1) or m.group(0)  # its name; until it is named, the words that bring it in
        elif m := re.match(_MY_ZH + _REL_ZH, body):
            subject = m.group(0)
        elif named := next((p for p in people if body.startswith(p)), ""):  # 「张伟住在成都，最喜欢吃火锅」
            subject = named
        elif body.startswith("我"):
            subject = "我"
        elif not (subject and body.startswith(subject)):
            subject = ""
        clauses.append(body)
    return "".join(clauses)


def _zh(s: str, known: list[str]) -> list[Fact]:
    s = _subjects_said(s, known)
    out: list[Fact] = []
    people: list[str] = []
    for m in ZH_PERSON.finditer(s):
        if s[m.start(2) - 1] == "是" and re.fullmatch(_JOB_ZH, m.group(2)):  # 我爸爸是医生: his job, no name
            continue
        _add(out, m.group(2), "relation", m.group(1), True)
        people.append(m.group(2))
    for m in ZH_PERSON_INLINE.finditer(s):
        name = m.group(2) or m.group(1)
        if m.group(2):
            _add(out, name, "relation", m.group(1), True)
        people.append(name)
    for m in _PET_ZH.finditer(s):  # 「我家的猫叫咪咪，最爱吃三文鱼」: what is told of 咪咪
        if m.group(1):
            people.append(m.group(1))
    # "我朋友最喜欢的水果是…", 「我爸爸下个月15号过生日」 without a name: the relation is the subject
    for m in re.finditer(_MY_ZH + _REL_ZH + r"(?:" + _TOLD_ZH + "|" + _BIRTHDAY_AHEAD + "|" + _PLAN_AHEAD + ")", s):
        people.append(m.group(1))
    for name in dict.fromkeys(people + known):
        for pattern, attr in ZH_THIRD:
            for m in re.finditer(re.escape(name) + pattern, s):
                if attr == "favourite":
                    _add(out, name, f"favourite:{m.group(1)}", m.group(2), True)
                elif attr == "favverb":
                    _add(out, name, f"favourite:{_VERB_THING[m.group(1)]}", m.group(2), True)
                else:
                    _add(out, name, attr, m.group(1), True)
    # the user's own facts, from the part that is about the user
    own = s
    for name in people:
        own = re.sub(_MY_ZH + _REL_ZH + "?" + re.escape(name) + r"[^，。,.;；!！?？\n]*", "", own)
    for m in ZH_FAV.finditer(own):
        _add(out, "user", f"favourite:{m.group(1)}", m.group(2), True)
    for m in ZH_FAV_VERB.finditer(own):
        _add(out, "user", f"favourite:{_VERB_THING[m.group(1)]}", m.group(2), True)
    for pattern, attr in ZH_USER:
        for m in re.finditer(pattern, own):
            negated = "不" in own[max(0, m.start() - 1):m.start() + 2]
            if attr == "likes" and (re.search(r"我最(?:喜欢|爱)", m.group(0)) or negated):
                continue
            if attr == "city" and re.search(r"住(?:院|宿|了几天)", m.group(0)):
                continue
            _add(out, "user", attr, m.group(1), True)
    # 「我女儿今年6岁，叫小雨」: what was told of 女儿 is told of 小雨
    named = {f.value: f.subject for f in out if f.attribute == "relation"}
    return [Fact(named.get(f.subject, f.subject), f.attribute, f.value, f.chinese) if f.attribute != "relation"
            else f for f in out]


# -- forget commands -----------------------------------------------------------------------
@dataclass
class Forget:
    """What the user asked to forget: the last thing said (``last``), everything, a set of
    attributes, or facts whose value matches ``words``."""

    last: bool = False
    everything: bool = False
    attributes: tuple[str, ...] = ()
    words: str = ""


_EN_FORGET = re.compile(r"^(?:(?:ok(?:ay)?|actually|oh|no|sorry|wait|hmm|and)[, ]+)*(?:please[, ]+)?"
                        r"(?:(?:can|could|would) you (?:please )?|i want you to |"
                        r"you (?:can|should) )?(?:forget|delete|erase|remove|don'?t remember|stop remembering)\b"
                        r"\s*(.*?)[.!?]*$", re.I)
_ZH_FORGET = re.compile(r"^(?:(?:好的?|算了|其实|哦|对了|还是)[，,]?)*(?:请|麻烦)?(?:你)?(?:帮我)?(?:把)?"
                        r"(?:忘掉|忘记|删掉|删除|别记住|不要记住|别再记着|别记着)"
                        r"(.*?)[。！!？?]*$")
_ZH_FORGET_BA = re.compile(r"^(?:请|麻烦)?(?:你)?(?:帮我)?把(.+?)(?:给)?(?:忘掉|忘了|忘记|删掉|删了|删除)"
                           r"(?:吧|吗|了)?[。！!？?]*$")
_TARGETS = [
    (("address", "地址", "住址"), ("address",)),
    (("where i live", "住哪", "住在哪", "住的地方", "城市", "city"), ("city", "address")),
    (("name", "名字"), ("name",)),
    (("birthday", "生日"), ("birthday",)),
    (("phone", "number", "电话", "手机"), ("phone",)),
    (("email", "e-mail", "邮箱"), ("email",)),
    (("job", "work", "工作", "职业"), ("job", "workplace")),
    (("allerg", "过敏"), ("allergy",)),
    (("hometown", "老家", "where i'm from", "where i am from"), ("hometown",)),
    (("age", "年龄", "多大"), ("age",)),
    (("diet", "vegetarian", "吃素"), ("diet",)),
]
_LAST = re.compile(r"^(?:that|it|this|what i (?:just )?said|the last thing|what i told you|about it|about that)?$|"
                   r"^(?:这个|那个|这件事|这些|刚才(?:说的|那句)?(?:话)?|我刚才说的|它|那|这)?$", re.I)
_ALL = re.compile(r"^(?:everything|all(?: of it)?|all about me|everything (?:about me|you know about me|i told you))$|"
                  r"^(?:所有|全部|一切)(?:的)?(?:东西|记忆|内容)?$|^关于我的(?:所有|一切|全部)$", re.I)


def parse_forget(text: str) -> Forget | None:
    """The forget command in ``text``, or None when it is not one."""
    t = text.strip()
    if len(t) > 200:
        return None
    m = _EN_FORGET.match(t) or _ZH_FORGET.match(t) or _ZH_FORGET_BA.match(t)
    if not m:
        return None
    target = m.group(1).strip().strip("，,。.!！ ")
    target = re.sub(r"^(?:about |that i said |what i said about |that |关于|我说的|我的|的)", "", target,
                    flags=re.I).strip()
    target = re.sub(r"(?:吧|了|啊|好吗|please)$", "", target).strip()
    if _ALL.match(target):
        return Forget(everything=True)
    if _LAST.match(target):
        return Forget(last=True)
    low = target.lower()
    attrs: list[str] = []
    for words, names in _TARGETS:
        if any(w in low for w in words):
            attrs.extend(names)
    if m.re is not _EN_FORGET:
        fav = re.search(r"最喜欢的(\S{1,8})", target)
        verb = re.search(r"最(?:喜欢|爱)(吃|喝|看|听|玩|去)", target)
        if verb:
            attrs.append(f"favourite:{_VERB_THING[verb.group(1)]}")
    else:
        fav = re.search(r"fav(?:ou?rite)? (\w+)", low)
    if fav:
        attrs.append(f"favourite:{fav.group(1)}")
    words = re.sub(r"^(?:my|i|我|我的)\s*", "", target, flags=re.I)
    return Forget(attributes=tuple(dict.fromkeys(attrs)), words=words)


# -- the model -----------------------------------------------------------------------------
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"facts": {"type": "array", "maxItems": 6, "items": {
        "type": "object",
        "properties": {"subject": {"type": "string"}, "attribute": {"type": "string"},
                       "value": {"type": "string"}},
        "required": ["subject", "attribute", "value"]}}},
    "required": ["facts"],
}
PROMPT = (
    "Extract durable personal facts the user states about themself or people they know "
    "(name, city, address, job, birthday, preferences, dislikes, allergies, family, plans). "
    "Ignore questions, small talk and anything about the assistant. Use the user's own words for "
    "values. subject is \"user\" or the person's name or relation; attribute is a short English "
    "snake_case key such as city, favourite_fruit, allergy, likes, job, birthday, plan.\n"
    "Example: \"My sister Ann lives in Rome and I hate olives\" -> {\"facts\": [{\"subject\": \"Ann\", "
    "\"attribute\": \"city\", \"value\": \"Rome\"}, {\"subject\": \"user\", \"attribute\": \"dislikes\", "
    "\"value\": \"olives\"}]}\nUser message: "
)
_ATTR_ALIASES = {"location": "city", "lives_in": "city", "residence": "city", "home_city": "city",
                 "occupation": "job", "profession": "job", "employer": "workplace", "company": "workplace",
                 "like": "likes", "preference": "likes", "dislike": "dislikes", "allergies": "allergy",
                 "allergic_to": "allergy", "phone_number": "phone", "birth_date": "birthday",
                 "date_of_birth": "birthday", "home_address": "address", "relationship": "relation"}


def model_facts(backend: Any, text: str) -> list[Fact]:
    """Facts the model finds in ``text``; only those whose value the user actually said."""
    zh = is_chinese(text)
    done = backend.chat([Msg("user", PROMPT + text[:1500])], schema=SCHEMA, max_tokens=200, temperature=0.0)
    try:
        data = json.loads(done.text)
    except (json.JSONDecodeError, TypeError):
        return []
    out = []
    for item in (data.get("facts") or [])[:6] if isinstance(data, dict) else []:
        if not isinstance(item, dict):
            continue
        value = str(item.get("value", "")).strip()
        subject = str(item.get("subject", "user")).strip() or "user"
        attr = re.sub(r"[^a-z0-9_:]+", "_", str(item.get("attribute", "")).strip().lower()).strip("_")
        if not value or not attr or value.lower() not in text.lower():
            continue  # ungrounded: the model made it up or rephrased it
        if subject.lower() in ("user", "i", "me", "myself", "我", "用户"):
            subject = "user"
        elif subject.lower() not in text.lower():
            continue
        attr = _ATTR_ALIASES.get(attr, attr)
        for prefix in ("favourite_", "favorite_", "fav_"):
            if attr.startswith(prefix):
                attr = "favourite:" + attr[len(prefix):].replace("_", " ")
        if _ok(value, zh):
            out.append(Fact(subject, attr, value, zh))
    return out
