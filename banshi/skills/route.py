"""Which skill a chat message asks for, read from its words alone (no model call: it runs on
every turn the service agents leave), and the skill's answer as a chat answer (``answer``,
``photo_answer``):

- a math problem — a word problem, a sum, an equation — goes to the checked homework solver
  (``banshi.skills.homework``) instead of being answered from the model's head, and so does a
  photo sent to be solved (拍照讲题: 这道题怎么做？); a bare calculation (17乘以3等于多少？) is
  computed exactly at once (``banshi.skills.calculator``);
- a request for a picture (画一只猫, draw a cat, 做一张生日海报) is drawn by the image skill and
  kept among the user's files;
- a recording sent in the chat is transcribed and its minutes written (summary, decisions,
  action items; ``recording_answer``);
- a request to translate the text that follows it (翻译成英文：…, translate into French: …) goes
  to the translation skill, which keeps Markdown and code as they are and translates a long text
  piece by piece;
- a social post asked for by its platform (帮我写一条朋友圈…, write a tweet about …) is written by
  the writing skill, as its poster would write it.

A message is a math problem when it asks for a number (多少, 几, 求, how many, what is …) about
at least two quantities, or writes out a calculation (17乘以3, 3 + 4 * 2, 2x + 3 = 7). A question
about a date, a time or a price to look up (星期几, 几点, what time) is not one; a request to
write, translate or recommend something is not one, even with numbers in it. A short message that
changes the problem just asked (那如果是5盒呢？, what if there were 8?) is that problem changed.

May import: messages, numbers, models, config, skills.calculator/school_facts/lang, skills.homework/images/
translate/writing and media.files/recordings (lazily).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from banshi.config import Settings, get_settings
from banshi.messages import Completion, Delta
from banshi.models.base import Backend
from banshi.numbers import EN_WORDS
from banshi.skills import calculator
from banshi.skills.lang import NAMES, detect_language
from banshi.skills.school_facts import read_quantities

# a quantity: digits, a Chinese numeral (一 alone is "a", not counted), an English number word
_NUMBER = re.compile(
    r"\d+(?:\.\d+)?|[零〇二两三四五六七八九十百千万亿半倍][零〇一二两三四五六七八九十百千万亿]*|一[零〇一二两三四五六七八九十百千万亿]+"
    r"|\b(?:" + "|".join([*EN_WORDS, "half", "twice", "double", "triple", "dozen", "third", "quarter"]) + r")\b",
    re.I,
)
# a date or a clock time is not a quantity to calculate with
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\d{1,2}:\d{2}|\d{4}\s*年(?:\s*\d{1,2}\s*月)?|[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*[日号]?"
    r"|\b"
    + _MONTH
    + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _MONTH
    + r"(?:,?\s+\d{4})?|\b\d+(?:st|nd|rd|th)\b",
    re.I,
)
# a calculation written out: two numbers joined by an operator (a dash or slash may be a range
# or a date, so those count only as an expression that is asked for: 7-3=?, 8/2 等于几), or an
# equation in x, or an operation asked for (multiply 7 and 42)
_OPERATOR = re.compile(
    r"\d\s*(?:[+*×÷^]|加上?|减去?|乘以?|除以|的平方|的立方|\bplus\b|\bminus\b|\btimes\b|\bdivided by\b|"
    r"\bmultiplied by\b|\bsquared\b|\bcubed\b|\bto the power\b)\s*\(?\d"
    r"|\d\s*[-/]\s*\d+\s*(?:=|等于|得)|\b\d*[a-z]\s*[+\-]\s*\d+\s*=|=\s*\d*[a-z]\b|[（(]\s*[）)]\s*[+\-×÷*/=]"
    r"|\b(?:add|multiply|divide|subtract)\s+\d+(?:\.\d+)?\s+(?:and|by|to|from)\s+\d"
    r"|\b(?:square root|cube root|factorial) of \d",
    re.I,
)
_ASKS_ZH = re.compile(
    r"多少|(?<![这那好])几(?![点号月日时天周]|何时)|多[长大重远高久宽深厚]|(?<![要请需追寻])求|计算|算一算|算一下|算算|(?<!打)算出|怎么算|等于|=\s*[?？.．。]?\s*$|得数|解方程|方程|平均|"
    r"至少|最多|相差|余数|是(?:百分之)?几"
)
_ASKS_EN = re.compile(
    r"\bhow (?:many|much|long|far|old|fast|tall|high|big|heavy|wide|deep|often)\b|\bwhat(?:'s|\b)|\bcalculate\b|"
    r"\bcompute\b|\bsolve\b|\bfind\b|\bevaluate\b|\bwork out\b|\btotal\b|\baverage\b|"
    r"\baltogether\b|\bin all\b|\bremain",
    re.I,
)
# asks about the calendar or the clock, or for writing, translating or a recommendation
_NOT_MATH = re.compile(
    r"星期几|周几|礼拜几|几点|几号|几月|哪天|哪一天|什么时候|汇率|股价|翻译|写一[篇封首段份]|帮我写|帮我(?:找|查|搜|看看)|哪家|"
    r"作文|润色|改写|总结|摘要|推荐|\bwhat (?:day|date|time)\b|(?:^|[.?!]\s*)when (?:is|are|was|were|does|did|do|will|"
    r"should|can|shall)\b|\bexchange rate\b|\bstock (?:price|market)|\btranslat|\bwrite (?:a|an|me)\b|\bdraft\b|"
    r"\bsummari[sz]e\b|\brecommend (?:me|a|an|some)\b",
    re.I,
)
MAX_CHARS = 1200  # longer than any school problem: a pasted document with numbers in it


def math_problem(text: str) -> bool:
    """Whether the message is a math problem to solve (see the module's doc)."""
    text = text.strip()
    if not text or len(text) > MAX_CHARS or _NOT_MATH.search(text):
        return False
    digits = _DATE.sub(" ", read_quantities(text))  # 三分之一 → 1/3, 五个 → 5个; no dates
    if _OPERATOR.search(digits) or calculator.expression(text) is not None:
        return True
    asks = _ASKS_ZH.search(digits) or _ASKS_EN.search(digits)
    return bool(asks) and len(_NUMBER.findall(digits)) >= 2


# a message that changes the problem just asked: 那如果是5盒呢？ 换成8米呢？ what if there were 8 boxes?
_CHANGE = re.compile(
    r"如果|要是|假如|假设|换成|改成|改为|变成|那.{0,16}呢|\bwhat if\b|\binstead\b|\bwhat about\b|\bhow about\b", re.I
)
MAX_CHANGE_CHARS = 80
MAX_FOLLOW_UPS = 8  # a chain of follow-ups (5盒呢？ 7盒呢？ …) is followed back this far
_CHANGED = {
    "zh": "{problem}\n（条件改为：{change}）请按改变后的条件解答。",
    "en": "{problem}\n(Changed: {change}) Solve the changed problem.",
}


def earlier_question(messages: list[Any], _depth: int = 0) -> str | None:
    """The user's message before the last, when the turn between them answered it (the problem a
    follow-up may change); when that message was itself a follow-up (那如果是5盒呢？ then 那7盒呢？),
    the problem as it changed it. Messages have ``role`` and ``content``."""
    said = [m for m in messages if m.role in ("user", "assistant")]
    if not (len(said) >= 3 and said[-3].role == "user" and said[-2].role == "assistant"):
        return None
    question = said[-3].content
    if _depth < MAX_FOLLOW_UPS and _says_a_change(question):
        changed = changed_problem(question, earlier_question(said[:-2], _depth + 1))
        if changed is not None:
            return changed
    return question


def changed_problem(text: str, earlier: str | None) -> str | None:
    """The earlier math problem with the change this message makes to it (那如果是5盒呢？ after a
    problem about boxes of chalk), for the solver to solve whole; None when the message is no
    such change: too long, no number in it, no word of change, or the earlier message no problem."""
    text = text.strip()
    if not earlier or not _says_a_change(text):
        return None
    change = read_quantities(text)
    if not _NUMBER.search(_DATE.sub(" ", change)) or not math_problem(earlier):
        return None
    substituted = _substituted(read_quantities(earlier.strip()), change)
    if substituted is not None:
        return substituted
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", earlier) else "en"
    return _CHANGED[lang].format(problem=earlier.strip(), change=text)


def _says_a_change(text: str) -> bool:
    """Short, with a word of change (如果, 换成, 那…呢, what if), and not about something else."""
    text = text.strip()
    return len(text) <= MAX_CHANGE_CHARS and not _NOT_MATH.search(text) and bool(_CHANGE.search(text))


_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)\s*([\u4e00-\u9fff]|[A-Za-z]+)")


def _substituted(problem: str, change: str) -> str | None:
    """The problem with each quantity of the change put in place of the one quantity of the problem
    in the same unit (那如果是5盒呢？: 用了3盒 → 用了5盒; the small model misses a change said after
    the problem); None when a quantity of the change has no single counterpart."""
    found = _QUANTITY.findall(change)
    for number, unit in found:
        spots = [m for m in _QUANTITY.finditer(problem) if m.group(2).lower() == unit.lower()]
        if len(spots) != 1:
            return None
        m = spots[0]
        problem = problem[: m.start(1)] + number + problem[m.end(1) :]
    return problem if found else None


# asks for a picture to be made: 画一只猫, 帮我做一张生日海报, draw a cat, make me a logo for …
_POLITE_ZH = r"^\s*(?:请|麻烦)?你?(?:帮我|给我|为我|替我)?\s*"
_DRAW = re.compile(
    _POLITE_ZH + r"(?:画|绘制|手绘)(?![家展面质风作廊])"
    r"|" + _POLITE_ZH + r"(?:生成|做|制作|设计|创作)(?:一|几|两)?[张幅个份套]?.{0,24}?"
    r"(?:图片|图像|插画|插图|海报|图标|logo|头像|示意图|流程图|柱状图|饼图|折线图|条形图|壁纸|贺卡|图)"
    r"|^\s*(?:please\s+|(?:can|could|would) you\s+)?(?:draw|sketch|paint|illustrate)\b"
    r"|^\s*(?:please\s+|(?:can|could|would) you\s+)?(?:generate|create|make|design|produce)\s+(?:me\s+)?"
    r"(?:an?\s+|some\s+)?(?:[\w-]+\s+){0,3}(?:image|picture|drawing|illustration|icon|logo|poster|diagram|"
    r"flowchart|chart|banner|avatar|wallpaper|greeting card)s?\b",
    re.I,
)
# a question about drawing, not a request for a picture
_ABOUT_DRAWING = re.compile(r"怎么|怎样|如何|什么|为什么|哪|吗[?？]?\s*$|\bhow\b|\bwhat\b|\bwhy\b", re.I)


def skill_first(text: str) -> bool:
    """Whether a skill takes the message whatever services its words name, so the service agents
    are not asked: a math problem (小明买了3个苹果… is no shopping), a translation (翻译：the train
    leaves at noon is no ticket search), a picture, a piece of writing (a poem about the rain is no
    forecast: ``writing.composes``)."""
    from banshi.skills.writing import composes

    return math_problem(text) or translation(text) is not None or drawing(text) or composes(text)


def drawing(text: str) -> bool:
    """Whether the message asks for a picture (an illustration, icon, poster, diagram or chart)."""
    return len(text) <= MAX_CHARS and bool(_DRAW.search(text)) and not _ABOUT_DRAWING.search(text)


# a request to translate the text that follows it: 翻译成英文：…, 把下面这段译成日语\n…,
# translate into French: …, "translate this to Chinese" + a new line and the text
_LANGUAGES_ZH = {"中文": "zh", "汉语": "zh", "英文": "en", "英语": "en", "日语": "ja", "日文": "ja", "韩语": "ko",
                 "韩文": "ko", "法语": "fr", "法文": "fr", "德语": "de", "德文": "de", "西班牙语": "es",
                 "意大利语": "it", "葡萄牙语": "pt", "俄语": "ru", "俄文": "ru", "阿拉伯语": "ar", "泰语": "th",
                 "越南语": "vi", "希腊语": "el", "荷兰语": "nl", "印地语": "hi"}
_LANGUAGES_EN = {name.lower(): code for code, (name, _) in NAMES.items()} | {"mandarin": "zh"}
_TRANSLATE = re.compile(
    r"^\s*(?:请|麻烦)?(?:你)?(?:帮我|给我)?(?:把|将)?(?:下面|以下|下列|这段|这句|这篇|这些)*(?:的)?"
    r"(?:话|文字|内容|段落|段话|句子|句话|文章|文本)?(?:翻译|译)(?:一下)?(?:成|为|到)?\s*"
    r"(?P<zh>" + "|".join(_LANGUAGES_ZH) + r")?"
    r"\s*(?:[：:]\s*|\n\s*)(?P<text>\S.*)"
    r"|^\s*(?:please\s+|(?:can|could) you\s+)?translate(?:\s+(?:this|the following|the text below|these))?"
    r"(?:\s+(?:text|sentences?|paragraphs?|lines?))?(?:\s+(?:into|to)\s+(?P<en>[a-z]+))?\s*"
    r"(?:[：:]\s*|\n\s*)(?P<text_en>\S.*)",
    re.I | re.S,
)


def translation(text: str) -> tuple[str, str | None] | None:
    """``(the text to translate, the target language code or None: the usual one)`` when the
    message asks for the text after its instruction to be translated, else None."""
    m = _TRANSLATE.match(text)
    if m is None:
        return None
    if m.group("text") is not None:
        return m.group("text").strip(), _LANGUAGES_ZH.get(m.group("zh") or "")
    named = (m.group("en") or "").lower()
    if named and named not in _LANGUAGES_EN:
        return None  # "translate to me: …" is no language
    return m.group("text_en").strip(), _LANGUAGES_EN.get(named)


# a message sent with a photo that asks for the problem on it to be solved (拍照讲题)
_SOLVE_PHOTO = re.compile(
    r"这道题|这题|题目|讲题|讲讲|讲一下|怎么做|怎么算|怎么解|解答|解题|答案|算一下|帮我算|作业|数学|应用题|"
    r"\bsolve\b|\bproblem\b|\bhomework\b|\bexercise\b|\bmath|\banswer\b|\bwork (?:it )?out\b",
    re.I,
)


# a social post asked for, by its platform (帮我写一条朋友圈…, write a tweet about …)
_PLATFORM = {"朋友圈": "wechat_moments", "微博": "weibo", "小红书": "xiaohongshu", "抖音": "douyin", "推文": "x",
             "tweet": "x", "linkedin": "linkedin", "instagram": "instagram"}
_POST = re.compile("|".join(_PLATFORM), re.I)


def social_post(text: str) -> str | None:
    """The platform (``writing.SKILLS["social_post"]``'s) of the post the message asks to be
    written, or None: it is then written as its poster would ("I"), not spoken to them."""
    from banshi.skills.writing import composes

    m = _POST.search(text) if composes(text) else None
    return _PLATFORM[m.group(0).lower()] if m else None


def solves_photo(text: str) -> bool:
    """Whether a message sent with one photo asks for the problem on it to be solved."""
    return bool(_SOLVE_PHOTO.search(text)) and not _NOT_MATH.search(text)


def answer(
    backend: Backend,
    text: str,
    model: Callable[[], Iterator[Delta | Completion]],
    *,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
    user_id: str | None = None,
    earlier: str | None = None,
    facts: Sequence[str] = (),
) -> Iterator[Delta | Completion | dict[str, Any]]:
    """The answer to a chat message the service agents left: a skill's when the message asks for
    one (its progress as ``{"type": "skill", ...}`` events among the text), else ``model()``,
    the model's own answer. A picture is drawn only for a ``user_id``, among whose files it is
    kept (the answer shows it from there). ``earlier`` is the user's previous message
    (``earlier_question``): a message that changes that problem is solved as the changed problem.
    ``facts`` are those memory recalls for the message: a post about 「我家猫咪」 is written knowing
    the cat's name."""
    if user_id is not None and drawing(text):
        return _drawn(backend, text, user_id, cancel=cancel, settings=settings or get_settings())
    asked = translation(text)
    if asked is not None:
        return _translated(backend, *asked, cancel=cancel)
    platform = social_post(text)
    if platform is not None:
        known = "".join(f"\n- {f}" for f in facts)
        brief = text + (f"\n\nWhat the poster (用户) has told you, to use where it fits:{known}" if known else "")
        return _posted(backend, brief, {"platform": platform, "language": detect_language(text)}, cancel=cancel)
    changed = changed_problem(text, earlier)
    if changed is not None:
        text = changed
    elif not math_problem(text):
        return model()
    expr = calculator.expression(text)
    if expr is not None:  # a bare calculation: computed exactly, no model
        return _calculated(expr)
    from banshi.skills import homework

    return homework.chat_stream(backend, text, model, cancel=cancel, settings=settings)


_DRAWN = {"zh": "画好了：", "en": "Here it is:"}


def _drawn(
    backend: Backend, text: str, user_id: str, *, cancel: threading.Event | None, settings: Settings
) -> Iterator[Delta | Completion | dict[str, Any]]:
    from banshi.media.files import FileStore
    from banshi.skills import images

    yield {"type": "skill", "skill": "drawing", "stage": "drawing"}
    picture = images.generate(backend, text, cancel=cancel)[0]
    stored = FileStore(settings, user_id).save_bytes("drawing.png", picture.png, purpose="drawing")
    alt = re.sub(r"[\[\]()\s]+", " ", text).strip()[:80]
    said = f"{_DRAWN['zh' if detect_language(text) == 'zh' else 'en']}\n\n![{alt}](/v1/files/{stored.id}/content)"
    yield Delta(text=said)
    yield {"type": "skill", "skill": "drawing", "result": {
        "file_id": stored.id, "source": picture.source, "seconds": picture.seconds}}
    yield Completion(text=said, finish_reason="stop")


def _finished(said: str, cancel: threading.Event | None) -> Completion:
    """The end of a skill's streamed answer: what it said, and whether the user stopped it."""
    return Completion(text=said, finish_reason="cancelled" if cancel is not None and cancel.is_set() else "stop")


def _posted(
    backend: Backend, brief: str, params: dict[str, str], *, cancel: threading.Event | None
) -> Iterator[Delta | Completion | dict[str, Any]]:
    from banshi.skills import writing

    yield {"type": "skill", "skill": "writing", "stage": "writing"}
    said: list[str] = []
    for piece in writing.write_stream(backend, "social_post", brief, params, cancel=cancel):
        said.append(piece)
        yield Delta(text=piece)
    yield {"type": "skill", "skill": "writing", "result": {"skill": "social_post", **params}}
    yield _finished("".join(said).strip(), cancel)


def _translated(
    backend: Backend, text: str, target: str | None, *, cancel: threading.Event | None
) -> Iterator[Delta | Completion | dict[str, Any]]:
    from banshi.skills import translate

    said: list[str] = []
    for event in translate.translate_stream(backend, text, target=target, cancel=cancel):
        if event["type"] == "start":
            yield {"type": "skill", "skill": "translation", "stage": "translating"}
        elif event["type"] == "piece":
            said.append(event["text"])
            yield Delta(text=event["text"])
        elif event["type"] == "result":
            yield {"type": "skill", "skill": "translation", "result": {
                "source": event["source"], "target": event["target"], "chunks": event["chunks"]}}
    yield _finished("".join(said), cancel)


def recording_answer(
    backend: Backend, store: Any, file_id: str, *, settings: Settings
) -> Iterator[Delta | Completion | dict[str, Any]]:
    """The answer to a message sent with a recording: its timestamped transcript (progress as
    ``{"type": "skill", "skill": "minutes", "stage": "transcribing", "seconds", "total"}``), then
    the minutes — summary, decisions, action items — with the transcript folded under them."""
    from banshi.media import recordings

    yield {"type": "skill", "skill": "minutes", "stage": "transcribing", "seconds": 0, "total": None}
    for item in recordings.transcribing(store, file_id, settings):
        if isinstance(item, tuple):
            yield {"type": "skill", "skill": "minutes", "stage": "transcribing", "seconds": round(item[0], 1),
                   "total": round(item[1], 1) if item[1] else None}
        else:
            transcript = item
    yield {"type": "skill", "skill": "minutes", "stage": "summarizing"}
    m = recordings.minutes(transcript, settings, backend)
    said = m.as_markdown(transcript)
    yield Delta(text=said)
    yield {"type": "skill", "skill": "minutes", "result": {"file_id": file_id, "duration": transcript.duration,
                                                           **m.as_dict()}}
    yield Completion(text=said, finish_reason="stop")


def photo_answer(
    backend: Backend,
    image: bytes,
    *,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
) -> Iterator[Delta | Completion | dict[str, Any]]:
    """The answer to a photo sent to be solved (``solves_photo``): read, solved and checked by the
    homework skill; when nothing solves it, the message says so with the problem as read."""
    from banshi.skills import homework

    return homework.chat_stream(backend, None, None, image=image, cancel=cancel, settings=settings)


def _calculated(expr: str) -> Iterator[Delta | Completion | dict[str, Any]]:
    start = time.monotonic()
    number = calculator.value(expr)
    assert number is not None  # calculator.expression checked it
    answer = calculator.shown(number)
    written = re.sub(r"\s*(\*\*|[-+*/])\s*", lambda m: {"**": "^", "*": " × ", "/": " ÷ "}.get(m[1], f" {m[1]} "), expr)
    written = re.sub(r"(^|\()\s*- ", r"\1-", written.strip())  # a sign, not a subtraction
    text = f"{written} = {answer}"
    yield Delta(text=text)
    yield {
        "type": "skill",
        "skill": "calculator",
        "result": {
            "answer": answer,
            "verified": True,
            "check": "computed exactly from the expression",
            "notice": "",
            "program": expr,
            "seconds": time.monotonic() - start,
        },
    }
    yield Completion(text=text, finish_reason="stop")
