"""From grade to supervision: the yearly on-site cap, off-site inspection, key inspection.

闽应急规〔2025〕1号 第10条: for enterprises with a high coefficient grade the
yearly on-site inspection cap is the ministry's cap cut by 50 %, and those
outside high-risk industries and key fields are inspected off site; low
grades go on the key-inspection list. The result feeds the annual plan.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from minqian.coefficient.rules import Rules
from minqian.enterprises import Enterprise

HIGH_RISK_FIELDS = ("危化", "非煤矿山")
HIGH_RISK_SECTORS = ("冶金", "有色")


@dataclass(frozen=True)
class Supervision:
    base_cap: int
    onsite_cap: int
    mode: str  # 现场检查 | 非现场检查
    key_inspection: bool
    high_risk: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reasons": list(self.reasons)}


def is_high_risk(enterprise: Enterprise, scenarios: set[str], rules: Rules) -> tuple[bool, str]:
    """High-risk industry or key field, and which, from the record and the register."""
    if enterprise.industry in HIGH_RISK_FIELDS:
        return True, f"{enterprise.industry}属于高危行业"
    if enterprise.sector in HIGH_RISK_SECTORS:
        return True, f"{enterprise.sector}属于高危行业"
    key = sorted(scenarios & set(rules.supervision.get("key_field_scenarios", ())))
    if key:
        return True, f"风险清单含{'、'.join(key)}，属于重点领域"
    return False, "非高危行业、非重点领域"


def supervise(enterprise: Enterprise, grade: str, scenarios: set[str], rules: Rules) -> Supervision:
    policy = rules.supervision
    base = int(policy.get("base_onsite_cap", {}).get(enterprise.industry, 2))
    high_risk, why = is_high_risk(enterprise, scenarios, rules)
    reasons = [f"基础年度现场检查上限 {base} 次（{enterprise.industry}）", why]
    cap, mode, key = base, "现场检查", False
    if grade in policy.get("high_grades", ()):
        cap = base // 2 if base > 1 else base
        reasons.append(f"系数等级 {grade}，现场检查上限降低50%，为 {cap} 次")
        if not high_risk:
            mode = "非现场检查"
            reasons.append("非高危行业、非重点领域，推行非现场检查")
    if grade in policy.get("key_inspection_grades", ()):
        key = True
        reasons.append(f"系数等级 {grade}，列入重点检查企业名单")
    return Supervision(base, cap, mode, key, high_risk, tuple(reasons))
