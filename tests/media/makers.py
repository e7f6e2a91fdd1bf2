"""Files made in the tests: documents of every type, photos with text, spoken clips, bombs."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with a real text layer (Helvetica, ASCII text), one string per page."""
    objs: list[bytes] = []
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        lines = text.split("\n")
        ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode()
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                    f"/Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def text_image(lines: list[str], size: int = 40, width: int = 1000):  # type: ignore[no-untyped-def]
    """A white image with black text lines (Noto Sans CJK), like a photographed page."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size)
    img = Image.new("RGB", (width, 60 + len(lines) * int(size * 2)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 30 + i * int(size * 2)), line, font=font, fill="black")
    return img


def png(img) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def scanned_pdf(img) -> bytes:  # type: ignore[no-untyped-def]
    """A PDF page that is only an image, as a scanner makes."""
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=150)
    return buf.getvalue()


def docx_file(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_heading("Project Plan", 1)
    d.add_paragraph("The budget for the Hangzhou trip is 12000 yuan.")
    d.add_heading("时间安排", 1)
    d.add_paragraph("我们在五月三日出发，五月七日返回。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Item", "Cost"
    t.cell(1, 0).text, t.cell(1, 1).text = "Hotel", "4800"
    d.save(path)
    return path


def xlsx_file(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["Month", "Revenue"])
    ws.append(["January", 1200])
    ws.append(["February", 3400])
    ws2 = wb.create_sheet("客户")
    ws2.append(["姓名", "城市"])
    ws2.append(["王芳", "北京"])
    wb.save(path)
    return path


def pptx_file(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    s1 = prs.slides.add_slide(prs.slide_layouts[1])
    s1.shapes.title.text = "Quarterly review"
    s1.placeholders[1].text = "Revenue grew 20 percent"
    s2 = prs.slides.add_slide(prs.slide_layouts[5])
    s2.shapes.title.text = "下一步"
    box = s2.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
    box.text_frame.text = "开设上海办公室"
    s2.notes_slide.notes_text_frame.text = "Mention the hiring plan"
    prs.save(path)
    return path


def zip_bomb_docx(path: Path, unpacked_mb: int) -> Path:
    """A DOCX-shaped archive whose document.xml inflates to ``unpacked_mb`` MB of zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b"0" * (1 << 20)
            for _ in range(unpacked_mb):
                f.write(block)
    return path


def espeak_wav(path: Path, text: str, voice: str, speed: int = 150) -> Path:
    exe = shutil.which("espeak-ng")
    assert exe, "espeak-ng is needed (apt-get install espeak-ng)"
    subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return path


def pdf_bomb(unpacked_mb: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``unpacked_mb`` MB."""
    import zlib

    c = zlib.compressobj(9)
    data = b"".join(c.compress(b"0" * (1 << 20)) for _ in range(unpacked_mb)) + c.flush()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
