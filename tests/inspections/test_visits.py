"""Plans, schemes, scan-to-enter records: states, permissions, immutability, what closing feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from minqian.coefficient.records import enforcement_records
from minqian.errors import AccessDenied, InvalidRecord, RecordNotFound, StateConflict
from minqian.risk.records import hazard_reports
from tests.inspections.conftest import ADMIN, CITY_INSPECTOR, HEAD, INSPECTOR, OWNER

YEAR = datetime.now(UTC).year


def _start(inspections, enterprise_id: str = "C-NA1"):  # type: ignore[no-untyped-def]
    scheme = inspections.visits.create_scheme(INSPECTOR, enterprise_id, {"粉尘涉爆"})
    inspections.visits.approve_scheme(HEAD, scheme["id"])
    token = inspections.visits.entry_code(INSPECTOR, enterprise_id)["token"]
    return scheme, inspections.visits.scan_in(INSPECTOR, token, scheme["id"])


def test_plan_moves_through_its_states_with_the_heads_approval(inspections) -> None:  # type: ignore[no-untyped-def]
    plan = inspections.plans.draft(INSPECTOR, YEAR)
    assert plan["status"] == "草稿" and plan["department"] == "泉州市南安市应急管理局"
    assert {e["enterprise_id"] for e in plan["entries"]} == {"C-NA1", "C-NA2"}
    assert all(e["planned_visits"] <= e["onsite_cap"] for e in plan["entries"])
    with pytest.raises(AccessDenied):
        inspections.plans.move(INSPECTOR, plan["id"], "已审批")
    with pytest.raises(StateConflict):
        inspections.plans.move(HEAD, plan["id"], "已备案")
    assert inspections.plans.move(HEAD, plan["id"], "已审批")["status"] == "已审批"
    assert inspections.plans.move(HEAD, plan["id"], "已备案")["status"] == "已备案"
    assert inspections.plans.covering_plan("C-NA1", YEAR) == plan["id"]
    with pytest.raises(AccessDenied):
        inspections.plans.draft(OWNER, YEAR)


def test_scan_in_needs_an_approved_scheme_and_a_genuine_entry_code(inspections) -> None:  # type: ignore[no-untyped-def]
    scheme = inspections.visits.create_scheme(INSPECTOR, "C-NA1", {"粉尘涉爆"})
    assert scheme["items"] and all(i.startswith("GM-") for i in scheme["items"])
    token = inspections.visits.entry_code(INSPECTOR, "C-NA1")["token"]
    with pytest.raises(StateConflict, match="经批准"):
        inspections.visits.scan_in(INSPECTOR, token, scheme["id"])
    with pytest.raises(AccessDenied):
        inspections.visits.approve_scheme(INSPECTOR, scheme["id"])
    inspections.visits.approve_scheme(HEAD, scheme["id"])
    with pytest.raises(RecordNotFound):
        inspections.visits.scan_in(INSPECTOR, token[:-2] + "xx", scheme["id"])
    with pytest.raises(AccessDenied):
        inspections.visits.scan_in(OWNER, token, scheme["id"])
    record = inspections.visits.scan_in(INSPECTOR, token, scheme["id"])
    assert record["status"] == "检查中" and record["plan_id"] is None and record["approval_id"] is None


def test_a_closed_record_cannot_change_and_feeds_the_coefficient_and_hazard_list(inspections) -> None:  # type: ignore[no-untyped-def]
    scheme, record = _start(inspections)
    item = scheme["items"][0]
    deadline = (date.today() + timedelta(days=15)).isoformat()
    inspections.visits.record(INSPECTOR, record["id"], [{"item": item, "result": "不符合"}], [
        {"item_id": item, "description": "除尘器泄爆口被杂物遮挡", "level": "一般隐患", "deadline": deadline}])
    with pytest.raises(InvalidRecord, match="不在方案中"):
        inspections.visits.record(INSPECTOR, record["id"], [{"item": "WH-001", "result": "符合"}], [])
    with pytest.raises(AccessDenied):
        inspections.visits.record(CITY_INSPECTOR, record["id"], [], [])  # not the one who scanned in
    with pytest.raises(InvalidRecord, match="第六十八条"):
        inspections.visits.close(INSPECTOR, record["id"], "林检查", "")
    closed = inspections.visits.close(INSPECTOR, record["id"], "林检查", "企业负责人 王")
    assert closed["status"] == "已结束" and closed["findings"][0]["basis"]  # basis taken from the item
    with pytest.raises(StateConflict, match="只能补正"):
        inspections.visits.record(INSPECTOR, record["id"], [], [])
    with pytest.raises(StateConflict):
        inspections.visits.close(INSPECTOR, record["id"], "林检查", "王")
    amended = inspections.visits.amend(INSPECTOR, record["id"], "整改期限笔误", {"deadline": deadline})
    assert amended["amendments"][0]["reason"] == "整改期限笔误" and amended["findings"] == closed["findings"]

    engine = inspections.visits._engine
    with engine.connect() as connection:
        kinds = sorted(r.kind for r in connection.execute(select(enforcement_records.c.kind).where(
            enforcement_records.c.enterprise_id == "C-NA1")))  # fmt: skip
        hazards = connection.execute(select(hazard_reports.c.description).where(
            hazard_reports.c.enterprise_id == "C-NA1")).scalars().all()  # fmt: skip
    assert kinds == ["检查隐患", "现场检查"]
    assert hazards and hazards[0].startswith("执法检查发现：除尘器泄爆口被杂物遮挡")
    assert inspections.oversight.coefficients.onsite_visits(ADMIN, "C-NA1", YEAR) == 1


def test_special_approval_covers_one_unplanned_visit(inspections) -> None:  # type: ignore[no-untyped-def]
    approval = inspections.plans.request_special(INSPECTOR, "C-NA2", "群众举报粉尘积聚")
    with pytest.raises(AccessDenied):
        inspections.plans.decide_special(INSPECTOR, approval["id"], True)
    inspections.plans.decide_special(HEAD, approval["id"], True)
    _, record = _start(inspections, "C-NA2")
    assert record["approval_id"] == approval["id"]
    _, second = _start(inspections, "C-NA2")
    assert second["approval_id"] is None  # an approval is used once
