"""The project's own structured corpus: inspection items, hazards, accident cases.

Each YAML file under corpus/ is one instrument (see corpus/README.md); each
entry becomes one article whose label is the entry id, so "GM-003" can be
cited and looked up like 第三条.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ingestion.documents import Article, Instrument, ParsedDocument
from ingestion.metadata import infer_industries, normalise_date
from minqian.errors import DocumentError

KINDS: dict[str, str] = {
    "inspection_items": "检查事项",
    "hazard_list": "隐患清单",
    "accident_cases": "事故案例",
    "risk_scenarios": "风险清单",
}
# Field order and Chinese labels used when an entry is rendered as text.
_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "inspection_items": (
        ("name", "检查事项"), ("content", "检查内容"), ("standard", "检查标准"),
        ("basis", "检查依据"), ("penalty_basis", "处罚依据"), ("applies_to", "适用对象"),
    ),
    "hazard_list": (
        ("name", "隐患名称"), ("level", "隐患等级"), ("industries", "适用行业"),
        ("description", "隐患描述"), ("typical_signs", "典型表现"),
        ("controls", "治理措施"), ("basis", "判定依据"),
    ),
    "accident_cases": (
        ("name", "事故名称"), ("date", "发生时间"), ("place", "地点"),
        ("industry", "行业"), ("accident_type", "事故类别"), ("casualties", "伤亡情况"),
        ("direct_cause", "直接原因"), ("lessons", "教训"), ("scenarios", "关联场景"),
        ("basis", "相关条文"),
    ),
    "risk_scenarios": (
        ("name", "风险场景"), ("industries", "适用行业"), ("applies_to", "适用对象"),
        ("description", "场景描述"), ("risk_points", "风险点"), ("basis", "依据"),
    ),
}  # fmt: skip
# How one risk point of a scenario reads inside its scenario's article.
_RISK_POINT_FIELDS: tuple[tuple[str, str], ...] = (
    ("location", "部位"), ("hazard_factors", "危险有害因素"), ("accident_types", "可能导致的事故"),
    ("controls", "管控措施"), ("safe_operation", "安全操作要点"),
)
_CONTROL_KINDS = {"engineering": "工程技术", "management": "管理", "ppe": "个体防护", "emergency": "应急处置"}
REQUIRED_FIELDS = ("id", "name")
PROJECT_ISSUER = "闽企安项目组"


def project_corpus_files(root: Path) -> list[Path]:
    """Structured corpus files; the YAML files at the top are configuration."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("*/*.y*ml") if p.is_file())


def read_project_file(path: Path) -> ParsedDocument:
    """Parse one corpus YAML file, or raise DocumentError naming the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DocumentError(str(path), f"YAML 无法解析：{exc}") from exc
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise DocumentError(str(path), f"kind 应为 {'/'.join(KINDS)} 之一")
    kind = data["kind"]
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        raise DocumentError(str(path), "entries 为空或不是列表")

    articles = [_article(path, kind, n, entry) for n, entry in enumerate(entries, 1)]
    title = str(data.get("title") or path.stem)
    instrument = Instrument(
        title=title,
        category=str(data.get("category") or KINDS[kind]),
        issuer=str(data.get("issuer") or PROJECT_ISSUER),
        effective_date=normalise_date(data.get("effective_date")),
        version_date=normalise_date(data.get("effective_date")),
        status="现行有效",
        industries=infer_industries(title, data.get("industries") or ()),
        short_titles=tuple(str(a) for a in data.get("short_titles") or ()),
        source=str(path),
        source_kind="project",
    )
    return ParsedDocument(instrument, articles)


def load_entries(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """The kind and raw entries of a corpus file, for code that uses them as data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data["kind"], list(data["entries"])


def _article(path: Path, kind: str, number: int, entry: object) -> Article:
    if not isinstance(entry, dict) or any(not entry.get(f) for f in REQUIRED_FIELDS):
        raise DocumentError(str(path), f"第{number}个条目缺少 id 或 name")
    paragraphs = []
    for key, label in _FIELDS[kind]:
        value = entry.get(key)
        if not value:
            continue
        if key == "risk_points":
            value = "\n".join(_risk_point_text(point) for point in value)
        elif isinstance(value, list):
            value = "；".join(str(v) for v in value)
        paragraphs.append(f"{label}：{value}")
    return Article(str(entry["id"]), number, 0, (), paragraphs)


def _risk_point_text(point: dict[str, Any]) -> str:
    parts = [f"{point.get('id', '')} {point.get('name', '')}".strip()]
    for key, label in _RISK_POINT_FIELDS:
        value = point.get(key)
        if isinstance(value, dict):
            value = "；".join(f"{_CONTROL_KINDS.get(k, k)}：{'、'.join(v)}" for k, v in value.items() if v)
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value)
        if value:
            parts.append(f"{label}：{value}")
    details = "；".join(parts[1:])
    return f"{parts[0]}（{details}）" if details else parts[0]
