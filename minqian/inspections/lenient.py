"""Whether a finding may go unpunished under 包容审慎 (行政处罚法 第三十三条).

The list of minor violations is configuration (lenient.yaml) because each city
and county sets its own; a finding qualifies only when it matches an entry, hits
no exclusion and is not a 重大隐患, and the answer always lists the conditions
the inspector still has to confirm.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LIST = Path(__file__).resolve().parent / "lenient.yaml"


@cache
def lenient_list(path: Path = LIST) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def assess_leniency(description: str, level: str = "一般隐患", path: Path = LIST) -> dict[str, Any]:
    data = lenient_list(path)
    blocked = [word for word in data.get("exclusions", []) if word in description]
    if level == "重大隐患":
        blocked.append("重大隐患")
    matched = [e for e in data["entries"] if any(k in description for k in e["keywords"])]
    eligible = bool(matched) and not blocked
    if eligible:
        entry = matched[0]
        text = (f"可以适用轻微违法免罚：属于“{entry['name']}”（{entry['id']}）。须同时满足："
                f"{'；'.join(entry['conditions'])}。")  # fmt: skip
    elif blocked:
        text = f"不适用免罚：涉及“{'、'.join(blocked)}”，应依法查处。"
    else:
        text = "不在本地轻微违法免罚清单内，按裁量基准处理。"
    return {"eligible": eligible, "entry": matched[0]["id"] if matched else None, "blocked_by": blocked,
            "text": text, "basis": list(data.get("basis", []))}  # fmt: skip
