"""Every document type parsed from files made here, with locations; and every bad file."""

from __future__ import annotations

import zipfile

import pytest

from banshi.errors import InvalidInput, TooLarge
from banshi.media import documents

from .makers import (
    docx_file,
    pdf_bomb,
    pptx_file,
    scanned_pdf,
    text_image,
    text_pdf,
    xlsx_file,
    zip_bomb_docx,
)


def _where(doc: documents.Document, needle: str) -> str:
    return next(c.location for c in doc.chunks if needle in c.text)


def test_pdf_pages(settings, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(text_pdf(["Quarterly report\nRevenue was 42 million.", "Risks: the supplier in Ningbo."]))
    doc = documents.parse(path, settings)
    assert doc.kind == "pdf" and doc.units == 2 and doc.ocr_units == []
    assert _where(doc, "42 million") == "page 1" and _where(doc, "Ningbo") == "page 2"
    assert doc.chunks[0].cite() == "report.pdf, page 1"


def test_scanned_pdf_goes_through_ocr(settings, tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf(text_image(["合同编号 2024-17", "Signed by Li Lei"])))
    doc = documents.parse(path, settings)
    assert doc.ocr_units == [1]
    assert "Li Lei" in doc.text and "2024-17" in doc.text


def test_docx_sections_and_tables(settings, tmp_path):
    doc = documents.parse(docx_file(tmp_path / "plan.docx"), settings)
    assert doc.kind == "docx"
    assert _where(doc, "12000 yuan").startswith("§ Project Plan, paragraphs")
    assert _where(doc, "五月三日").startswith("§ 时间安排")
    assert "Hotel | 4800" in doc.text


def test_xlsx_sheets_and_rows(settings, tmp_path):
    doc = documents.parse(xlsx_file(tmp_path / "sales.xlsx"), settings)
    assert doc.units == 2
    assert _where(doc, "February | 3400") == "sheet Sales, rows 1–3"
    assert _where(doc, "王芳 | 北京") == "sheet 客户, rows 1–2"


def test_long_sheets_repeat_the_header_in_each_chunk(settings, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("city,population\n" + "".join(f"City{i},{i * 1000}\n" for i in range(400)))
    doc = documents.parse(path, settings)
    assert len(doc.chunks) > 2
    assert all(c.text.startswith("city | population") for c in doc.chunks)
    assert doc.chunks[1].location.startswith("rows ")


def test_pptx_slides_and_notes(settings, tmp_path):
    doc = documents.parse(pptx_file(tmp_path / "deck.pptx"), settings)
    assert _where(doc, "Revenue grew") == "slide 1"
    assert _where(doc, "开设上海办公室") == "slide 2"
    assert "(notes) Mention the hiring plan" in doc.text


def test_text_markdown_csv_and_gbk(settings, tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Intro\nHello.\n\nMore.\n\n## Usage\nRun `banshi serve`.\n")
    doc = documents.parse(md, settings)
    assert _where(doc, "Hello") == "§ Intro, lines 1–4" and _where(doc, "banshi serve") == "§ Usage, lines 6–7"
    gbk = tmp_path / "旧文件.txt"
    gbk.write_bytes("这是用GBK编码的中文文件。".encode("gbk"))
    assert "GBK编码" in documents.parse(gbk, settings).text
    csv = tmp_path / "people.csv"
    csv.write_text("name;city\nAna;Lisbon\n")
    assert "Ana | Lisbon" in documents.parse(csv, settings).text


def test_zip_bomb_is_refused_before_parsing(settings, tmp_path, limits):
    s = limits(max_unpacked_mb=5)
    bomb = zip_bomb_docx(tmp_path / "bomb.docx", 20)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(TooLarge, match="zip bomb"):
        documents.parse(bomb, s)


def test_a_pdf_bomb_stays_bounded(settings, tmp_path):
    import tracemalloc

    path = tmp_path / "bomb.pdf"
    path.write_bytes(pdf_bomb(300))
    assert path.stat().st_size < 400_000
    tracemalloc.start()
    try:
        doc = documents.parse(path, settings)  # pypdf stops inflating at its own limit
        assert doc.text == ""
    except InvalidInput as e:  # or refuses the stream: either way a clear, bounded outcome
        assert e.code == "bad_document"
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 200 << 20  # pypdf inflates at most 75 MB per stream (~2 copies), not 300 MB


def test_too_many_pages(settings, tmp_path, limits):
    s = limits(max_document_pages=2)
    path = tmp_path / "long.pdf"
    path.write_bytes(text_pdf([f"page {i}" for i in range(3)]))
    with pytest.raises(TooLarge, match="3 pages"):
        documents.parse(path, s)


def test_extracted_text_is_capped(settings, tmp_path, limits):
    s = limits(max_document_chars=1000)
    path = tmp_path / "big.txt"
    path.write_text("word " * 10_000)
    doc = documents.parse(path, s)
    assert doc.truncated and len(doc.text) <= 1000


@pytest.mark.parametrize("name,data,code", [
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R", "bad_document"),
    ("broken.docx", b"PK\x03\x04" + b"\0" * 100, "unsupported_format"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "unsupported_format"),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "unsupported_format"),
    ("binary.txt", b"\0\1\2\3" * 100, "unsupported_format"),
])
def test_corrupt_and_unsupported_files(settings, tmp_path, name, data, code):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InvalidInput) as e:
        documents.parse(path, settings)
    assert e.value.code == code


def test_a_mislabelled_file_is_named_as_such(settings, tmp_path):
    path = tmp_path / "contract.docx"
    path.write_bytes(text_pdf(["not a word file"]))
    with pytest.raises(InvalidInput, match="the name says DOCX but the content is PDF"):
        documents.parse(path, settings)


def test_an_office_archive_with_a_broken_part(settings, tmp_path):
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<this is not xml")
    with pytest.raises(InvalidInput, match="cannot be read"):
        documents.parse(path, settings)
