"""Printable risk labels: a risk point's scan code as PNG, SVG or a PDF label.

The A4 label is the 安全风险告知卡 posted at the risk point; the sticker goes on
the equipment itself. Both use reportlab's built-in CID font STSong-Light, which
is referenced, not embedded: the PDF reader supplies a Song typeface, as every
Chinese-locale reader does, so no font file ships with the project.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import qrcode
from qrcode.image.base import BaseImage
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage
from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

LabelSize = Literal["a4", "sticker"]

# 安委办〔2016〕11号 marks the four risk grades red, orange, yellow and blue; the
# hex values are the project's print colours, the guideline names only the hues.
GRADE_COLOURS: dict[str, tuple[str, str]] = {
    "重大": ("红", "#E60012"),
    "较大": ("橙", "#F39800"),
    "一般": ("黄", "#FFD100"),
    "低": ("蓝", "#0068B7"),
}
SCAN_HINT = "扫码查看安全操作指引、日常巡查打卡、隐患上报和事故警示"
STICKER = (60 * mm, 40 * mm)
FONT = "STSong-Light"
ELLIPSIS = "…"
GREY = HexColor("#555555")
RULE = HexColor("#BBBBBB")
EMERGENCY_PRINTED = 3
A4_MARGIN = 18 * mm
SECTION_LEADING = 11.5 * 1.35
# Closing punctuation may not begin a line (避头); it pulls one character down.
NO_LINE_START = frozenset("，。、；：？！）》」』”’")


@dataclass(frozen=True)
class LabelContent:
    """What a label prints about one risk point."""

    enterprise: str
    risk_point: str
    location: str
    grade: str  # 重大 | 较大 | 一般 | 低
    url: str  # the scan URL the QR code encodes
    code_id: str  # short id printed under the QR code
    version: int
    responsible: str  # 责任人
    hazards: tuple[str, ...] = ()
    emergency: tuple[str, ...] = ()  # the first EMERGENCY_PRINTED go on A4


def qr_png(url: str, box_size: int = 10) -> bytes:
    """Render the scan code as PNG, box_size pixels per module."""
    buffer = io.BytesIO()
    _qr(url, PilImage, box_size).make_image().save(buffer)
    return buffer.getvalue()


def qr_svg(url: str) -> str:
    """Render the scan code as a standalone SVG document, one path on white."""
    buffer = io.BytesIO()
    # The white background keeps the quiet zone light on a coloured page.
    _qr(url, SvgPathFillImage).make_image().save(buffer)
    return buffer.getvalue().decode("utf-8")


def label_pdf(content: LabelContent, size: LabelSize) -> bytes:
    """Lay out the A4 notice card or the 60 × 40 mm sticker as a one-page PDF."""
    if size not in ("a4", "sticker"):
        raise ValueError(f"未知的标签尺寸：{size!r}，应为 a4 或 sticker")
    if content.grade not in GRADE_COLOURS:
        raise ValueError(
            f"未知的风险等级：{content.grade!r}，应为 重大、较大、一般、低 之一"
        )
    buffer = io.BytesIO()
    # invariant fixes the timestamps and ids so the same content gives the same bytes.
    canvas = Canvas(buffer, pagesize=A4 if size == "a4" else STICKER, invariant=1)
    canvas.setTitle(f"{content.risk_point} 安全风险告知卡")
    canvas.setCreator("闽企安")
    if size == "a4":
        _draw_a4(canvas, content)
    else:
        _draw_sticker(canvas, content)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _qr(url: str, factory: type[BaseImage], box_size: int = 10) -> qrcode.QRCode:
    if not url:
        raise ValueError("二维码地址不能为空")
    # Level M survives about 15 % damage (scuffed stickers) while keeping the
    # modules of a long URL large enough for the 60 mm sticker.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=4,
        image_factory=factory,
    )
    code.add_data(url)
    code.make(fit=True)
    return code


def _draw_a4(canvas: Canvas, content: LabelContent) -> None:
    width, height = A4
    colour_name, colour = GRADE_COLOURS[content.grade]
    _band(canvas, height - 38 * mm, width, 38 * mm, colour)
    ink, centre = _ink_on(colour), width / 2
    _text(canvas, "安全风险告知卡", centre, height - 18 * mm, 32, ink, "centre", True)
    grade_line = f"{content.grade}风险 · {colour_name}色"
    _text(canvas, grade_line, centre, height - 31 * mm, 20, ink, "centre", True)
    facts_bottom = _draw_facts(canvas, content, height - 44 * mm)

    # The measures sit above the footer and the code is centred in what is left,
    # so short and long cards both fill the page; with every block at its line
    # cap the code still gets 87 mm of its 90 mm.
    body = width - 2 * A4_MARGIN
    hazards = _wrap("、".join(content.hazards) or "未填写", 11.5, body, 3)
    measures = _emergency_lines(content.emergency, body)
    sections_top = 12 * mm + _section_height(measures) + 4 * mm
    sections_top += _section_height(hazards)
    below = _section(canvas, "主要危险因素", hazards, A4_MARGIN, sections_top, colour)
    _section(canvas, "应急处置措施", measures, A4_MARGIN, below - 4 * mm, colour)
    _band(canvas, 0, width, 6 * mm, colour)

    captions = 16 * mm
    free = facts_bottom - sections_top
    side = min(90 * mm, free - captions - 8 * mm)
    qr_bottom = sections_top + (free - side - captions) / 2 + captions
    _qr_block(canvas, content.url, (width - side) / 2, qr_bottom, side)
    code_line = f"编码 {content.code_id} · 第 {content.version} 版"
    code_line = _wrap(code_line, 13, body, 1)[0]
    _text(canvas, code_line, width / 2, qr_bottom - 6 * mm, 13, black, "centre")
    _text(canvas, SCAN_HINT, width / 2, qr_bottom - 13 * mm, 12, GREY, "centre")


def _emergency_lines(emergency: tuple[str, ...], width: float) -> list[str]:
    lines: list[str] = []
    for number, measure in enumerate(emergency[:EMERGENCY_PRINTED], 1):
        lines += _wrap(f"{number}. {measure}", 11.5, width, 2)
    if len(emergency) > EMERGENCY_PRINTED:
        lines.append("更多应急处置措施请扫码查看")
    return lines or ["未填写"]


def _draw_facts(canvas: Canvas, content: LabelContent, top: float) -> float:
    """Draw the labelled rows under the header; return the y below the last."""
    rows = (
        ("企业名称", content.enterprise, 14, 2),
        ("风险点", content.risk_point, 16, 2),
        ("所在位置", content.location, 14, 2),
        ("责任人", content.responsible, 14, 1),
    )
    width = A4[0]
    value_x = A4_MARGIN + 26 * mm
    for label, value, points, max_lines in rows:
        value = value.strip() or "未填写"
        lines = _wrap(value, points, width - A4_MARGIN - value_x, max_lines)
        leading = points * 1.25
        _text(canvas, label, A4_MARGIN, top - points, 12, GREY)
        for index, line in enumerate(lines):
            _text(canvas, line, value_x, top - points - index * leading, points, black)
        top -= len(lines) * leading + 3 * mm
        canvas.setStrokeColor(RULE)
        canvas.line(A4_MARGIN, top + 1.5 * mm, width - A4_MARGIN, top + 1.5 * mm)
    return top


def _draw_sticker(canvas: Canvas, content: LabelContent) -> None:
    width, height = STICKER
    colour_name, colour = GRADE_COLOURS[content.grade]
    _band(canvas, height - 9 * mm, width, 9 * mm, colour)
    ink, baseline = _ink_on(colour), height - 6 * mm
    grade_line = f"{content.grade}风险 · {colour_name}色"
    _text(canvas, grade_line, 3 * mm, baseline, 10, ink, bold=True)
    _text(canvas, "风险管理码", width - 3 * mm, baseline, 7, ink, "right")

    _qr_block(canvas, content.url, 1 * mm, 0.5 * mm, 30 * mm)
    column_x, column_width = 32 * mm, width - 34 * mm
    _text(canvas, "风险点", column_x, height - 13.5 * mm, 6, GREY)
    lines = _wrap(content.risk_point.strip() or "未填写", 9, column_width, 3)
    for index, line in enumerate(lines):
        _text(canvas, line, column_x, height - 17.5 * mm - index * 11, 9, black)
    _text(canvas, "扫码巡查 · 隐患上报", column_x, 7.5 * mm, 5.5, GREY)
    code_id = _wrap(content.code_id or "—", 7.5, column_width, 1)[0]
    _text(canvas, code_id, column_x, 3 * mm, 7.5, black)


def _section(
    canvas: Canvas, title: str, lines: list[str], x: float, top: float, colour: str
) -> float:
    """Draw a titled block with a grade-coloured bar; return the y below it."""
    bottom = top - _section_height(lines)
    canvas.setFillColor(HexColor(colour))
    canvas.rect(x, bottom, 1.5 * mm, top - bottom, stroke=0, fill=1)
    _text(canvas, title, x + 4 * mm, top - 13, 13, black, bold=True)
    for index, line in enumerate(lines):
        baseline = top - 7 * mm - 11.5 - index * SECTION_LEADING
        _text(canvas, line, x + 4 * mm, baseline, 11.5)
    return bottom


def _section_height(lines: list[str]) -> float:
    return 7 * mm + len(lines) * SECTION_LEADING


def _qr_block(canvas: Canvas, url: str, x: float, y: float, side: float) -> None:
    """Draw the code as vector modules, quiet zone included, on white."""
    matrix = _qr(url, PilImage).get_matrix()
    module = side / len(matrix)
    canvas.setFillColor(white)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    # One path for all modules: separately filled squares leave hairline seams
    # in anti-aliasing renderers, which can break a scan.
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        top = y + side - (row + 1) * module
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            path.rect(x + start * module, top, (column - start) * module, module)
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def _wrap(text: str, points: float, width: float, max_lines: int) -> list[str]:
    """Break text at any character to fit width; end with … past max_lines."""
    # Chinese breaks between any two characters, so no word splitter is needed.
    lines: list[str] = []
    line = ""
    for char in " ".join(text.split()):
        if line and _width(line + char, points) > width:
            carried = line[-1] if char in NO_LINE_START and len(line) > 1 else ""
            lines.append(line[: len(line) - len(carried)].rstrip())
            line = (carried + char).lstrip()
        else:
            line += char
    if line:
        lines.append(line)
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and _width(last + ELLIPSIS, points) > width:
        last = last[:-1]
    return lines[: max_lines - 1] + [last + ELLIPSIS]


def _text(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    points: float,
    colour: Color = black,
    align: Literal["left", "centre", "right"] = "left",
    bold: bool = False,
) -> None:
    """Draw one line with its baseline at y; bold is faked by stroking the glyphs."""
    shift = {"left": 0, "centre": 0.5, "right": 1}[align] * _width(text, points)
    canvas.saveState()
    # STSong-Light has no bold face; fill-and-stroke (render mode 2) thickens it.
    line = canvas.beginText(x - shift, y)
    line.setFont(_font(), points)
    line.setTextRenderMode(2 if bold else 0)
    canvas.setFillColor(colour)
    canvas.setStrokeColor(colour)
    canvas.setLineWidth(points * 0.04)
    line.textOut(text)
    canvas.drawText(line)
    canvas.restoreState()


def _band(canvas: Canvas, y: float, width: float, height: float, colour: str) -> None:
    canvas.setFillColor(HexColor(colour))
    canvas.rect(0, y, width, height, stroke=0, fill=1)


def _ink_on(colour: str) -> Color:
    # White on yellow cannot be read; the other three grades take white text.
    return black if colour == GRADE_COLOURS["一般"][1] else white


def _width(text: str, points: float) -> float:
    return pdfmetrics.stringWidth(text, _font(), points)


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def label_for(code: dict[str, Any]) -> LabelContent:
    """The label of an issued code as `CodeBook.get` describes it."""
    snapshot = code["snapshot"]
    return LabelContent(
        enterprise=code["enterprise"], risk_point=code["risk_point"], location=code["location"],
        grade=code["grade"], url=code["url"], code_id=code["id"], version=code["version"],
        responsible=code["responsible"], hazards=tuple(snapshot["hazards"]),
        emergency=tuple(snapshot["emergency"]),
    )  # fmt: skip
