"""The chat's record tools against every role: answers stay inside the caller's enterprise or area.

Key holders ask through POST /v1/chat/completions; the reviewer (no chat
route), a worker and a turn without any principal ask through
AssistantService.ask, which is what the console and other callers use.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import needs_shared
from tests.security.conftest import CJK, auth, leaked
from tests.security.world import ADMIN, REACH, ROLES, SPECS, SYSTEM_READY, TARGETS, A, B, Spec, World

pytestmark = needs_shared
BY_SERVICE = ("reviewer", "worker", "anonymous")
SUPERVISING = ("admin", "inspector", "inspector_city", "inspector_county", "reviewer", "system")
# (own, other) → what an answer about that enterprise shows: its records, the caller's own instead, or a refusal.
ABOUT = {"admin": ("data", "data"), "inspector": ("data", "data"), "inspector_city": ("data", "refused"),
         "inspector_county": ("data", "refused"), "reviewer": ("data", "refused"), "system": ("data", "refused"),
         "enterprise_a": ("data", "own"), "enterprise_b": ("data", "own"), "worker": ("data", "own"),
         "anonymous": ("refused", "refused")}  # fmt: skip
# The checklist tool names the enterprise from the question for everyone, so enterprises are refused.
CHECKLIST = ABOUT | {"enterprise_a": ("data", "refused"), "enterprise_b": ("data", "refused"),
                     "worker": ("data", "refused")}  # fmt: skip
QUESTIONS = {  # kind → (question, what only an answer with the records holds, outcome table)
    "register": ("{name}的风险清单", "location", ABOUT),
    "hazard reports": ("{name}的隐患报告", "hazard", ABOUT),
    "patrols": ("{name}的巡查记录", "worker", ABOUT),
    "codes": ("{name}的风险管理码", "location", ABOUT),
    "coefficient": ("{name}的安全生产系数是多少，为什么扣分？", "coefficient", ABOUT),
    "visits left": ("{name}今年还能现场检查几次？", "还可现场检查", ABOUT),
    "checklist": ("{name}的检查清单", "适用的通用检查事项", CHECKLIST),
}
REFUSALS = ("不在您的辖区", "只能查看本企业", "仅向监管部门", "请说明要查询的企业")


def _system_mark(role: str) -> list[Any]:
    return [] if SYSTEM_READY or role != "system" else [pytest.mark.xfail(strict=True, reason="no system role yet")]


def ask(world: World, client: httpx.Client, role: str, text: str, conversation: str | None = None) -> str:
    if role in BY_SERVICE:
        state = world.app.state
        principal = {"reviewer": world.principals["reviewer"], "anonymous": None,
                     "worker": state.risk.workers.authenticate(world.ent(A).worker_token)}[role]  # fmt: skip
        return state.assistant.ask(text, conversation, principal=principal).text
    body = {"model": "minqian", "messages": [{"role": "user", "content": text}], "conversation_id": conversation}
    response = client.post("/v1/chat/completions", headers=auth(world, role), json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def _evidence(world: World, spec: Spec, what: str) -> str:
    if what == "coefficient":
        shown = world.app.state.coefficients.scores.explain(ADMIN, spec.id)
        return f"安全生产系数 {shown['coefficient']:g} 分"
    return spec.texts.get(what, what)


@pytest.mark.parametrize(("kind", "role", "target"), [
    pytest.param(kind, role, target, id=f"{kind} | {role} | {target}", marks=_system_mark(role))
    for kind in QUESTIONS for role in ROLES for target in ("own", "other")])  # fmt: skip
def test_questions_about_one_enterprise(world: World, client: httpx.Client, kind: str, role: str, target: str) -> None:
    template, what, table = QUESTIONS[kind]
    own, other = TARGETS[role]
    spec = own if target == "own" else other
    answer = ask(world, client, role, template.format(name=spec.name))
    outcome = table[role][0 if target == "own" else 1]
    assert not leaked(answer, world.hidden_markers(role)), answer
    if outcome == "data":
        assert spec.name in answer and _evidence(world, spec, what) in answer, answer
    elif outcome == "own":  # an enterprise naming another gets its own records, never the other's
        assert own.name in answer and not leaked(answer, world.ent(spec).markers()), answer
    else:
        assert not leaked(answer, world.ent(spec).markers()) and any(r in answer for r in REFUSALS), answer


@pytest.mark.parametrize("role", [pytest.param(r, marks=_system_mark(r)) for r in ROLES])
def test_repeated_inspections_name_only_enterprises_in_reach(world: World, client: httpx.Client, role: str) -> None:
    answer = ask(world, client, role, "本月哪些企业被重复检查？")
    named = {s for s in SPECS if s.name in answer}
    if role in SUPERVISING:
        assert "重复检查" in answer and named == REACH[role], answer
    else:
        assert named == set() and "仅向监管部门人员提供" in answer, answer


@pytest.mark.parametrize("role", [pytest.param(r, marks=_system_mark(r)) for r in ROLES])
def test_area_overviews_count_only_the_area(world: World, client: httpx.Client, role: str) -> None:
    codes = ask(world, client, role, "辖区的风险管理码有多少个？")
    ranking = ask(world, client, role, "本辖区系数最低的十家企业")
    ours = ask(world, client, role, "我们的风险清单")
    for answer in (codes, ranking, ours):
        assert CJK.search(answer) and not leaked(answer, world.hidden_markers(role)), answer
    if role in SUPERVISING:
        reach = len(REACH[role])  # two coded points per enterprise
        assert f"登记企业 {reach} 家，有效风险管理码 {2 * reach} 个" in codes, codes
        assert {s for s in SPECS if s.name in ranking} == REACH[role], ranking
    elif role == "anonymous":
        assert "请说明要查询的企业" in codes and not any(s.name in ranking for s in SPECS), (codes, ranking)
    else:
        own = TARGETS[role][0]
        assert own.texts["location"] in codes and own.texts["location"] in ours, (codes, ours)
        assert {s for s in SPECS if s.name in ranking} == {own}, ranking


def test_a_follow_up_does_not_open_what_the_first_question_could_not(world: World, client: httpx.Client) -> None:
    first = client.post("/v1/chat/completions", headers=auth(world, "inspector_county"), json={
        "messages": [{"role": "user", "content": f"{B.name}的安全生产系数是多少？"}]}).json()
    assert "不在您的辖区" in first["choices"][0]["message"]["content"]
    for follow_up in ("这家企业今年还能现场检查几次？", "那它的隐患报告呢？", "它的风险清单"):
        answer = ask(world, client, "inspector_county", follow_up, first["conversation_id"])
        assert not leaked(answer, world.ent(B).markers()), answer


def test_another_callers_conversation_cannot_be_continued(world: World, client: httpx.Client) -> None:
    started = client.post("/v1/chat/completions", headers=auth(world, "enterprise_a"), json={
        "messages": [{"role": "user", "content": "帮我做风险辨识"}]}).json()
    conversation = started["conversation_id"]
    assert started["prompt"], started  # the guided dialogue is waiting for A's answer
    for intruder in ("enterprise_b", "inspector_county", "admin"):
        response = client.post("/v1/chat/completions", headers=auth(world, intruder), json={
            "conversation_id": conversation, "messages": [{"role": "user", "content": "1"}]})
        assert response.status_code == 403, response.text
        assert CJK.search(response.json()["error"]["message"]) and A.name not in response.text
    by_header = auth(world, "enterprise_b") | {"X-Conversation-Id": conversation}
    header = client.post("/v1/chat/completions", headers=by_header,
                         json={"messages": [{"role": "user", "content": "1"}]})  # fmt: skip
    assert header.status_code == 403


@pytest.mark.parametrize("role", ["admin", "inspector", "inspector_county", "reviewer", "worker", "anonymous"])
def test_only_an_enterprise_user_can_run_the_identification(world: World, client: httpx.Client, role: str) -> None:
    registers = world.app.state.risk.registers
    before = registers.current(ADMIN, A.id)["version"]
    answer = ask(world, client, role, "帮我做风险辨识")
    assert "风险辨识" in answer and not leaked(answer, world.hidden_markers(role)), answer
    assert registers.current(ADMIN, A.id)["version"] == before
