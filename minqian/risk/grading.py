"""Risk grading: LEC and the 5 × 5 matrix, as functions that keep their inputs.

Both methods start from a risk point's inherent values (no controls) in the
corpus and move only the likelihood for the controls in place: every typical
control in place lowers it two steps on its scale, at least half lowers it one.
Exposure and consequence are facts of the site, not of its controls; more than
ten people at a point that can kill many raises the consequence. Each step is
written into `reasons` so an inspector can see why a point got its grade.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Method = Literal["LEC", "matrix"]
GRADES = ("重大", "较大", "一般", "低")
GRADE_COLOURS = {"重大": "红", "较大": "橙", "一般": "黄", "低": "蓝"}
CODED_GRADES = ("重大", "较大")  # grades that get a risk management code

L_SCALE = (0.1, 0.2, 0.5, 1.0, 3.0, 6.0, 10.0)
E_SCALE = (0.5, 1.0, 2.0, 3.0, 6.0, 10.0)
C_SCALE = (1.0, 3.0, 7.0, 15.0, 40.0, 100.0)
# Accident types that can kill several people at once (GB 6441 categories).
MASS_CASUALTY_TYPES = frozenset({
    "其他爆炸", "火药爆炸", "瓦斯爆炸", "锅炉爆炸", "容器爆炸", "中毒和窒息", "坍塌", "透水",
    "冒顶片帮", "火灾",
})  # fmt: skip
CROWD = 10  # people exposed from which a mass-casualty point's consequence rises


@dataclass(frozen=True)
class Grading:
    """The result of grading one risk point, with everything that produced it."""

    method: Method
    inputs: dict[str, float]
    value: float
    grade: str
    reasons: list[str] = field(default_factory=list)

    @property
    def colour(self) -> str:
        return GRADE_COLOURS[self.grade]

    @property
    def formula(self) -> str:
        if self.method == "LEC":
            i = self.inputs
            return f"D = L×E×C = {_n(i['L'])}×{_n(i['E'])}×{_n(i['C'])} = {_n(self.value)}"
        i = self.inputs
        return f"R = 可能性×严重性 = {_n(i['likelihood'])}×{_n(i['severity'])} = {_n(self.value)}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "colour": self.colour, "formula": self.formula}


def lec_grade(d: float) -> str:
    """D > 320 重大, 160–320 较大, 70–160 一般, below 70 低."""
    if d > 320:
        return "重大"
    if d >= 160:
        return "较大"
    return "一般" if d >= 70 else "低"


def matrix_grade(r: float) -> str:
    """R ≥ 20 重大, 15–16 较大, 9–12 一般, ≤ 8 低."""
    if r >= 20:
        return "重大"
    if r >= 15:
        return "较大"
    return "一般" if r >= 9 else "低"


def control_steps(in_place: int, typical: int) -> int:
    """How many steps the controls in place lower the likelihood."""
    if typical <= 0 or in_place <= 0:
        return 0
    if in_place >= typical:
        return 2
    return 1 if in_place * 2 >= typical else 0


def grade_lec(l: float, e: float, c: float, *, in_place: int, typical: int,  # noqa: E741 (the method's own letters)
              exposed: int = 0, accident_types: tuple[str, ...] = ()) -> Grading:  # fmt: skip
    """Grade with LEC from inherent L, E, C and the controls in place."""
    for name, value, scale in (("L", l, L_SCALE), ("E", e, E_SCALE), ("C", c, C_SCALE)):
        if value not in scale:
            raise ValueError(f"{name}={value} 不在 LEC 取值表中：{scale}")
    reasons = [f"固有值（未考虑管控措施）：L={_n(l)}，E={_n(e)}，C={_n(c)}"]
    steps = control_steps(in_place, typical)
    reasons.append(_control_reason(in_place, typical, steps))
    residual_l = L_SCALE[max(L_SCALE.index(l) - steps, 0)]
    if exposed >= CROWD and MASS_CASUALTY_TYPES.intersection(accident_types) and c < 40:
        reasons.append(f"现场约{exposed}人，可能发生群死群伤事故，后果C由{_n(c)}提高到40")
        c = 40.0
    d = residual_l * e * c
    grade = lec_grade(d)
    reasons.append(f"D={_n(residual_l)}×{_n(e)}×{_n(c)}={_n(d)}，对应{grade}风险")
    return Grading("LEC", {"L": residual_l, "E": e, "C": c}, d, grade, reasons)


def grade_matrix(likelihood: int, severity: int, *, in_place: int, typical: int,
                 exposed: int = 0, accident_types: tuple[str, ...] = ()) -> Grading:  # fmt: skip
    """Grade with the 5 × 5 matrix from inherent likelihood and severity."""
    for name, value in (("可能性", likelihood), ("严重性", severity)):
        if value not in (1, 2, 3, 4, 5):
            raise ValueError(f"{name}={value} 应为 1 到 5 的整数")
    reasons = [f"固有值（未考虑管控措施）：可能性={likelihood}，严重性={severity}"]
    steps = control_steps(in_place, typical)
    reasons.append(_control_reason(in_place, typical, steps))
    residual = max(likelihood - steps, 1)
    if exposed >= CROWD and MASS_CASUALTY_TYPES.intersection(accident_types) and severity < 5:
        # Severity 5 is the matrix's counterpart of C = 40 (several deaths).
        reasons.append(f"现场约{exposed}人，可能发生群死群伤事故，严重性由{severity}提高到5")
        severity = 5
    r = residual * severity
    grade = matrix_grade(r)
    reasons.append(f"R={residual}×{severity}={r}，对应{grade}风险")
    return Grading("matrix", {"likelihood": residual, "severity": severity}, r, grade, reasons)


def override(grading: Grading, grade: str, reason: str) -> Grading:
    """A grade set by the enterprise by hand, keeping the computed one beside it."""
    if grade not in GRADES:
        raise ValueError(f"风险等级应为 {'、'.join(GRADES)} 之一，收到 {grade!r}")
    note = f"企业人工调整为{grade}风险（计算结果为{grading.grade}）：{reason}"
    return Grading(grading.method, grading.inputs, grading.value, grade, [*grading.reasons, note])


def _control_reason(in_place: int, typical: int, steps: int) -> str:
    effect = {0: "可能性不降级", 1: "可能性降一级", 2: "可能性降两级"}[steps]
    return f"典型管控措施已落实{in_place}/{typical}项，{effect}"


def _n(value: float) -> str:
    return f"{value:g}"
