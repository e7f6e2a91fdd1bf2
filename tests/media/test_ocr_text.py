"""What OCR hands a reader: tilted photos straightened, lines in order and joined, text cleaned."""

from __future__ import annotations

import pytest

from banshi.media import ocr

from .makers import png, text_image


def _line(text: str, x0: float, y0: float, width: float, slope: float, height: float = 32) -> ocr.OcrLine:
    """A box of a line starting at (x0, y0), rising ``slope`` pixels per pixel to the right."""
    x1, y1 = x0 + width, y0 + slope * width
    return ocr.OcrLine(text, [[x0, y0], [x1, y1], [x1, y1 + height], [x0, y0 + height]], 0.99)


def test_the_lines_of_a_tilted_photo_are_not_taken_for_one_row():
    # a long first line tilted down to the right reaches below the top of a short second line
    first = _line("一个篮球的售价是48元，一个足球的", 45, 51, 816, 0.05)
    second = _line("售价比一个篮球少多少元？", 44, 95, 355, 0.05)
    assert [x.text for x in ocr.reading_order([second, first])] == [first.text, second.text]


def test_two_columns_on_one_row_read_left_then_right():
    left = _line("左栏", 40, 100, 200, 0.0)
    right = _line("右栏", 600, 104, 120, 0.0)
    below = _line("下一行", 40, 160, 300, 0.0)
    assert [x.text for x in ocr.reading_order([below, right, left])] == ["左栏", "右栏", "下一行"]


def test_joined_text_no_space_in_chinese_one_space_in_english():
    result = ocr.OcrResult([ocr.OcrLine(t, [[0, 0], [1, 0], [1, 1], [0, 1]], 0.9)
                            for t in ("小明有5个苹果，", "吃了2个。 ", "He eats", "apples.", "还剩几个？")])
    assert ocr.joined_text(result) == "小明有5个苹果，吃了2个。He eats apples.还剩几个？"
    # a Chinese line may break inside a number: joined back without a space
    wrapped = ocr.OcrResult([ocr.OcrLine(t, [[0, 0], [1, 0], [1, 1], [0, 1]], 0.9)
                             for t in ("电脑的价钱比计算器的价格30倍少15", "0元，多少元？")])
    assert ocr.joined_text(wrapped) == "电脑的价钱比计算器的价格30倍少150元，多少元？"
    english = ocr.OcrResult([ocr.OcrLine(t, [[0, 0], [1, 0], [1, 1], [0, 1]], 0.9)
                             for t in ("She bought 3 large ones for", "48 dollars.")])
    assert ocr.joined_text(english) == "She bought 3 large ones for 48 dollars."


def test_clean_text_makes_digits_and_decimal_points_plain():
    assert ocr.clean_text("买了３．５千克，每千克１２元") == "买了3.5千克，每千克12元"
    assert ocr.clean_text("共5个。他拿走  2个") == "共5个。他拿走 2个"  # a full stop before a word stays
    assert ocr.clean_text("Ｘ＋２＝５") == "X＋2＝5"


@pytest.mark.parametrize("angle", [3.0, -4.5, 0.0])
def test_skew_angle_finds_how_far_a_page_is_tilted(angle):
    page = text_image(["第一题：小明有5个苹果，他吃了2个", "He eats 2 apples and gives one away.", "还剩几个？"])
    tilted = page.rotate(angle, expand=True, fillcolor="white")
    assert ocr.skew_angle(tilted) == pytest.approx(-angle, abs=0.3)


def test_a_tilted_photo_is_read_in_order_with_boxes_in_its_own_pixels(settings):
    lines = ["一个篮球的售价是48元，一个足球的售价是39元，", "一个足球的售价比一个篮球少多少元？"]
    page = text_image(lines, size=34, width=900).rotate(-3, expand=True, fillcolor="white")
    result = ocr.recognize(png(page), settings)
    text = ocr.joined_text(result).replace(",", "，").replace("?", "？")
    assert text == "".join(lines)
    # the first line starts near the page's left margin, 40 px in, in the tilted image's pixels
    first = result.lines[0]
    assert abs(first.left - 40) < 25 and first.box[1][1] > first.box[0][1] + 20  # it slopes down


def _decoder():  # type: ignore[no-untyped-def]
    """RapidOCR's own CTC decoder over a tiny alphabet (blank first, space last), wrapped."""
    from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

    return ocr._WithAlternatives(CTCLabelDecode(character=["a", "b", "苹", "萃", "果"]))


def _preds(steps: list[dict[str, float]], decoder) -> object:  # type: ignore[no-untyped-def]
    import numpy as np

    out = np.zeros((1, len(steps), len(decoder.character)), dtype=np.float32)
    for t, probs in enumerate(steps):
        for ch, p in probs.items():
            out[0, t, decoder.character.index(ch)] = p
    return out


def test_a_space_the_recogniser_saw_between_latin_words_is_kept():
    dec = _decoder()
    # a, then a blank where the space had 0.3, then b: a word break; a faint 0.005 is none
    spaced = _preds([{"a": 0.9}, {"blank": 0.7, " ": 0.3}, {"b": 0.9}], dec)
    faint = _preds([{"a": 0.9}, {"blank": 0.995, " ": 0.005}, {"b": 0.9}], dec)
    assert dec(spaced)[0][0] == "a b"
    assert dec(faint)[0][0] == "ab"
    # never between Chinese characters
    cjk = _preds([{"苹": 0.95}, {"blank": 0.6, " ": 0.4}, {"果": 0.95}], dec)
    assert dec(cjk)[0][0] == "苹果"


def test_a_doubtful_character_keeps_its_other_readings_and_the_dictionary_settles_it():
    dec = _decoder()
    text, _score, doubts = dec(_preds([{"萃": 0.48, "苹": 0.46, "a": 0.06}, {"blank": 1.0}, {"果": 0.97}], dec))[0]
    assert text == "萃果" and doubts[0][0] == 0 and doubts[0][2][0][0] == "苹"
    line = ocr.OcrLine(text, [[0, 0], [1, 0], [1, 1], [0, 1]], 0.7, doubts)
    assert ocr.resolve_doubts(line) == "苹果"
    # a first reading that forms a word stands; so does one whose rival the recogniser gave little chance
    assert ocr.resolve_doubts(ocr.OcrLine("苹果", line.box, 0.7, [(0, 0.5, [("萃", 0.45)])])) == "苹果"
    weak = ocr.OcrLine("萃果", line.box, 0.7, [(0, 0.8, [("苹", 0.05)])])
    assert ocr.resolve_doubts(weak) == "萃果"


def test_english_words_keep_their_spaces_on_a_noisy_photo(settings):
    from bench.math import render_photo

    sentence = ("Tom walks to the market with his sister and buys three bags of rice for 12 dollars "
                "each, then he gives one bag to his neighbour.")
    text = ocr.joined_text(ocr.recognize(render_photo(sentence, seed=5), settings))
    assert text.split() == sentence.split()
