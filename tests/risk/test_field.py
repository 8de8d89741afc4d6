"""Workers, patrol check-ins and hazard reports at a posted code, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from minqian.errors import AccessDenied, InvalidRecord, StateConflict
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile
from minqian.risk.registers import draft_entry
from tests.risk.conftest import JINJIANG_COUNTY, NANAN_COUNTY, OTHER, OWNER


@pytest.fixture
def posted(desk: RiskDesk) -> dict[str, str]:
    """A 重大 code at the 甲类仓库 and a worker of its enterprise."""
    entry = draft_entry(desk.knowledge, "RS-012-01", [], SiteProfile("危化", people=8), "LEC", responsible="许文斌")
    code = desk.registers.confirm(OWNER, "E-JJ", [entry], "LEC", {}).issued[0]
    _, worker = desk.workers.issue(OWNER, "E-JJ", "周大勇")
    _, outsider = desk.workers.issue(OTHER, "E-NA", "外厂员工")
    return {"token": code["url"].rsplit("/", 1)[1], "id": code["id"], "worker": worker, "outsider": outsider}


def _answers(desk: RiskDesk, token: str, bad: int = -1) -> list[dict[str, object]]:
    checks = desk.codes.scan(token).snapshot["patrol_checks"]
    return [{"item": c, "ok": n != bad} for n, c in enumerate(checks)]


def test_check_in_records_every_item_and_is_listed_for_the_enterprise(desk: RiskDesk, posted) -> None:  # type: ignore[no-untyped-def]
    record = desk.field.check_in(posted["token"], posted["worker"], _answers(desk, posted["token"], bad=1), "门锁损坏")
    assert record["worker"] == "周大勇" and record["all_ok"] is False and record["note"] == "门锁损坏"
    listed = desk.field.patrols(OWNER, "E-JJ")
    assert [p["id"] for p in listed] == [record["id"]] and listed[0]["items"][1]["ok"] is False
    assert desk.field.patrols(JINJIANG_COUNTY, "E-JJ")[0]["id"] == record["id"]
    for outsider in (OTHER, NANAN_COUNTY):
        with pytest.raises(AccessDenied):
            desk.field.patrols(outsider, "E-JJ")


def test_check_in_needs_every_item_a_worker_of_the_enterprise_and_a_valid_code(desk: RiskDesk, posted) -> None:  # type: ignore[no-untyped-def]
    answers = _answers(desk, posted["token"])
    with pytest.raises(InvalidRecord, match="缺少"):
        desk.field.check_in(posted["token"], posted["worker"], answers[:-1])
    with pytest.raises(InvalidRecord, match="未知项目"):
        desk.field.check_in(posted["token"], posted["worker"], [*answers, {"item": "编造的项目", "ok": True}])
    with pytest.raises(AccessDenied, match="不是该企业的员工"):
        desk.field.check_in(posted["token"], posted["outsider"], answers)
    with pytest.raises(AccessDenied, match="身份码无效"):
        desk.field.check_in(posted["token"], "mqw_not-a-real-token", answers)
    worker_id = desk.workers.list(OWNER, "E-JJ")[0]["id"]
    desk.workers.revoke(OWNER, worker_id)
    with pytest.raises(AccessDenied):
        desk.field.check_in(posted["token"], posted["worker"], answers)
    _, fresh = desk.workers.issue(OWNER, "E-JJ", "新员工")
    desk.codes.revoke(OWNER, posted["id"])
    with pytest.raises(StateConflict, match="已失效"):
        desk.field.check_in(posted["token"], fresh, answers)
    assert desk.field.patrols(OWNER, "E-JJ") == []  # nothing was written by the refused calls


def test_hazard_report_moves_through_its_states_with_history(desk: RiskDesk, posted) -> None:  # type: ignore[no-untyped-def]
    report = desk.field.report_hazard(
        posted["token"], posted["worker"], "仓库东侧可燃气体报警器不亮", severity="重大隐患"
    )
    assert report["status"] == "已上报" and report["reporter"] == "周大勇"
    assert report["location"] == desk.knowledge.points["RS-012-01"].location
    with pytest.raises(StateConflict, match="可改为：整改中"):
        desk.field.move_report(OWNER, report["id"], "已验收")
    with pytest.raises(AccessDenied):
        desk.field.move_report(JINJIANG_COUNTY, report["id"], "整改中")  # inspectors see, do not act
    desk.field.move_report(OWNER, report["id"], "整改中", "已通知电工")
    desk.field.move_report(OWNER, report["id"], "已整改", "更换探头")
    desk.field.move_report(OWNER, report["id"], "整改中", "验收不合格：未标定")
    desk.field.move_report(OWNER, report["id"], "已整改", "已标定")
    done = desk.field.move_report(OWNER, report["id"], "已验收", "验收合格")
    assert done["status"] == "已验收"
    assert [h["to"] for h in done["history"]] == ["已上报", "整改中", "已整改", "整改中", "已整改", "已验收"]
    assert done["history"][3]["note"] == "验收不合格：未标定"
    with pytest.raises(StateConflict):
        desk.field.move_report(OWNER, report["id"], "整改中")
    assert [r["status"] for r in desk.field.reports(JINJIANG_COUNTY, "E-JJ")] == ["已验收"]
    with pytest.raises(AccessDenied):
        desk.field.report(OTHER, report["id"])
    with pytest.raises(InvalidRecord):
        desk.field.report_hazard(posted["token"], posted["worker"], "  ")
