"""City and county composites: arithmetic, review by the region's reviewer, export of approved ones."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from minqian.coefficient.facts import Period
from minqian.errors import AccessDenied, StateConflict
from tests.coefficient.conftest import ADMIN, INSPECTOR_NA, OWNER_NA1, PERFECT_REPORT, REVIEWER_FZ, REVIEWER_QZ

PERIOD = Period.of(datetime.now(UTC).date())


def test_rollups_average_their_enterprises_and_need_review_before_export(desks) -> None:  # type: ignore[no-untyped-def]
    _, coefficients = desks
    coefficients.inputs.report(OWNER_NA1, "C-NA1", PERIOD.label, PERFECT_REPORT)
    coefficients.scores.publish(ADMIN, PERIOD)
    scores = {r["enterprise"]: r["coefficient"] for r in coefficients.scores.listing(ADMIN)}
    rows = {r["region_code"]: r for r in coefficients.rollups.compute(ADMIN, PERIOD.label)}
    assert set(rows) == {"3501", "3505", "350181", "350582", "350583"}
    assert rows["350583"]["composite"] == pytest.approx(round((scores["C-NA1"] + scores["C-NA2"]) / 2, 1))
    assert rows["3505"]["enterprises"] == 3 and sum(rows["3505"]["distribution"].values()) == 3
    assert all(r["status"] == "待审核" for r in rows.values())
    assert coefficients.rollups.export(ADMIN, PERIOD.label, "json") == "[]"  # nothing approved yet

    with pytest.raises(AccessDenied):
        coefficients.rollups.review(REVIEWER_FZ, rows["350583"]["id"], True)  # another city's reviewer
    with pytest.raises(AccessDenied):
        coefficients.rollups.review(INSPECTOR_NA, rows["350583"]["id"], True)  # inspectors do not approve
    approved = coefficients.rollups.review(REVIEWER_QZ, rows["350583"]["id"], True, "核对无误")
    assert approved["status"] == "已审核"
    returned = coefficients.rollups.review(REVIEWER_QZ, rows["3505"]["id"], False, "数据待补充")
    assert returned["status"] == "已退回"
    with pytest.raises(StateConflict):
        coefficients.rollups.review(REVIEWER_QZ, rows["350583"]["id"], False)

    exported = list(csv.DictReader(io.StringIO(coefficients.rollups.export(ADMIN, PERIOD.label, "csv"))))
    assert [r["region_code"] for r in exported] == ["350583"] and exported[0]["status"] == "已审核"
    assert json.loads(coefficients.rollups.export(REVIEWER_FZ, PERIOD.label, "json")) == []  # not their region

    with pytest.raises(StateConflict, match="已审核"):
        coefficients.scores.publish(ADMIN, PERIOD)  # the approved composite keeps its basis
    again = {r["region_code"]: r for r in coefficients.rollups.compute(ADMIN, PERIOD.label)}
    assert again["350583"]["status"] == "已审核"  # a recomputation keeps what was approved
    assert again["3505"]["status"] == "待审核"
