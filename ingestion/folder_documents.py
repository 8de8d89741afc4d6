"""Documents from folders: Markdown with front matter, text, HTML, DOCX and PDF.

Markdown and text are read line by line ourselves: quotes must stay verbatim,
and unstructured's Markdown path renders the text first (turning "1." lists
into list items without their numbers). HTML, DOCX and PDF go through
unstructured with the "fast" strategy; the other strategies fetch a layout
model, which cannot be had offline.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import yaml

from ingestion.chunker import parse_articles, parse_sections
from ingestion.documents import Instrument, ParsedDocument
from ingestion.metadata import (
    infer_industries,
    normalise_category,
    normalise_date,
    normalise_status,
    short_titles,
)
from minqian.errors import DocumentError

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
UNSTRUCTURED_SUFFIXES = {".html", ".htm", ".docx", ".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | UNSTRUCTURED_SUFFIXES

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_EFFECTIVE = re.compile(r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起\s*(?:施行|实施|生效)")
_ADOPTED = re.compile(r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)[^。\n]{0,40}(?:通过|公布|修正|修订|发布)")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def read_folder_document(path: Path, aliases: dict[str, tuple[str, ...]]) -> ParsedDocument:
    """Parse one file into an instrument and its articles, or raise DocumentError."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(str(path), f"不支持的文件类型 {suffix}")
    try:
        if suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            meta, body = split_front_matter(text)
            lines = body.splitlines()
        else:
            meta, lines = {}, partition_lines(path)
    except UnicodeDecodeError as exc:
        raise DocumentError(str(path), f"不是 UTF-8 编码的文本（{exc.reason}）") from exc
    except DocumentError:
        raise
    except Exception as exc:  # unstructured raises many kinds on corrupt files
        raise DocumentError(str(path), f"无法解析：{type(exc).__name__}: {exc}") from exc

    lines = [line for line in lines if line.strip()]
    if not lines:
        hint = "（可能是扫描件、已加密或已损坏）" if suffix == ".pdf" else ""
        raise DocumentError(str(path), f"文件没有可读取的文字{hint}")
    instrument = _instrument(path, meta, lines, aliases)
    articles = parse_articles(lines) or parse_sections(lines, instrument.title)
    if not articles:
        raise DocumentError(str(path), "没有识别出任何条文或章节")
    return ParsedDocument(instrument, articles)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from the body; malformed YAML is an error."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError("front matter", f"YAML 格式错误：{exc}") from exc
    if not isinstance(meta, dict):
        raise DocumentError("front matter", "YAML 头部应为键值对")
    return meta, text[match.end():]


def partition_lines(path: Path) -> list[str]:
    """Text lines of an HTML, DOCX or PDF file through unstructured."""
    from ingestion.unstructured_offline import partition_offline

    lines: list[str] = []
    for element in partition_offline(path):
        text = str(element).replace("\u00a0", " ")
        if path.suffix.lower() == ".pdf":
            # PDF extraction leaves spaces between CJK characters at line wraps.
            text = _CJK_GAP.sub("", text)
        lines.extend(part.strip() for part in text.splitlines())
    return lines


def _instrument(
    path: Path, meta: dict[str, Any], lines: list[str], aliases: dict[str, tuple[str, ...]]
) -> Instrument:
    title = str(meta.get("title") or _title_from_text(lines) or path.stem).strip()
    title = re.sub(r"^#+\s*", "", title)
    body = "\n".join(lines[:400])
    effective = normalise_date(meta.get("effective_date"))
    if not effective and (found := _EFFECTIVE.search(body)):
        effective = normalise_date(found.group(1))
    version = normalise_date(meta.get("latest_amendment_date") or meta.get("version_date"))
    if not version and (found := _ADOPTED.search("\n".join(lines[:12]))):
        version = normalise_date(found.group(1))
    declared_aliases = tuple(str(a) for a in meta.get("short_titles") or ())
    return Instrument(
        title=title,
        category=normalise_category(str(meta.get("category") or ""), title),
        issuer=str(meta.get("issuer") or ""),
        effective_date=effective,
        version_date=version or effective,
        status=normalise_status(str(meta.get("status") or ""), effective),
        industries=infer_industries(title, meta.get("industries") or ()),
        short_titles=tuple(dict.fromkeys(short_titles(title, aliases) + declared_aliases)),
        source=str(path),
        source_kind="folder",
    )


def _title_from_text(lines: list[str]) -> str:
    """The first short line that is not an article, heading or date line."""
    for line in lines[:5]:
        line = re.sub(r"^#+\s*", "", line.strip())
        if 2 <= len(line) <= 60 and not re.match(r"^(第\S+[条章节编]|\d{4}年|[（(])", line):
            return line
    return ""
