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
                            for t in ("小明有5个苹果，", "吃了2个。 ", "He eats 2", "apples.", "还剩几个？")])
    assert ocr.joined_text(result) == "小明有5个苹果，吃了2个。He eats 2 apples.还剩几个？"


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
