"""Language detection by script and, for Latin-script text, by common words and letters.

Small and offline: good enough to pick a reply language or a translation direction, not a
linguistic tool. ``detect_language`` returns an ISO 639-1 code.
"""

from __future__ import annotations

import re
from collections import Counter

NAMES = {
    "zh": ("Chinese", "中文"), "en": ("English", "English"), "ja": ("Japanese", "日本語"),
    "ko": ("Korean", "한국어"), "fr": ("French", "français"), "de": ("German", "Deutsch"),
    "es": ("Spanish", "español"), "it": ("Italian", "italiano"), "pt": ("Portuguese", "português"),
    "ru": ("Russian", "русский"), "ar": ("Arabic", "العربية"), "th": ("Thai", "ไทย"),
    "vi": ("Vietnamese", "Tiếng Việt"), "hi": ("Hindi", "हिन्दी"), "el": ("Greek", "Ελληνικά"),
    "nl": ("Dutch", "Nederlands"),
}

_SCRIPTS = [
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
]

_WORDS = {
    "en": "the and is are of to in that it for you with on this be was have not what how".split(),
    "fr": "le la les et est des une un que pour dans pas vous nous avec sur ce qui je".split(),
    "de": "der die das und ist nicht ein eine ich mit sie zu auf für den dem wir es".split(),
    "es": "el la los las y es de que en un una por para con no se del al lo como".split(),
    "it": "il lo la gli le e è di che un una per non con sono del della mi ho".split(),
    "pt": "o a os as e é de que em um uma para com não do da se no na você".split(),
    "nl": "de het een en is van dat niet ik je op te zijn met voor wat".split(),
    "vi": "và là của có không một những các được cho tôi bạn này với người".split(),
}
_VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def detect_language(text: str, default: str = "en") -> str:
    """The main language of ``text`` (code spans ignored)."""
    text = _CODE.sub(" ", text)
    letters = sum(1 for c in text if c.isalpha())
    if not letters:
        return default
    counts = {code: len(rx.findall(text)) for code, rx in _SCRIPTS}
    # Kana mark Japanese even among many Han characters
    if counts["ja"] >= 2 and counts["ja"] >= 0.1 * (counts["ja"] + counts["zh"]):
        return "ja"
    code, n = max(((c, k) for c, k in counts.items() if c != "ja"), key=lambda x: x[1])
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    # one Han character counts about as much as a short word of Latin letters
    if n and n * 3 >= latin:
        return code
    if len(_VI_LETTERS.findall(text.lower())) >= 2:
        return "vi"
    words = Counter(re.findall(r"[a-zà-ÿ']+", text.lower()))
    scores = {lang: sum(words[w] for w in ws) for lang, ws in _WORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else default


def language_name(code: str, native: bool = False) -> str:
    names = NAMES.get(code)
    return (names[1] if native else names[0]) if names else code
