"""`coefficient list/explain` and `inspections warnings` on a seeded demo, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import os

    env = dict(os.environ, MINQIAN_DATA_DIR=str(tmp_path_factory.mktemp("oversight") / "data"), HF_HUB_OFFLINE="1")
    seeded = _cli(env, "demo", "seed", "--population", "60")
    assert seeded.returncode == 0, seeded.stderr
    assert "模拟执法检查" in seeded.stdout and "虚构" in seeded.stdout
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minqian.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600, cwd=Path(__file__).resolve().parents[2])  # fmt: skip


def test_coefficient_list_and_explain_add_up(env: dict[str, str]) -> None:
    listed = json.loads(_cli(env, "coefficient", "list", "--json").stdout)
    assert len(listed) == 64  # 4 DEMO enterprises and 60 synthetic ones
    keys = {"enterprise", "name", "city", "county", "industry", "coefficient", "grade", "onsite_cap"}
    assert all(keys <= set(row) for row in listed)
    first = listed[0]
    shown = json.loads(_cli(env, "coefficient", "explain", first["enterprise"], "--json").stdout)
    assert sum(i["points"] for i in shown["breakdown"]["items"]) == pytest.approx(shown["coefficient"])
    assert shown["coefficient"] == first["coefficient"]


def test_inspection_warnings_list_the_injected_cases(env: dict[str, str]) -> None:
    result = _cli(env, "inspections", "warnings", "--json")
    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)
    assert warnings and {w["type"] for w in warnings} <= {"多头检查", "重复检查", "高频次检查", "无计划检查"}
    assert all(w["enterprise"] and w["inspections"] and w["reason"] for w in warnings)
    only = json.loads(_cli(env, "inspections", "warnings", "--json", "--type", "重复检查").stdout)
    assert {w["type"] for w in only} <= {"重复检查"}
    again = _cli(env, "demo", "seed", "--population", "60")
    assert "未重复生成" in again.stdout
