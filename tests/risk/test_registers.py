"""Registers and their codes on SQLite and PostgreSQL: issue, carry over, supersede, revoke, access."""

from __future__ import annotations

import pytest

from minqian.errors import AccessDenied, InvalidRecord, RecordNotFound, StateConflict
from minqian.risk.desk import RiskDesk
from minqian.risk.identification import SiteProfile
from minqian.risk.registers import DraftEntry, draft_entry
from tests.risk.conftest import (
    FUQING_COUNTY,
    JINJIANG_COUNTY,
    NANAN_COUNTY,
    OTHER,
    OWNER,
    PROVINCE,
    QUANZHOU,
)  # fmt: skip

PROFILE = SiteProfile("危化", people=8)
WAREHOUSE, STACKING = "RS-012-01", "RS-012-03"


def _entry(desk: RiskDesk, point: str, share: float, responsible: str = "许文斌", **kw) -> DraftEntry:  # type: ignore[no-untyped-def]
    controls = len(desk.knowledge.points[point].controls)
    return draft_entry(desk.knowledge, point, list(range(round(controls * share))), PROFILE, "LEC",
                       responsible=responsible, **kw)  # fmt: skip


def test_confirm_issues_codes_only_for_major_and_large_risks(desk: RiskDesk) -> None:
    entries = [_entry(desk, WAREHOUSE, 0), _entry(desk, WAREHOUSE, 1.0, location="二号甲类仓库"),
               _entry(desk, STACKING, 1.0)]  # fmt: skip
    assert [e.grading.grade for e in entries] == ["重大", "较大", "一般"]
    confirmed = desk.registers.confirm(OWNER, "E-JJ", entries, "LEC", {"industry": "危化"})
    assert confirmed.version == 1 and len(confirmed.entries) == 3
    assert sorted(c["grade"] for c in confirmed.issued) == ["较大", "重大"]
    code = confirmed.issued[0]
    assert code["url"].startswith("http://127.0.0.1:8000/r/RC") and code["status"] == "有效"
    scanned = desk.codes.scan(code["url"].rsplit("/", 1)[1])
    assert scanned.valid and scanned.snapshot["enterprise"] == "晋江测试化工有限公司（测试）"
    assert scanned.snapshot["patrol_checks"] and scanned.snapshot["safe_operation"]
    assert any(a["id"] == "AC-001" for a in scanned.snapshot["accidents"])  # 天津港, tagged 危险化学品储存
    register = desk.registers.current(OWNER, "E-JJ")
    assert register is not None and [e["grade"] for e in register["entries"]] == ["重大", "较大", "一般"]
    assert register["entries"][0]["controls_in_place"] == []


def test_reconfirming_keeps_unchanged_codes_supersedes_changed_and_revokes_removed(desk: RiskDesk) -> None:
    first = desk.registers.confirm(OWNER, "E-JJ", [
        _entry(desk, WAREHOUSE, 0), _entry(desk, WAREHOUSE, 0, location="二号甲类仓库"),
    ], "LEC", {})  # fmt: skip
    by_location = {c["location"]: c for c in first.issued}
    second = desk.registers.confirm(OWNER, "E-JJ", [
        _entry(desk, WAREHOUSE, 0), _entry(desk, STACKING, 0, location="成品库"),
    ], "LEC", {})  # fmt: skip
    unchanged = by_location[desk.knowledge.points[WAREHOUSE].location]
    assert [c["id"] for c in second.kept] == [unchanged["id"]]
    assert second.withdrawn == [by_location["二号甲类仓库"]["id"]]
    assert desk.codes.get(OWNER, by_location["二号甲类仓库"]["id"])["status"] == "已撤销"

    third = desk.registers.confirm(OWNER, "E-JJ", [
        _entry(desk, WAREHOUSE, 1.0), _entry(desk, STACKING, 0, location="成品库"),
    ], "LEC", {})  # fmt: skip
    reissued = next(c for c in third.issued if c["lineage"] == unchanged["id"])
    assert reissued["version"] == 2 and reissued["grade"] == "较大"
    old = desk.codes.scan(unchanged["url"].rsplit("/", 1)[1])
    assert not old.valid and old.row["status"] == "已被替代" and old.row["superseded_by"] == reissued["id"]
    assert third.version == 3
    active = desk.codes.list(OWNER, "E-JJ")
    assert {c["id"] for c in active} == {reissued["id"], *(c["id"] for c in third.kept)}
    assert len(desk.codes.list(OWNER, "E-JJ", include_withdrawn=True)) == 4


def test_forged_or_unknown_tokens_are_not_found(desk: RiskDesk) -> None:
    code = desk.registers.confirm(OWNER, "E-JJ", [_entry(desk, WAREHOUSE, 0)], "LEC", {}).issued[0]
    token = code["url"].rsplit("/", 1)[1]
    code_id, signature = token.split(".")
    for forged in (f"{code_id}.{signature[:-2]}xx", f"RC0000000000.{signature}", code_id, ""):
        with pytest.raises(RecordNotFound):
            desk.codes.scan(forged)


def test_revoking_a_code_is_for_its_own_enterprise_and_only_once(desk: RiskDesk) -> None:
    code = desk.registers.confirm(OWNER, "E-JJ", [_entry(desk, WAREHOUSE, 0)], "LEC", {}).issued[0]
    with pytest.raises(AccessDenied):
        desk.codes.revoke(OTHER, code["id"])
    with pytest.raises(AccessDenied):
        desk.codes.revoke(JINJIANG_COUNTY, code["id"])  # inspectors read, enterprises act
    assert desk.codes.revoke(OWNER, code["id"])["status"] == "已撤销"
    assert not desk.codes.scan(code["url"].rsplit("/", 1)[1]).valid
    with pytest.raises(StateConflict):
        desk.codes.revoke(OWNER, code["id"])


@pytest.mark.parametrize(("principal", "allowed"), [
    (OWNER, True), (OTHER, False), (PROVINCE, True), (QUANZHOU, True), (JINJIANG_COUNTY, True),
    (NANAN_COUNTY, False), (FUQING_COUNTY, False),
])  # fmt: skip
def test_registers_and_codes_are_seen_only_by_the_enterprise_and_its_area(
    desk: RiskDesk, principal, allowed: bool  # type: ignore[no-untyped-def]
) -> None:
    code = desk.registers.confirm(OWNER, "E-JJ", [_entry(desk, WAREHOUSE, 0)], "LEC", {}).issued[0]
    calls = (lambda: desk.registers.current(principal, "E-JJ"), lambda: desk.codes.list(principal, "E-JJ"),
             lambda: desk.codes.get(principal, code["id"]))  # fmt: skip
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(AccessDenied):
                call()
    visible = {c["id"] for c in desk.codes.list(principal)}
    assert (code["id"] in visible) is allowed


def test_only_the_enterprise_itself_confirms_and_points_need_responsible_people(desk: RiskDesk) -> None:
    entries = [_entry(desk, WAREHOUSE, 0)]
    for outsider in (OTHER, QUANZHOU):
        with pytest.raises(AccessDenied):
            desk.registers.confirm(outsider, "E-JJ", entries, "LEC", {})
    with pytest.raises(InvalidRecord, match="必须指定责任人"):
        desk.registers.confirm(OWNER, "E-JJ", [_entry(desk, WAREHOUSE, 0, responsible=" ")], "LEC", {})
    with pytest.raises(InvalidRecord, match="重复"):
        desk.registers.confirm(OWNER, "E-JJ", entries * 2, "LEC", {})
    with pytest.raises(InvalidRecord, match="不在风险场景库"):
        draft_entry(desk.knowledge, "RS-999-01", [], PROFILE, "LEC")
    with pytest.raises(RecordNotFound):
        desk.registers.confirm(OWNER, "E-404", entries, "LEC", {})
    assert desk.registers.current(OWNER, "E-JJ") is None  # nothing half-written


def test_production_needs_a_shared_code_secret(make_settings) -> None:  # type: ignore[no-untyped-def]
    from minqian.errors import ConfigurationError
    from minqian.risk.tokens import open_signer

    with pytest.raises(ConfigurationError, match="MINQIAN_RISK__CODE_SECRET"):
        open_signer(make_settings(env="production"))
    signer = open_signer(make_settings(env="production", risk={"code_secret": "s" * 32}))
    assert signer.verify(signer.token("RC1", "n"), "n")
