"""OCR for real on images rendered with Noto CJK, and every kind of bad photo."""

from __future__ import annotations

import struct
import zlib

import pytest

from banshi.errors import InvalidInput, TooLarge
from banshi.media import ocr

from .makers import png, text_image


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be ``width``×``height``: a decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def page() -> bytes:
    img = text_image(["第一题：小明有5个苹果", "He eats 2 apples.", "还剩几个？"])
    # a second column on the first row: it must come after the first row's left text
    from PIL import ImageDraw, ImageFont

    from .makers import FONT

    ImageDraw.Draw(img).text((700, 30), "右栏", font=ImageFont.truetype(str(FONT), 40), fill="black")
    return png(img)


def test_text_lines_in_reading_order_with_boxes_and_confidence(settings, page):
    result = ocr.recognize(page, settings)
    texts = [line.text.replace(" ", "") for line in result.lines]
    assert texts[0] == "第一题：小明有5个苹果"
    assert texts[1] == "右栏"
    assert "Heeats2apples." in texts[2]
    assert texts[3] in ("还剩几个？", "还剩几个?")
    for line in result.lines:
        assert line.confidence > 0.8 and len(line.box) == 4
    first, second = result.lines[0], result.lines[1]
    assert first.left < second.left and abs(first.top - second.top) < 20
    model_text = ocr.photo_to_text(page, settings, "homework.png")
    assert "homework.png" in model_text and "小明有5个苹果" in model_text


def test_a_blank_photo_says_no_text(settings):
    from PIL import Image

    assert "no text" in ocr.photo_to_text(png(Image.new("RGB", (300, 200), "white")), settings)


def test_a_photo_sent_again_is_not_read_again(settings, page, monkeypatch):
    first = ocr.photo_to_text(page, settings, "again.png")
    monkeypatch.setattr(ocr, "recognize", lambda *a, **k: pytest.fail("read again"))
    assert ocr.photo_to_text(page, settings, "again.png") == first and "小明有5个苹果" in first


def test_huge_images_are_downscaled(settings):
    from PIL import Image

    img = ocr.load_image(png(Image.new("RGB", (6000, 1500), "white")), settings)
    assert max(img.size) == settings.ocr_max_side and img.size[1] == 512


def test_photos_are_turned_upright_from_exif(settings):
    import io

    from PIL import Image

    img = Image.new("RGB", (400, 100), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    assert ocr.load_image(buf.getvalue(), settings).size == (100, 400)


def test_a_60_mb_photo_is_refused(settings):
    data = b"\xff\xd8\xff\xe0" + b"\0" * (60 << 20)
    with pytest.raises(TooLarge, match="over the limit"):
        ocr.load_image(data, settings)


def test_a_decompression_bomb_is_refused_before_decoding(settings):
    bomb = _png_header_only(100_000, 100_000)
    assert len(bomb) < 200
    with pytest.raises(TooLarge, match="pixels"):
        ocr.load_image(bomb, settings)


def test_corrupt_and_non_images_are_refused(settings, page):
    with pytest.raises(InvalidInput, match="corrupt"):
        ocr.load_image(page[: len(page) // 3], settings)
    with pytest.raises(InvalidInput, match="not an image"):
        ocr.load_image(b"%PDF-1.4 definitely not a photo", settings)
