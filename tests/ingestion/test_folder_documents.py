"""Each file format through the folder loader; the tests write their own files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.folder_documents import read_folder_document
from minqian.errors import DocumentError

BODY = [
    "示例危险作业安全规定",
    "（2024年3月1日公布）",
    "第一章 总则",
    "第一条 为了加强危险作业安全管理，制定本规定。",
    "第二条 生产经营单位进行动火作业，应当履行审批手续：",
    "（一）制定作业方案；",
    "（二）落实监护人员。",
    "第二章 附则",
    "第三条 本规定自2024年5月1日起施行。",
]


def _check(document, title: str = "示例危险作业安全规定") -> None:  # type: ignore[no-untyped-def]
    assert document.instrument.title == title
    assert [a.label for a in document.articles] == ["第一条", "第二条", "第三条"]
    assert document.articles[1].paragraphs == [
        "生产经营单位进行动火作业，应当履行审批手续：\n（一）制定作业方案；\n（二）落实监护人员。"
    ]
    assert document.articles[2].path == ("第二章 附则",)


def test_markdown_front_matter_fills_metadata(tmp_path: Path) -> None:
    path = tmp_path / "rule.md"
    path.write_text(
        "---\ntitle: 示例危险作业安全规定\ncategory: 部门规章\nissuer: 示例部\n"
        "effective_date: 2024-05-01\nstatus: 现行有效（2024年修订）\nindustries: [危化]\n"
        "short_titles: [危险作业规定]\n---\n\n# 示例危险作业安全规定\n\n"
        + "\n\n".join(f"## {line}" if "章" in line[:4] else line for line in BODY[1:]),
        encoding="utf-8",
    )
    document = read_folder_document(path, {})
    _check(document)
    meta = document.instrument
    assert (meta.category, meta.issuer, meta.effective_date) == ("部门规章", "示例部", "2024-05-01")
    assert (meta.status, meta.industries, meta.source_kind) == ("现行有效", ("危化",), "folder")
    assert "危险作业规定" in meta.short_titles


def test_plain_text_without_front_matter_reads_title_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "rule.txt"
    path.write_text("\n".join(BODY), encoding="utf-8")
    document = read_folder_document(path, {})
    _check(document)
    assert document.instrument.effective_date == "2024-05-01"
    assert document.instrument.version_date == "2024-03-01"
    assert document.instrument.category == "部门规章"


def test_html_document(tmp_path: Path) -> None:
    path = tmp_path / "rule.html"
    paragraphs = "".join(f"<p>{line}</p>" for line in BODY[1:])
    path.write_text(
        f"<html><head><meta charset='utf-8'></head><body><h1>{BODY[0]}</h1>"
        f"{paragraphs}</body></html>",
        encoding="utf-8",
    )
    _check(read_folder_document(path, {}))


def test_docx_document(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_heading(BODY[0], level=1)
    for line in BODY[1:]:
        doc.add_paragraph(line)
    path = tmp_path / "rule.docx"
    doc.save(str(path))
    _check(read_folder_document(path, {}))


def test_pdf_document_joins_cjk_and_keeps_structure(tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "rule.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 12)
    for n, line in enumerate(BODY):
        pdf.drawString(50, 800 - 20 * n, line)
    pdf.save()
    _check(read_folder_document(path, {}))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.txt", b"\xff\xfe\x00\xd8 not utf-8 \xc3\x28", "不是 UTF-8 编码的文本"),
        ("broken.pdf", b"%PDF-1.4 this is not a pdf", "文件没有可读取的文字（可能是扫描件、已加密或已损坏）"),
        ("broken.docx", b"PK\x03\x04 truncated zip", "无法解析"),
        ("empty.md", b"   \n\n", "文件没有可读取的文字"),
        ("bad-front.md", b"---\ntitle: [unclosed\n---\n\xe7\xac\xac\xe4\xb8\x80\xe6\x9d\xa1 x", "YAML"),
        ("table.xlsx", b"x", "不支持的文件类型 .xlsx"),
    ],
)
def test_broken_documents_raise_a_clear_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read_folder_document(path, {})
    assert reason in caught.value.reason
