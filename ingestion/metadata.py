"""Normalise instrument metadata that sources spell in many ways."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from ingestion.documents import CATEGORIES, INDUSTRIES

_PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏",
    "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南",
    "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏",
    "宁夏", "新疆", "香港", "澳门",
)  # fmt: skip
_CATEGORY_SYNONYMS = {
    "事故调查报告": "事故案例",
    "典型事故案例": "事故案例",
    "司法解释": "规范性文件",
    "宪法": "法律",
}
# Words in a title that tie an instrument to an industry the department supervises.
_INDUSTRY_WORDS = {
    "危化": ("危险化学品", "危化品", "化工", "烟花爆竹", "民用爆炸物品", "石油", "油气"),
    "非煤矿山": ("矿山", "尾矿", "非煤", "金属非金属", "采石"),
    "工贸": ("工贸", "粉尘", "冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "涉氨"),
}
_DATE = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")


def normalise_date(value: object) -> str:
    """Return YYYY-MM-DD for dates written as 2021年6月10日, 2021-06-10, …; else ''."""
    if isinstance(value, dt.date):
        return value.isoformat()
    match = _DATE.search(str(value or ""))
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def normalise_category(value: str, title: str) -> str:
    """Map a source's category to one of CATEGORIES, inferring from the title."""
    value = (value or "").strip()
    for name in CATEGORIES:
        if value.startswith(name):
            return name
    for prefix, name in _CATEGORY_SYNONYMS.items():
        if value.startswith(prefix):
            return name
    return infer_category(title)


def infer_category(title: str) -> str:
    if re.match(r"^GB(/T)?\s?\d", title):
        return "国家标准"
    if re.match(r"^(AQ|SY|HG|MT|WS|GBZ|JB|SH)(/T)?\s?\d", title):
        return "行业标准"
    if re.match(r"^DB\d", title):
        return "地方标准"
    local = title.startswith(_PROVINCES)
    if title.endswith(("办法", "规定", "细则", "规则")):
        return "地方政府规章" if local else "部门规章"
    if title.endswith("条例"):
        return "地方性法规" if local else "行政法规"
    if title.endswith("法"):
        return "法律"
    if "事故" in title and ("调查报告" in title or "案例" in title):
        return "事故案例"
    return "规范性文件"


def normalise_status(value: str, effective_date: str, today: dt.date | None = None) -> str:
    """Map free-text status to 现行有效 / 已修改 / 已废止 / 尚未施行."""
    text = (value or "").strip()
    if text.startswith(("已废止", "废止", "失效", "已失效")):
        return "已废止"
    if text.startswith(("已被修改", "已修改", "历史版本", "被修改")):
        return "已修改"
    today = today or dt.date.today()
    if effective_date and effective_date > today.isoformat():
        return "尚未施行"
    return "现行有效"


def infer_industries(title: str, declared: Iterable[str] = ()) -> tuple[str, ...]:
    """Declared industries win; otherwise read them from words in the title."""
    chosen = [name for name in declared if name in INDUSTRIES]
    if not chosen:
        chosen = [
            name for name, words in _INDUSTRY_WORDS.items()
            if any(word in title for word in words)
        ]  # fmt: skip
    return tuple(chosen) or ("通用",)


def load_aliases(path: Path) -> dict[str, tuple[str, ...]]:
    """Read corpus/aliases.yaml: full title → short titles people use."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): tuple(str(a) for a in (v or [])) for k, v in data.items()}


def short_titles(title: str, aliases: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Short titles for an instrument: the known aliases plus derived forms."""
    names: list[str] = []
    if title.startswith("中华人民共和国") and len(title) > 8:
        names.append(title.removeprefix("中华人民共和国"))
    if "危险化学品" in title:
        names.extend(
            n.replace("危险化学品", "危化品")
            for n in [title, *names]
            if not n.startswith("中华人民共和国")
        )
    names.extend(aliases.get(title, ()))
    unique = dict.fromkeys(n for n in names if n and n != title)
    return tuple(unique)
