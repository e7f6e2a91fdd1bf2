"""Tool calls written as text by a model, parsed on our side.

Small models do not always follow one format: Qwen's ``<tool_call>{...}</tool_call>`` tags,
fenced ```json blocks (what Qwen2.5-Coder usually writes), bare JSON objects or arrays, OpenAI's
``{"type": "function", "function": {...}}`` shape. ``parse_tool_calls`` finds them all, decodes
arguments given as a JSON string, and returns the rest of the text as content; anything that is
not valid JSON of a call's shape stays text. ``ToolCallStream`` holds back streamed text that may
turn out to be a call, so a user never sees raw call JSON flash by.
May import: messages, numbers.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from banshi.messages import ToolCall
from banshi.numbers import EN_WORDS, ZH_DIGITS, ZH_SECTIONS, ZH_UNITS, zh_number

_decoder = json.JSONDecoder()

_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_FENCE = re.compile(r"```[ \t]*([\w-]*)[^\n]*\n(.*?)(?:```|$)", re.S)
# a closing tag the model wrote without an opening one, or a stray tag left when the JSON was bad
_STRAY = re.compile(r"</?tool_call>")
_OPEN = re.compile(r"[{\[]")


def new_call_id() -> str:
    return "call_" + uuid.uuid4().hex[:24]


def _as_call(obj: Any, names: Collection[str] | None) -> ToolCall | None:
    """A ToolCall when ``obj`` has a call's shape (and a known name, when names are given)."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict) and "name" not in obj:  # OpenAI shape
        fn = obj["function"]
        obj = {"name": fn.get("name"), "arguments": fn.get("arguments", {}), "id": obj.get("id")}
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    if "arguments" in obj:
        args = obj["arguments"]
    elif "parameters" in obj:
        args = obj["parameters"]
    else:
        return None
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        return None
    name = name.strip()
    if names is not None and name not in names:
        return None
    call_id = obj.get("id")
    return ToolCall(name=name, arguments=args, id=call_id if isinstance(call_id, str) and call_id else new_call_id())


def _calls_in_value(obj: Any, names: Collection[str] | None) -> list[ToolCall] | None:
    """The calls in one decoded JSON value (an object, a list of objects, ``{"tool_calls": [...]}``),
    or None when any part of it is not a call."""
    if isinstance(obj, dict) and isinstance(obj.get("tool_calls"), list) and "name" not in obj:
        obj = obj["tool_calls"]
    items = obj if isinstance(obj, list) else [obj]
    if not items:
        return None
    calls = [_as_call(item, names) for item in items]
    if any(c is None for c in calls):
        return None
    return [c for c in calls if c is not None]


def _calls_in_block(block: str, names: Collection[str] | None) -> list[ToolCall] | None:
    """Calls when ``block`` is nothing but one or more call-shaped JSON values (separated by
    whitespace or commas); None otherwise."""
    pos, calls = 0, []
    block = block.strip()
    while pos < len(block):
        while pos < len(block) and (block[pos].isspace() or block[pos] == ","):
            pos += 1
        if pos >= len(block):
            break
        try:
            value, end = _decoder.raw_decode(block, pos)
        except ValueError:
            return None
        found = _calls_in_value(value, names)
        if found is None:
            return None
        calls.extend(found)
        pos = end
    return calls or None


@dataclass
class _Span:
    start: int
    end: int
    calls: list[ToolCall]


def _bare_spans(text: str, taken: list[tuple[int, int]], names: Collection[str] | None) -> list[_Span]:
    spans: list[_Span] = []
    pos = 0
    while True:
        m = _OPEN.search(text, pos)
        if m is None:
            return spans
        i = m.start()
        if any(a <= i < b for a, b in taken):
            pos = next(b for a, b in taken if a <= i < b)
            continue
        try:
            value, end = _decoder.raw_decode(text, i)
        except ValueError:
            pos = i + 1
            continue
        calls = _calls_in_value(value, names)
        if calls:
            spans.append(_Span(i, end, calls))
            pos = end
        else:
            # a JSON value that is not a call: skip it whole, its inner objects are data
            pos = end if isinstance(value, dict | list) else i + 1


def parse_tool_calls(text: str, names: Collection[str] | None = None) -> tuple[str, list[ToolCall]]:
    """Split a model's reply into (content, tool calls).

    ``names``, when given, restricts calls to these tool names: JSON naming another function is
    left as text. Content is the text outside the calls, trimmed."""
    spans: list[_Span] = []
    for m in _TAG.finditer(text):
        calls = _calls_in_block(m.group(1), names)
        if calls:
            spans.append(_Span(m.start(), m.end(), calls))
    taken = [(s.start, s.end) for s in spans]
    code: list[tuple[int, int]] = []  # fenced code in another language: its braces are code
    for m in _FENCE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        lang = m.group(1).lower()
        if lang and lang not in {"json", "tool_call", "tool_calls", "tool", "jsonc", "json5"}:
            code.append((m.start(), m.end()))
            continue
        calls = _calls_in_block(m.group(2), names)
        if calls:
            spans.append(_Span(m.start(), m.end(), calls))
    taken = [(s.start, s.end) for s in spans] + code
    spans.extend(_bare_spans(text, taken, names))
    if not spans:
        return text.strip(), []
    spans.sort(key=lambda s: s.start)
    pieces, calls, pos = [], [], 0
    for s in spans:
        pieces.append(text[pos : s.start])
        calls.extend(s.calls)
        pos = s.end
    pieces.append(text[pos:])
    # a small model stuck in a loop repeats the same call: once is enough
    unique: dict[str, ToolCall] = {}
    for c in calls:
        unique.setdefault(c.name + json.dumps(c.arguments, sort_keys=True, ensure_ascii=False), c)
    calls = list(unique.values())
    content = _STRAY.sub("", "".join(pieces))
    content = re.sub(r"\n{3,}", "\n\n", content).strip()
    return content, calls


# -- streaming ------------------------------------------------------------------------------------

# a call starts with Qwen's tag anywhere, or with a fence or JSON at the start of a line
_LINE_MARKER = re.compile(r"^[ \t]*(```|\{|\[)", re.M)
_TAG_OPEN = "<tool_call>"


class ToolCallStream:
    """Feeds streamed text and releases the part that cannot be the start of a tool call.

    Text streams at once until a possible call begins (``<tool_call>``, or a code fence or JSON
    at the start of a line); from there it is held until the end, when ``finish`` parses the
    whole reply and releases what remains of the content (so a reply with a code block or JSON
    that is not a call still shows in full). Brackets inside a sentence do not stop the stream."""

    def __init__(self, names: Collection[str] | None = None):
        self.names = names
        self.text = ""
        self.released = ""
        self._holding = False

    @property
    def holding(self) -> bool:
        """True once a possible call has begun: the rest is held until ``finish``."""
        return self._holding

    def feed(self, piece: str) -> str:
        self.text += piece
        if self._holding:
            return ""
        start = len(self.released)
        cut = len(self.text)
        i = self.text.find(_TAG_OPEN, start)
        if i >= 0:
            cut, self._holding = i, True
        m = _LINE_MARKER.search(self.text, self.text.rfind("\n", 0, start) + 1)
        if m is not None and m.start(1) < cut:
            cut, self._holding = max(m.start(1), start), True
        if not self._holding:
            # keep back what may become a marker with the next piece: a partial "<tool_call>",
            # or a line so far made only of blanks and backticks
            for k in range(min(len(self.text) - start, len(_TAG_OPEN) - 1), 0, -1):
                if _TAG_OPEN.startswith(self.text[-k:]):
                    cut = len(self.text) - k
                    break
            line_start = self.text.rfind("\n", 0, cut) + 1
            if self.text[max(line_start, start) : cut].strip(" \t`") == "" and "`" in self.text[line_start:cut]:
                cut = max(line_start, start)
        out = self.text[start:cut]
        self.released += out
        return out

    def finish(self) -> tuple[str, list[ToolCall], str]:
        """(content, calls, the rest of the content not yet released)."""
        content, calls = parse_tool_calls(self.text, self.names)
        released = self.released
        if content.startswith(released):
            rest = content[len(released) :]
        elif content.startswith(released.strip()):
            rest = content[len(released.strip()) :]
        else:
            rest = ""
        self.released += rest
        return content, calls, rest


# -- constrained decoding -------------------------------------------------------------------------

CALL_OPEN, CALL_CLOSE = "<tool_call>", "</tool_call>"
#: a text reply under the grammar: anything that does not start with "<", "{", "[", a blank, a
#: fence without a language or a ```json one (the same syntax in llguidance and Python's ``re``)
TEXT = r"([^<{\[`\s]|`[^`]|``[^`]|```([^j`\s]|j[^s]|js[^o]|jso[^n]))[\s\S]*"


def strict_schema(schema: Any) -> Any:
    """A copy of a parameters schema for decoding: objects that list their properties admit no
    others (a small model otherwise invents arguments), and informational keys are dropped."""
    if isinstance(schema, list):
        return [strict_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_schema(v) for k, v in schema.items() if k not in ("description", "title", "examples", "default")}
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: strict_schema(v) for k, v in schema["properties"].items()}
        out.setdefault("additionalProperties", False)
        if "required" in out:
            out["required"] = [r for r in out["required"] if r in out["properties"]]
    if out.get("type") == "object" and "properties" not in out and "additionalProperties" not in out:
        out["properties"] = {}
        out["additionalProperties"] = True
    return out


def _arguments(fn: dict[str, Any]) -> dict[str, Any]:
    params = fn.get("parameters") or {"type": "object"}
    return strict_schema(params if params.get("type", "object") == "object" else {"type": "object"})


def call_schema(tools: list[dict[str, Any]], only: str | None = None) -> dict[str, Any]:
    """A JSON schema admitting one ``{"name", "arguments"}`` call of one of ``tools`` (or of the
    one named ``only``), its arguments checked against that tool's parameters."""
    options = []
    for t in tools:
        fn = t.get("function") or t
        if only and fn.get("name") != only:
            continue
        options.append(
            {
                "type": "object",
                "properties": {"name": {"const": fn["name"]}, "arguments": _arguments(fn)},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    if not options:
        raise ValueError(f"no tool named {only!r} among the tools given")
    return options[0] if len(options) == 1 else {"anyOf": options}


def _lark_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def call_grammar(tools: list[dict[str, Any]], *, allow_text: bool = True, only: str | None = None) -> str:
    """An llguidance grammar (llama.cpp's ``grammar`` field) for a reply that is either calls or
    — when ``allow_text`` — plain text that does not start like a call (``TEXT``).

    Calls are written either in ``<tool_call>`` tags, one block per call (Qwen's format), or as
    a JSON list of calls, fenced (```json, how the default model writes a call on its own) or
    bare. A list and not a single object: held to one object, the default model makes the first
    of several calls a request needs and stops, or merges their values into one call; opening a
    list it goes on to the next ("Taylor Swift" then "Maroon 5"). A call names one of ``tools``
    and then its arguments must follow that tool's schema (no unknown argument, none required
    missing, each of its type). With
    ``allow_text`` a call may also name a function that is not among the tools, with any
    arguments: a small model asked something no tool covers tends to call the function it
    wishes it had, and forcing that call onto a real tool would invent a wrong action; the
    parser then drops such a call (``parse_tool_calls(..., names)``), as it does without a
    grammar. The model still decides between answering and calling with its first tokens."""
    fns = [t.get("function") or t for t in tools]
    if only:
        fns = [f for f in fns if f.get("name") == only]
        if not fns:
            raise ValueError(f"no tool named {only!r} among the tools given")
    named = []
    for i, fn in enumerate(fns):
        named.append(f"{_lark_string(_lark_string(fn['name']))} args_tail_{i}")
    lines = [
        "%llguidance {}",
        "start: calls" + (" | TEXT" if allow_text else ""),
        'calls: tagged ("\\n" tagged)* | "```json\\n" list "\\n```" | list',
        f'tagged: "{CALL_OPEN}\\n" body "\\n{CALL_CLOSE}"',
        'list: "[" WS? body (WS? "," WS? body)* WS? "]"',
        'body: "{" WS? "\\"name\\"" WS? ":" WS? named',
        "named: " + " | ".join(named + (["OTHER_NAME any_tail"] if allow_text else [])),
    ]
    for i, fn in enumerate(fns):
        lines.append(f'args_tail_{i}: WS? "," WS? "\\"arguments\\"" WS? ":" WS? args_{i} WS? "}}"')
        lines.append(f"args_{i}: %json {_compact(_arguments(fn))}")
    if allow_text:
        lines.append('any_tail: WS? "," WS? "\\"arguments\\"" WS? ":" WS? any_args WS? "}"')
        lines.append('any_args: %json {"type":"object"}')
        known = "|".join(re.escape(_lark_string(f["name"])) for f in fns)
        lines.append(f'OTHER_NAME: /"[A-Za-z_][A-Za-z0-9_.-]*"/ & ~/{known}/')
        lines.append(f"TEXT: /{TEXT}/")
    lines.append("WS: /[ \\t\\n]+/")
    return "\n".join(lines) + "\n"


def text_grammar() -> str:
    """An llguidance grammar for a plain-text reply (no call, JSON or json fence first)."""
    return f"%llguidance {{}}\nstart: TEXT\nTEXT: /{TEXT}/\n"


_USE = (
    r"\b(?:use|using|call|calling|invoke|invoking|run|running)\s+(?:the\s+)?(?:function\s+|tool\s+)?"
    r"`?({names})`?(?![\w.])"
)


def described_call(text: str, names: Collection[str]) -> str | None:
    """The tool that ``text`` tells the reader to use ("you can use the `get_case_info`
    function with these arguments…"), or None. The default model does this for about one
    request in five that needs a call, despite the prompt; the caller then makes the call."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    m = re.search(_USE.format(names=alternatives), text, re.I)
    if m is None:
        return None
    return next(n for n in names if n.lower() == m.group(1).lower())


# -- grounding ------------------------------------------------------------------------------------

_NUMBER_WORDS: dict[str, float] = {**EN_WORDS}
_NUMBER_WORDS.update(
    dozen=12,
    half=0.5,
    quarter=0.25,
    single=1,
    once=1,
    twice=2,
    double=2,
    pair=2,
    couple=2,
    triple=3,
    thrice=3,
    # a unit said alone counts as the number of its smaller unit ("next week" as 7 days)
    week=7,
    fortnight=14,
    decade=10,
    century=100,
    # how often, as times a year ("compounded quarterly")
    quarterly=4,
    monthly=12,
    weekly=52,
    biannually=2,
    semiannually=2,
)
# a Chinese numeral ("二十五", "三万五千", "一百零五"), or digits with a Chinese unit ("3万", "1.5千")
_CN_NUM = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+|半")
_DIGITS_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*([十百千万亿])")
_SCALES = sorted(
    {10.0**k * t for k in range(-9, 10) for t in (1, 60, 3600, 24, 7, 12, 365, 1 / 60, 1 / 24, 1 / 7, 1 / 12)}
)
_NUM = re.compile(r"(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")
# a run of Chinese characters is a word of its own beside Latin letters ("有wifi的": 有, wifi, 的)
_WORD = re.compile(r"[\u3400-\u9fff]+|[^\W_\u3400-\u9fff]+", re.U)
_CJK = re.compile(r"[\u3400-\u9fff]")
# ISO currency codes whose letters do not run through their names (USD: "US dollars" does)
_CURRENCIES = {
    "GBP": ("pound", "pounds", "sterling", "英镑"),
    "JPY": ("yen", "日元"),
    "CNY": ("yuan", "renminbi", "rmb", "人民币", "元"),
    "CHF": ("franc", "francs", "瑞士法郎"),
    "KRW": ("won", "韩元"),
    "INR": ("rupee", "rupees", "卢比"),
    "BRL": ("real", "reais"),
    "ZAR": ("rand",),
    "EUR": ("euro", "euros", "欧元"),
    "USD": ("dollar", "dollars", "美元"),
}
# names of the conversation's own language, which a call may give without the user saying it
_LANGUAGES = dict.fromkeys(("english", "en", "eng", "en-us", "en_us", "en-gb"), "en") | dict.fromkeys(
    ("chinese", "zh", "zh-cn", "zh_cn", "zh-hans", "mandarin", "simplified chinese", "中文", "汉语"), "zh"
)
# a string parameter whose description makes it a list of separate terms ("facilities that must
# all be present, space separated"): each term must be held, not one word of the whole
_SEPARATED = re.compile(r"\bseparated\b|\bmust all\b", re.I)
_PARTS = re.compile(r"[\s,，、;；]+")
_ENGLISH = frozenset("the a an of is are and to in for my me what how i you it this that".split())
_STOP = frozenset(
    "a an the of in on at to for and or by with from as is are be this that it its into per any all".split()
)


def _numbers(text: str) -> set[float]:
    found: set[float] = set()
    for m in _NUM.finditer(text):
        found.add(float(m.group().replace(",", "")))
        if "," in m.group():  # "[200,300,400]" is a list, "5,000" a number: keep both readings
            found.update(float(p) for p in m.group().split(","))
    low = text.lower()
    for word in _WORD.findall(low):
        if word in _NUMBER_WORDS:
            found.add(float(_NUMBER_WORDS[word]))
    for m in _CN_NUM.finditer(text):
        if not (m.start() and text[m.start() - 1].isdigit()):  # "3万" is read below
            found.update(_chinese_numbers(m.group()))
    for m in _DIGITS_UNIT.finditer(text):
        found.add(float(m.group(1)) * (ZH_UNITS | ZH_SECTIONS)[m.group(2)])
    return found


def _chinese_numbers(run: str) -> set[float]:
    """The numbers a run of Chinese numerals says: the value it spells ("二十五" 25, "三万五千"
    35000), and each digit too when it has no unit ("七八个": 7 and 8; "一一零")."""
    if run == "半":
        return {0.5}
    if not set(run) & (ZH_UNITS.keys() | ZH_SECTIONS.keys()):
        return {float(ZH_DIGITS[ch]) for ch in run}
    value = zh_number(run)
    return {float(ZH_DIGITS[ch]) for ch in run if ch in ZH_DIGITS} if value is None else {float(value)}


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Grounding:
    """Whether a call's argument values come from the conversation.

    A small model asked something no offered tool answers tends to call the nearest tool anyway,
    filling its required arguments with values nobody gave (a year for "the current Gini
    coefficient", a species for "the air quality in Los Angeles"). A value is grounded when the
    conversation holds it, loosely: a number said in digits or words (or that number scaled by a
    power of ten: 40 % for 0.4, 5 km for 5000 m); a string whose words, a word's start, or
    initials appear; an enum member or a boolean (chosen from the schema, not invented)."""

    def __init__(self, text: str):
        self.text = text
        self.low = text.lower()
        self.numbers = _numbers(text)
        self.words = set(_words(text))
        self.phrases = _phrases(_words(text), 3)
        self.initials = {"".join(w[0] for w in ws if w not in _STOP) for ws in _phrases(_words(text))}
        english = sum(w in _ENGLISH for w in _words(text)) >= 2
        self.language = "zh" if _CJK.search(text) else "en" if english else ""

    def number(self, value: float) -> bool:
        value = abs(value)  # a sign is the model's reading of "from -2", "a loss of 1000"
        if value in (0, 1):  # counts and flags the request implies ("a", "the", "none")
            return True
        # scaled by a power of ten (100 µF, 5 km, percentages, "213 million") or between time
        # units (3 minutes as 180 seconds, 2 weeks as 14 days)
        return any(n and abs(value - n * f) <= 1e-9 * value for n in self.numbers for f in _SCALES)

    def string(self, value: str) -> bool:
        low = value.strip().lower()
        if not low or low in self.low:
            return True
        if low in _LANGUAGES and _LANGUAGES[low] == self.language:  # the language it is written in
            return True
        words = [w for w in _words(low) if w not in _STOP]
        if not words:
            return True
        if any(self.number(float(n.replace(",", ""))) for n in _NUM.findall(low)):
            return True
        # one word said is enough: a value's other words are often qualifiers ("San Francisco, CA")
        if any(self.word(w) for w in words):
            return True
        if low.replace(".", "") in self.initials or (len(words) > 1 and "".join(w[0] for w in words) in self.words):
            return True
        # a short code (USD, MSFT, km) whose letters run in order through a word or phrase said
        code = value.strip()
        if not (code.isalpha() and (code.isupper() and len(code) <= 5 or len(code) <= 3)):
            return False
        if any(_subsequence(code.lower(), " ".join(ws)) for ws in [[w] for w in self.words] + self.phrases):
            return True
        return any(name in self.words or name in self.low for name in _CURRENCIES.get(code, ()))

    def word(self, w: str) -> bool:
        """A word of a value is said: whole (Chinese: the whole run of characters), or, in a
        language with spaces, a word said starting with its first four letters."""
        if _CJK.search(w):
            return w in self.low
        return w in self.words or (len(w) >= 4 and any(t.startswith(w[:4]) for t in self.words))

    def value(self, value: Any, schema: dict[str, Any] | None) -> bool:
        schema = schema if isinstance(schema, dict) else {}
        if "enum" in schema or isinstance(value, bool) or value is None:
            return True
        if isinstance(value, int | float):
            return self.number(float(value))
        if isinstance(value, str):
            if _SEPARATED.search(str(schema.get("description") or "")):  # each part a value of its own
                return all(self.string(v) or _offered(v, schema) for v in _PARTS.split(value) if v)
            return self.string(value) or _offered(value, schema)
        if isinstance(value, list):
            items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
            if "description" not in items and "description" in schema:  # a list's choices are told on the list
                items = {**items, "description": schema["description"]}
            return all(self.value(v, items) for v in value)
        if isinstance(value, dict):
            props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
            return all(self.value(v, props.get(k)) for k, v in value.items())
        return True

    def missing(self, arguments: dict[str, Any], parameters: dict[str, Any] | None) -> list[str]:
        """The required arguments whose values the conversation does not hold."""
        parameters = parameters or {}
        props = parameters.get("properties") or {}
        return [
            k for k in parameters.get("required") or [] if k in arguments and not self.value(arguments[k], props.get(k))
        ]


def check_calls(text: str, tools: list[dict[str, Any]], calls: list[ToolCall]) -> tuple[list[ToolCall], list[ToolCall]]:
    """(kept, dropped): ``calls`` checked against ``text`` (the conversation): a percentage said
    becomes the fraction a rate argument takes (``percents_as_fractions``); a call that needs a
    value nobody gave is dropped (``grounded_calls``), and so is one that only repeats another's
    values with a tool the request never names (``asked_calls``)."""
    kept, dropped = grounded_calls(text, tools, percents_as_fractions(text, tools, calls))
    kept, unasked = asked_calls(text, kept)
    return kept, dropped + unasked


def grounded_calls(
    text: str, tools: list[dict[str, Any]], calls: list[ToolCall]
) -> tuple[list[ToolCall], list[ToolCall]]:
    """(kept, dropped): a call is dropped when one of its required values is not in ``text``
    (the conversation) by ``Grounding``'s measure. Such a call is a small model's guess at a
    nearby tool for a request no tool answers (a year for "the current Gini coefficient"), or a
    value it invented for a tool that fits; either way it should not be made. Calls of tools not
    among ``tools`` are kept (the caller decides about those)."""
    grounding = Grounding(text)
    by_name = {(t.get("function") or t).get("name"): t.get("function") or t for t in tools}
    kept: list[ToolCall] = []
    dropped: list[ToolCall] = []
    for call in calls:
        fn = by_name.get(call.name)
        if fn is not None and grounding.missing(call.arguments, fn.get("parameters")):
            dropped.append(call)
        else:
            kept.append(call)
    return kept, dropped


# verbs and fillers of tool names that say nothing of what a tool is about
_GENERIC = frozenset(
    "get find calculate calc compute fetch search list lookup look up show check set retrieve query info "
    "information data details detail by for of the to and in on from with api tool".split()
)


def _name_words(name: str) -> set[str]:
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return {w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in _GENERIC}


def _said(word: str, words: set[str]) -> bool:
    return word in words or (len(word) >= 4 and any(t.startswith(word[:4]) for t in words))


def _leaves(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_leaves(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_leaves(v) for v in value)) if value else set()
    return {json.dumps(value, ensure_ascii=False).lower()}


def asked_calls(text: str, calls: list[ToolCall]) -> tuple[list[ToolCall], list[ToolCall]]:
    """(kept, dropped): a call is dropped when it only repeats another call's values with a
    different tool that the request never names, while the other tool it does ("Who founded
    Buddhism and where did it originate?" answered with ``religion_get_origin`` and also
    ``religion_get_core_beliefs`` for Buddhism). The default model covers one ask with a second
    tool this way. A second tool the user asks for ("its origin and core beliefs") is named,
    and one with values of its own is a request of its own: both stay."""
    words = set(_words(text))
    dropped = []
    for b in calls:
        b_values = _leaves(b.arguments)
        for a in calls:
            if a.name == b.name or a in dropped or not b_values or not b_values <= _leaves(a.arguments):
                continue
            a_own, b_own = _name_words(a.name) - _name_words(b.name), _name_words(b.name) - _name_words(a.name)
            if b_own and not any(_said(w, words) for w in b_own) and any(_said(w, words) for w in a_own):
                dropped.append(b)
                break
    return [c for c in calls if c not in dropped], dropped


def _offered(value: str, schema: dict[str, Any]) -> bool:
    """The parameter's own description offers ``value`` as a kind of thing, in lower case ("Type
    of the recipe. E.g. dessert, main course"): chosen from the schema, like an enum member, not
    invented. A name it gives as an example ("e.g. San Francisco, CA") is not offered: a small
    model with no value to give copies that; nor is a Chinese one. Short values only."""
    low = value.strip().strip("'\"").lower()
    if not low or len(low.split()) > 3 or _CJK.search(low):
        return False  # Chinese has no case to tell a kind from a name: 故宫 in "e.g. 故宫" is an example
    return described(low, schema, case=True)


def described(value: str, schema: dict[str, Any], case: bool = False) -> bool:
    """Whether the parameter's description names ``value`` as a whole word (``case``: as written,
    else in any case)."""
    desc = schema.get("description")
    if not isinstance(desc, str) or not value.strip():
        return False
    flags = 0 if case else re.I
    return re.search(r"(?<!\w)" + re.escape(value.strip()) + r"(?!\w)", desc, flags) is not None


# a description telling that a number is a fraction of one, not a percentage
_FRACTION = re.compile(r"\bdecimal|\bfraction|between 0(?:\.0)? and 1\b|\bsums? to 1\b|\b0(?:\.0)? to 1(?:\.0)?\b")
_PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b|％)", re.I)


def percents_as_fractions(text: str, tools: list[dict[str, Any]], calls: list[ToolCall]) -> list[ToolCall]:
    """The calls with a percentage the user said ("a 5% yield") given as a fraction (0.05) where
    the argument is a plain number, not one its description calls a percentage (or one it calls
    a decimal or fraction). A small model copies the 5; a rate parameter means 0.05. A number
    the conversation also says without a percent sign is left as it is (5 years at 5 %)."""
    said = [float(m.group(1)) for m in _PERCENT.finditer(text)]
    if not said:
        return calls
    plain = [float(n.replace(",", "")) for n in _NUM.findall(_PERCENT.sub(" ", text))]
    percents = {p for p in said if p > 1 and p not in plain}
    if not percents:
        return calls
    by_name = {(t.get("function") or t).get("name"): t.get("function") or t for t in tools}

    def fraction(value: Any, spec: dict[str, Any]) -> Any:
        desc = str(spec.get("description") or "").lower()
        if spec.get("type") == "array" and isinstance(value, list) and isinstance(spec.get("items"), dict):
            items = spec["items"]
            if "description" not in items:
                items = {**items, "description": spec.get("description", "")}
            converted = [fraction(v, items) for v in value]
            # all or nothing: [40, 60] for "40% and 60%", never half of a list
            return converted if all(c != v for c, v in zip(converted, value, strict=True)) else value
        if spec.get("type") != "number" or isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if ("percent" in desc or "%" in desc) and not _FRACTION.search(desc):
            return value
        return value / 100 if float(value) in percents else value

    out = []
    for call in calls:
        fn = by_name.get(call.name)
        props = ((fn or {}).get("parameters") or {}).get("properties") or {}
        args = {k: fraction(v, props[k]) if isinstance(props.get(k), dict) else v for k, v in call.arguments.items()}
        out.append(call if args == call.arguments else ToolCall(name=call.name, arguments=args, id=call.id))
    return out


def _phrases(words: list[str], longest: int = 5) -> list[list[str]]:
    return [words[i : i + n] for n in range(2, longest + 1) for i in range(len(words) - n + 1)]


def _subsequence(code: str, text: str) -> bool:
    """``code``'s letters appear in order in ``text``, the first one starting it."""
    if not text.startswith(code[0]):
        return False
    it = iter(text)
    return all(ch in it for ch in code)
