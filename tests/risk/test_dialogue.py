"""Guided identification end to end: a paused dialogue survives restarts and confirms a register."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import cv2
import numpy as np
import pytest

from agent.checkpoints import open_checkpointer
from agent.service import AssistantService
from minqian.access import Principal
from minqian.database import init_schema, open_records
from minqian.enterprises import Enterprise
from minqian.risk.desk import RiskDesk, open_risk_desk
from minqian.risk.labels import qr_png
from tests.conftest import needs_shared
from tests.qr import decode_qr

pytestmark = needs_shared

ALUMINIUM = Enterprise("E-AL", "南安测试铝业有限公司（测试）", "工贸", "机械", "3505", "350583", synthetic=True)
COLD = Enterprise("E-CL", "福清测试冷链有限公司（测试）", "工贸", "轻工", "3501", "350181", synthetic=True)


@pytest.fixture
def settings(shared_kb, tmp_path: Path):  # type: ignore[no-untyped-def]
    return shared_kb.settings.model_copy(update={"data_dir": tmp_path})


@contextmanager
def assistant(shared_kb, settings) -> Iterator[tuple[AssistantService, RiskDesk]]:  # type: ignore[no-untyped-def]
    """A service as a fresh process would build it over the same files."""
    with ExitStack() as stack:
        engine = open_records(settings)
        stack.callback(engine.dispose)
        init_schema(engine)
        desk = open_risk_desk(settings, engine)
        yield AssistantService(shared_kb, settings, open_checkpointer(settings, stack), desk=desk), desk


def _decode(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    text = decode_qr(image)
    return str(text)


def run_dialogue(shared_kb, settings, principal: Principal, answers: list[str]) -> tuple[list, str]:  # type: ignore[no-untyped-def]
    """Answer each question, restarting the service between every two turns."""
    turns, conversation = [], None
    for number, answer in enumerate(["帮我做风险辨识", *answers]):
        with assistant(shared_kb, settings) as (service, _):
            turn = service.ask(answer, conversation, principal=principal)
        conversation = turn.conversation_id
        turns.append(turn)
        if turn.prompt is None and number < len(answers):
            raise AssertionError(f"dialogue ended early at {answer!r}: {turn.text}")
    assert conversation is not None
    return turns, conversation


def test_dust_explosion_workshop_reaches_coded_points_across_restarts(shared_kb, settings) -> None:  # type: ignore[no-untyped-def]
    with assistant(shared_kb, settings) as (_, desk):
        desk.enterprises.add(ALUMINIUM)
    owner = Principal("enterprise", "key-al", "铝业", "E-AL")
    description = ["是", "铝合金轮毂打磨抛光车间", "布袋除尘器、打磨机12台", "铝粉尘", "约30人"]
    turns, conversation = run_dialogue(shared_kb, settings, owner, description)
    proposal = turns[-1]
    assert proposal.prompt and proposal.prompt["step"] == "select"
    assert "粉尘涉爆" in proposal.text and "除尘" in proposal.text

    with assistant(shared_kb, settings) as (service, desk):
        dust = [n for n, line in enumerate(proposal.text.splitlines()[1:-1], 1) if "【粉尘涉爆】" in line]
        turn = service.ask(" ".join(map(str, dust)), conversation, principal=owner)
        for _ in dust:  # the first point has every control in place, the rest none
            assert turn.prompt and turn.prompt["step"] == "controls"
            turn = service.ask("全部" if _ == dust[0] else "无", conversation, principal=owner)
        assert turn.prompt and turn.prompt["step"] == "review"
        assert "D = L×E×C" in turn.text
        turn = service.ask("确认", conversation, principal=owner)
        assert turn.prompt and "必须指定责任人" in turn.text  # refused, still waiting
        turn = service.ask("全部 责任人 陈建华", conversation, principal=owner)
        turn = service.ask("确认", conversation, principal=owner)
        assert turn.prompt is None and "风险清单已确认并保存（第 1 版）" in turn.text

        register = desk.registers.current(owner, "E-AL")
        assert register is not None and {e["scenario"] for e in register["entries"]} == {"粉尘涉爆"}
        grades = [e["grade"] for e in register["entries"]]
        assert grades[0] in ("较大", "重大") and set(grades[1:]) <= {"重大"}
        codes = desk.codes.list(owner, "E-AL")
        assert len(codes) == sum(g in ("较大", "重大") for g in grades) >= 2
        for code in codes:
            assert code["url"] in turn.text and _decode(qr_png(code["url"])) == code["url"]
        history = service.history(conversation)
        assert history[0]["content"] == "帮我做风险辨识" and history[-1]["content"] == turn.text


def test_ammonia_plant_with_a_major_hazard_quantity(shared_kb, settings) -> None:  # type: ignore[no-untyped-def]
    with assistant(shared_kb, settings) as (_, desk):
        desk.enterprises.add(COLD)
    owner = Principal("enterprise", "key-cl", "冷链", "E-CL")
    turns, conversation = run_dialogue(shared_kb, settings, owner, [
        "1", "水产品速冻加工车间、氨制冷机房", "液氨储罐、冷风机、叉车", "液氨12吨", "40"])  # fmt: skip
    proposal = turns[-1].text
    assert "【涉氨制冷】" in proposal
    with assistant(shared_kb, settings) as (service, desk):
        ammonia = [n for n, line in enumerate(proposal.splitlines()[1:-1], 1) if "【涉氨制冷】" in line]
        turn = service.ask(" ".join(map(str, ammonia)), conversation, principal=owner)
        while turn.prompt and turn.prompt["step"] == "controls":
            turn = service.ask("1 2 3", conversation, principal=owner)
        turn = service.ask("方法 矩阵", conversation, principal=owner)
        assert "5×5风险矩阵法" in turn.text and "R = 可能性×严重性" in turn.text
        service.ask("全部 责任人 郑国平", conversation, principal=owner)
        done = service.ask("确认", conversation, principal=owner)
        assert done.prompt is None
        register = desk.registers.current(owner, "E-CL")
        assert register is not None and register["method"] == "matrix"
        assert {e["grade"] for e in register["entries"]} <= {"较大", "重大"}
        assert desk.codes.list(owner, "E-CL")


def test_identification_is_for_enterprise_accounts_and_can_be_cancelled(shared_kb, settings) -> None:  # type: ignore[no-untyped-def]
    with assistant(shared_kb, settings) as (service, desk):
        desk.enterprises.add(COLD)
        inspector = service.ask("帮我做风险辨识", principal=Principal("inspector", "k", "检查员", None, "3501"))
        assert inspector.prompt is None and "需要以企业账号进行" in inspector.text
        owner = Principal("enterprise", "key-cl", "冷链", "E-CL")
        first = service.ask("帮我做风险辨识", principal=owner)
        assert first.prompt and first.prompt["choices"] == ["工贸", "危化", "非煤矿山"]
        again = service.ask("随便", first.conversation_id, principal=owner)
        assert again.prompt and "没有看懂所选行业" in again.text
        cancelled = service.ask("取消", first.conversation_id, principal=owner)
        assert cancelled.prompt is None and "已退出风险辨识" in cancelled.text
        after = service.ask("那动火作业要审批吗？", first.conversation_id, principal=owner)
        assert after.mode in ("extractive", "abstain") and after.prompt is None
        assert desk.registers.current(owner, "E-CL") is None
