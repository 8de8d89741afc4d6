"""Scan codes and printable labels: decoded back with OpenCV, measured with pypdf."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import cv2
import numpy as np
import pypdf
import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTItem

from minqian.risk.labels import (
    GRADE_COLOURS,
    LabelContent,
    LabelSize,
    label_pdf,
    qr_png,
    qr_svg,
)
from tests.qr import decode_qr

SHORT_URL = "https://minqian.example.cn/r/RP-0001"
# A signed scan token is about 80 characters; the code must still fit a sticker.
LONG_URL = "https://minqian.example.cn/r/" + "Ab3dEf9hIjK1mNoPq7StUvWxYz-_" * 3 + "Q7x9"
MM = 72 / 25.4
PAGE_SIZES = {"a4": (210 * MM, 297 * MM), "sticker": (60 * MM, 40 * MM)}
CONTENT = LabelContent(
    enterprise="福建省某某化工股份有限公司",
    risk_point="液氨储罐区",
    location="二号厂区东北角罐区围堰内",
    grade="较大",
    url=LONG_URL,
    code_id="RP-350902-0042",
    version=3,
    responsible="张建国",
    hazards=("中毒和窒息", "火灾", "容器爆炸"),
    emergency=("疏散下风向人员并设置警戒区", "佩戴正压式空气呼吸器后关阀堵漏"),
)
PDFTOPPM = Path("/usr/bin/pdftoppm")


def _decode(image: np.ndarray) -> str:
    text = decode_qr(image)
    return text


def _render(pdf: bytes, dpi: int, tmp_path: Path) -> np.ndarray:
    """Rasterise page one as RGB with poppler, or pdfium where poppler is absent."""
    if PDFTOPPM.exists():
        source = tmp_path / "label.pdf"
        source.write_bytes(pdf)
        command = [str(PDFTOPPM), "-png", "-r", str(dpi), "-singlefile"]
        subprocess.run([*command, str(source), str(tmp_path / "page")], check=True)
        return cv2.cvtColor(cv2.imread(str(tmp_path / "page.png")), cv2.COLOR_BGR2RGB)
    pdfium = pytest.importorskip("pypdfium2", reason="neither pdftoppm nor pypdfium2")
    return np.asarray(pdfium.PdfDocument(pdf)[0].render(scale=dpi / 72).to_pil())


@pytest.mark.parametrize("url", [SHORT_URL, LONG_URL])
def test_qr_png_decodes_to_the_url(url: str) -> None:
    png = qr_png(url)
    assert png.startswith(b"\x89PNG")
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert _decode(image) == url


def test_qr_png_box_size_sets_pixels_per_module() -> None:
    small, large = (
        cv2.imdecode(np.frombuffer(qr_png(SHORT_URL, box), np.uint8), 0)
        for box in (4, 8)
    )
    assert large.shape[0] == 2 * small.shape[0] and small.shape[0] % 4 == 0


@pytest.mark.parametrize("url", [SHORT_URL, LONG_URL])
def test_qr_svg_is_a_square_document_whose_path_decodes(url: str) -> None:
    svg = qr_svg(url)
    assert svg.startswith("<?xml")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _, _, width, height = (float(n) for n in root.attrib["viewBox"].split())
    assert width == height
    (path,) = root.iter("{http://www.w3.org/2000/svg}path")
    assert path.attrib["d"]
    assert next(root.iter("{http://www.w3.org/2000/svg}rect")).attrib["fill"] == "white"

    # Paint the path's unit squares onto a bitmap: the SVG must carry the URL too.
    side = int(width)
    modules = np.full((side, side), 255, np.uint8)
    squares = re.findall(r"M([\d.]+),([\d.]+)H[\d.]+V[\d.]+H[\d.]+z", path.attrib["d"])
    assert squares
    for x, y in squares:
        modules[int(float(y)), int(float(x))] = 0
    image = cv2.resize(modules, (side * 8, side * 8), interpolation=cv2.INTER_NEAREST)
    assert _decode(image) == url


def test_qr_rejects_an_empty_url() -> None:
    with pytest.raises(ValueError, match="二维码地址不能为空"):
        qr_png("")


@pytest.mark.parametrize("size", ["a4", "sticker"])
@pytest.mark.parametrize("grade", list(GRADE_COLOURS))
def test_label_pdf_has_the_page_size_of_its_kind(grade: str, size: LabelSize) -> None:
    pdf = label_pdf(dataclasses.replace(CONTENT, grade=grade), size)
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(PAGE_SIZES[size])
    colour_name = GRADE_COLOURS[grade][0]
    assert f"{grade}风险 · {colour_name}色" in reader.pages[0].extract_text()


def test_label_pdf_a4_prints_the_facts_and_the_first_three_measures() -> None:
    content = dataclasses.replace(
        CONTENT, emergency=("第一条措施", "第二条措施", "第三条措施", "第四条措施")
    )
    text = pypdf.PdfReader(io.BytesIO(label_pdf(content, "a4"))).pages[0].extract_text()
    facts = ("安全风险告知卡", "福建省某某化工股份有限公司", "液氨储罐区", "张建国")
    assert all(fact in text for fact in facts)
    assert "中毒和窒息、火灾、容器爆炸" in text
    assert "编码 RP-350902-0042 · 第 3 版" in text
    assert "扫码查看安全操作指引、日常巡查打卡、隐患上报和事故警示" in text
    assert "3. 第三条措施" in text and "第四条措施" not in text


def test_label_pdf_is_byte_identical_for_the_same_content() -> None:
    assert label_pdf(CONTENT, "a4") == label_pdf(CONTENT, "a4")


@pytest.mark.parametrize("size", ["a4", "sticker"])
def test_label_pdf_truncates_long_text_inside_the_page(size: LabelSize) -> None:
    long = "液氨储罐区及配套卸车鹤管、氨压缩机房与事故应急喷淋系统" * 4
    content = dataclasses.replace(
        CONTENT,
        enterprise=long,
        risk_point=long,
        location=long,
        responsible=long,
        code_id="RP-" + "0" * 80,
        hazards=(long,) * 5,
        emergency=(long,) * 5,
    )
    pdf = label_pdf(content, size)
    assert "…" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    (page,) = extract_pages(io.BytesIO(pdf))
    chars: list[LTChar] = []

    def collect(item: LTItem) -> None:
        if isinstance(item, LTChar):
            chars.append(item)
        for child in item if hasattr(item, "__iter__") else ():
            collect(child)

    collect(page)
    width, height = PAGE_SIZES[size]
    assert chars
    assert min(c.x0 for c in chars) >= 0 and max(c.x1 for c in chars) <= width
    assert min(c.y0 for c in chars) >= 0 and max(c.y1 for c in chars) <= height


@pytest.mark.parametrize(("size", "dpi"), [("a4", 150), ("sticker", 600)])
def test_label_pdf_code_still_decodes_when_rendered(
    size: LabelSize, dpi: int, tmp_path: Path
) -> None:
    page = _render(label_pdf(CONTENT, size), dpi, tmp_path)
    assert _decode(page) == LONG_URL


def test_label_pdf_header_band_is_the_grade_colour(tmp_path: Path) -> None:
    for grade, (_, colour) in GRADE_COLOURS.items():
        pdf = label_pdf(dataclasses.replace(CONTENT, grade=grade), "a4")
        corner = _render(pdf, 72, tmp_path)[20, 20]
        expected = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        assert list(corner) == pytest.approx(expected, abs=3)


@pytest.mark.parametrize(
    ("grade", "size", "message"),
    [
        ("极高", "a4", "未知的风险等级：'极高'"),
        ("较大", "a5", "未知的标签尺寸：'a5'，应为 a4 或 sticker"),
    ],
)
def test_label_pdf_rejects_an_unknown_grade_or_size(
    grade: str, size: str, message: str
) -> None:
    content = dataclasses.replace(CONTENT, grade=grade)
    with pytest.raises(ValueError, match=message):
        label_pdf(content, size)  # type: ignore[arg-type]
