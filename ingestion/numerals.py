"""Chinese numerals as used in article labels, both ways (第一百零二条 ↔ 102)."""

from __future__ import annotations

import re

_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000}
_DIGIT_CHARS = "零一二三四五六七八九"

CHINESE_NUMERAL = "[零〇○一二两三四五六七八九十百千]+"


def chinese_to_int(text: str) -> int:
    """Parse a Chinese numeral such as 一百零二 or 十五; Arabic digits pass through."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
            continue
        # A bare unit (十五) means one of it.
        total += (digit or 1) * _UNITS[ch]
        digit = 0
    return total + digit


def int_to_chinese(number: int) -> str:
    """Write 102 as 一百零二, 10 as 十, 15 as 十五 (the style of law texts)."""
    if number < 0 or number >= 10000:
        raise ValueError(f"article numbers run from 0 to 9999, got {number}")
    if number < 10:
        return _DIGIT_CHARS[number]
    parts: list[str] = []
    pending_zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_DIGIT_CHARS[digit] + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


_LABEL = re.compile(rf"^第({CHINESE_NUMERAL}|\d+)条(?:之({CHINESE_NUMERAL}|\d+))?$")


def parse_article_label(label: str) -> tuple[int, int]:
    """Return (number, suffix) for 第二十一条 → (21, 0), 第十七条之一 → (17, 1)."""
    match = _LABEL.match(label.strip())
    if not match:
        raise ValueError(f"not an article label: {label!r}")
    suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
    return chinese_to_int(match.group(1)), suffix


def article_label(number: int, suffix: int = 0) -> str:
    """Format (21, 0) as 第二十一条 and (17, 1) as 第十七条之一."""
    label = f"第{int_to_chinese(number)}条"
    return f"{label}之{int_to_chinese(suffix)}" if suffix else label
