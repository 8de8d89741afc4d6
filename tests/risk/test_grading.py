"""LEC and matrix grading: thresholds, control steps, the crowd rule, manual grades."""

from __future__ import annotations

import pytest

from minqian.risk.grading import (
    control_steps,
    grade_lec,
    grade_matrix,
    lec_grade,
    matrix_grade,
    override,
)  # fmt: skip


@pytest.mark.parametrize(("d", "grade"), [
    (321, "重大"), (320, "较大"), (160, "较大"), (159.9, "一般"), (70, "一般"), (69.9, "低"), (0.05, "低"),
])  # fmt: skip
def test_lec_thresholds(d: float, grade: str) -> None:
    assert lec_grade(d) == grade


@pytest.mark.parametrize(("r", "grade"), [(25, "重大"), (20, "重大"), (16, "较大"), (15, "较大"),
                                          (12, "一般"), (9, "一般"), (8, "低"), (1, "低")])  # fmt: skip
def test_matrix_thresholds(r: int, grade: str) -> None:
    assert matrix_grade(r) == grade


@pytest.mark.parametrize(("in_place", "typical", "steps"),
                         [(0, 8, 0), (3, 8, 0), (4, 8, 1), (7, 8, 1), (8, 8, 2), (9, 8, 2), (0, 0, 0)])  # fmt: skip
def test_controls_lower_likelihood_by_steps(in_place: int, typical: int, steps: int) -> None:
    assert control_steps(in_place, typical) == steps


def test_lec_keeps_inputs_and_explains_each_step() -> None:
    none = grade_lec(6, 6, 40, in_place=0, typical=10)
    half = grade_lec(6, 6, 40, in_place=5, typical=10)
    full = grade_lec(6, 6, 40, in_place=10, typical=10)
    assert (none.value, none.grade) == (1440, "重大")
    assert (half.inputs["L"], half.value, half.grade) == (3, 720, "重大")
    assert (full.inputs, full.value, full.grade) == ({"L": 1, "E": 6, "C": 40}, 240, "较大")
    assert full.formula == "D = L×E×C = 1×6×40 = 240"
    assert "已落实10/10项" in full.reasons[1] and "降两级" in full.reasons[1]
    assert full.colour == "橙"


def test_lec_raises_consequence_for_a_crowd_at_a_mass_casualty_point() -> None:
    few = grade_lec(3, 6, 15, in_place=0, typical=4, exposed=5, accident_types=("其他爆炸",))
    crowd = grade_lec(3, 6, 15, in_place=0, typical=4, exposed=12, accident_types=("其他爆炸",))
    other = grade_lec(3, 6, 15, in_place=0, typical=4, exposed=12, accident_types=("高处坠落",))
    assert few.inputs["C"] == 15 and other.inputs["C"] == 15
    assert crowd.inputs["C"] == 40 and crowd.grade == "重大"
    assert any("群死群伤" in r for r in crowd.reasons)


def test_matrix_grading_and_floor_of_likelihood() -> None:
    full = grade_matrix(5, 5, in_place=6, typical=6)
    assert (full.value, full.grade, full.inputs["likelihood"]) == (15, "较大", 3)
    floor = grade_matrix(1, 4, in_place=6, typical=6)
    assert floor.inputs["likelihood"] == 1 and floor.grade == "低"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: grade_lec(5, 6, 40, in_place=0, typical=1), "L=5"),
    (lambda: grade_lec(6, 7, 40, in_place=0, typical=1), "E=7"),
    (lambda: grade_matrix(6, 1, in_place=0, typical=1), "可能性=6"),
])  # fmt: skip
def test_values_outside_the_tables_are_refused(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()


def test_manual_grade_keeps_the_computed_one_and_the_reason() -> None:
    computed = grade_lec(1, 6, 15, in_place=4, typical=4)
    manual = override(computed, "较大", "近三年发生过同类事故")
    assert manual.grade == "较大" and manual.value == computed.value
    assert "计算结果为低" in manual.reasons[-1] and "近三年" in manual.reasons[-1]
    with pytest.raises(ValueError):
        override(computed, "极高", "x")
