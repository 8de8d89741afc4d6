"""Facts from three sources, published snapshots, history and explanations, access by area."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from minqian.coefficient.facts import Period, collect_facts
from minqian.coefficient.scoring import NOT_APPLICABLE
from minqian.errors import AccessDenied, InvalidRecord
from minqian.risk.identification import SiteProfile
from minqian.risk.registers import draft_entry
from tests.coefficient.conftest import ADMIN, INSPECTOR_NA, INSPECTOR_QZ, OWNER_NA1, PERFECT_REPORT

THIS_MONTH = Period.of(datetime.now(UTC).date())
LAST_MONTH = THIS_MONTH.previous()


def test_facts_come_from_reports_the_system_and_inspectors(desks) -> None:  # type: ignore[no-untyped-def]
    risk, coefficients = desks
    coefficients.inputs.report(OWNER_NA1, "C-NA1", LAST_MONTH.label, PERFECT_REPORT)
    coefficients.inputs.report(OWNER_NA1, "C-NA1", THIS_MONTH.label, {"training_rate": 0.8})
    entry = draft_entry(risk.knowledge, "RS-001-01", [], SiteProfile("工贸", people=20), "LEC", responsible="陈")
    code = risk.registers.confirm(OWNER_NA1, "C-NA1", [entry], "LEC", {}).issued[0]
    _, worker = risk.workers.issue(OWNER_NA1, "C-NA1", "王")
    token = code["url"].rsplit("/", 1)[1]
    checks = risk.codes.scan(token).snapshot["patrol_checks"]
    risk.field.check_in(token, worker, [{"item": c, "ok": True} for c in checks])
    report = risk.field.report_hazard(token, worker, "泄爆片破损")
    for state in ("整改中", "已整改", "已验收"):
        risk.field.move_report(OWNER_NA1, report["id"], state)
    today = datetime.now(UTC).date()
    coefficients.inputs.record(INSPECTOR_NA, "C-NA1", "行政处罚", today, "未按规定培训", amount=20000)
    coefficients.inputs.record(INSPECTOR_NA, "C-NA1", "检查隐患", date(today.year - 1, today.month, 1), "除尘器未接地",
                               level="重大隐患", deadline=date(today.year - 1, today.month, 15))  # fmt: skip

    enterprises = risk.enterprises.list(ADMIN)
    facts = collect_facts(coefficients.scores._engine, enterprises, THIS_MONTH)["C-NA1"]
    assert facts["training_rate"] == 0.8 and facts["principal_meetings"] == 4  # latest report wins per field
    assert facts["register_current"] is True and facts["codes_in_use_rate"] == 1.0
    assert 0 < facts["patrol_rate"] < 1  # one day of check-ins out of the month's workdays
    assert facts["internal_closure_rate"] == 1.0 and facts["mean_fix_days"] < 1
    assert facts["penalties"] == 1 and facts["overdue_major_hazards"] == 1 and facts["inspection_fix_rate"] == 0
    quiet = collect_facts(coefficients.scores._engine, enterprises, THIS_MONTH)["C-NA2"]
    assert quiet["register_current"] is False and quiet["codes_in_use_rate"] is None
    assert quiet["internal_closure_rate"] == NOT_APPLICABLE and quiet["penalties"] == 0


def test_publication_history_and_explained_differences(desks) -> None:  # type: ignore[no-untyped-def]
    _, coefficients = desks
    coefficients.inputs.report(OWNER_NA1, "C-NA1", LAST_MONTH.label, PERFECT_REPORT)
    assert coefficients.scores.publish(ADMIN, LAST_MONTH) == 4
    coefficients.inputs.report(OWNER_NA1, "C-NA1", THIS_MONTH.label, {"drills": 1, "standardisation_level": "三级"})
    coefficients.scores.publish(ADMIN, THIS_MONTH)
    coefficients.scores.publish(ADMIN, THIS_MONTH)  # re-publishing replaces, never duplicates

    shown = coefficients.scores.explain(OWNER_NA1, "C-NA1")
    assert shown["period"] == THIS_MONTH.label
    assert sum(i["points"] for i in shown["breakdown"]["items"]) == pytest.approx(shown["coefficient"])
    history = coefficients.scores.history(OWNER_NA1, "C-NA1")
    assert [h["period"] for h in history] == [LAST_MONTH.label, THIS_MONTH.label]
    diff = coefficients.scores.compare(OWNER_NA1, "C-NA1", LAST_MONTH.label, THIS_MONTH.label)
    assert {c["indicator"] for c in diff["changes"]} == {"R3", "S1"}
    assert diff["delta"] == pytest.approx(-6) and diff["changes"][0]["indicator"] == "S1"
    assert diff["changes"][0]["reason_after"].endswith("（三级）")


def test_listing_and_explanations_follow_role_and_area(desks) -> None:  # type: ignore[no-untyped-def]
    _, coefficients = desks
    coefficients.scores.publish(ADMIN, THIS_MONTH)
    ids = lambda p: {r["enterprise"] for r in coefficients.scores.listing(p)}  # noqa: E731
    assert ids(ADMIN) == {"C-NA1", "C-NA2", "C-JJ1", "C-FQ1"}
    assert ids(INSPECTOR_QZ) == {"C-NA1", "C-NA2", "C-JJ1"}
    assert ids(INSPECTOR_NA) == {"C-NA1", "C-NA2"}
    assert ids(OWNER_NA1) == {"C-NA1"}
    for principal, target in ((INSPECTOR_NA, "C-JJ1"), (OWNER_NA1, "C-NA2"), (INSPECTOR_QZ, "C-FQ1")):
        with pytest.raises(AccessDenied):
            coefficients.scores.explain(principal, target)
    with pytest.raises(AccessDenied):
        coefficients.scores.publish(INSPECTOR_QZ, THIS_MONTH)


def test_csv_import_reports_bad_rows_and_keeps_the_good(desks) -> None:  # type: ignore[no-untyped-def]
    _, coefficients = desks
    text = ("enterprise_id,period,field,value\n"
            f"C-NA1,{THIS_MONTH.label},training_rate,0.9\n"
            f"C-NA1,{THIS_MONTH.label},training_rate,1.9\n"
            f"C-NA1,2026-13,drills,2\n"
            f"C-NA1,{THIS_MONTH.label},magic,1\n"
            f"C-NA2,{THIS_MONTH.label},drills,2\n"
            f"C-NA1,{THIS_MONTH.label},licence_valid,是\n")  # fmt: skip
    result = coefficients.inputs.import_csv(OWNER_NA1, text)
    assert result.stored == 2
    assert [e["row"] for e in result.errors] == [3, 4, 5, 6]
    assert "0 到 1" in result.errors[0]["message"] and "只能查看本企业" in result.errors[3]["message"]
    facts = collect_facts(coefficients.scores._engine, coefficients.scores.enterprises.list(ADMIN), THIS_MONTH)
    assert facts["C-NA1"]["training_rate"] == 0.9 and facts["C-NA1"]["licence_valid"] is True
    assert "drills" not in facts["C-NA2"]
    with pytest.raises(InvalidRecord, match="缺少列"):
        coefficients.inputs.import_csv(OWNER_NA1, "enterprise,value\nx,1\n")


def test_enforcement_records_are_for_inspectors_and_checked(desks) -> None:  # type: ignore[no-untyped-def]
    _, coefficients = desks
    today = datetime.now(UTC).date()
    with pytest.raises(AccessDenied):
        coefficients.inputs.record(OWNER_NA1, "C-NA1", "行政处罚", today, "x", amount=1)
    with pytest.raises(AccessDenied):
        coefficients.inputs.record(INSPECTOR_NA, "C-JJ1", "行政处罚", today, "x", amount=1)
    with pytest.raises(InvalidRecord, match="事故等级"):
        coefficients.inputs.record(INSPECTOR_NA, "C-NA1", "生产安全事故", today, "x", level="很大")
    with pytest.raises(InvalidRecord, match="整改期限"):
        coefficients.inputs.record(INSPECTOR_NA, "C-NA1", "检查隐患", today, "x", level="一般隐患")
