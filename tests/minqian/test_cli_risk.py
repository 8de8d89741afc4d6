"""`minqian demo seed`, `risk-codes list`, `enterprises list` and enterprise keys, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from tests.qr import decode_qr


@pytest.fixture
def env(subprocess_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return dict(subprocess_env, MINQIAN_DATA_DIR=str(tmp_path / "data"),
                MINQIAN_API__PUBLIC_URL="https://minqian.example.gov.cn")  # fmt: skip


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minqian.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_demo_seed_lists_codes_whose_images_decode_to_their_urls(env: dict[str, str]) -> None:
    seeded = _cli(env, "demo", "seed", "--no-population")
    assert seeded.returncode == 0, seeded.stderr
    assert "新增企业 4 家" in seeded.stdout and "虚构" in seeded.stdout
    again = _cli(env, "demo", "seed", "--no-population")
    assert "新增企业 0 家，已存在跳过 4 家" in again.stdout

    listed = _cli(env, "risk-codes", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    codes = json.loads(listed.stdout)
    assert len(codes) >= 8 and {c["enterprise"] for c in codes} == {"DEMO-001", "DEMO-002", "DEMO-003", "DEMO-004"}
    for code in codes:
        assert {"enterprise", "risk_point", "grade", "url", "png"} <= set(code)
        assert code["grade"] in ("较大", "重大") and code["url"].startswith("https://minqian.example.gov.cn/r/RC")
        image = cv2.imread(code["png"], cv2.IMREAD_GRAYSCALE)
        assert decode_qr(image) == code["url"]

    enterprises = json.loads(_cli(env, "enterprises", "list", "--json").stdout)
    assert all(e["synthetic"] and "（演示）" in e["name"] for e in enterprises)

    first = codes[0]
    assert _cli(env, "risk-codes", "revoke", first["id"]).returncode == 0
    after = json.loads(_cli(env, "risk-codes", "list", "--json").stdout)
    assert first["id"] not in {c["id"] for c in after}
    withdrawn = json.loads(_cli(env, "risk-codes", "list", "--json", "--all").stdout)
    assert next(c for c in withdrawn if c["id"] == first["id"])["status"] == "已撤销"


def test_enterprise_keys_are_bound_to_a_registered_enterprise(env: dict[str, str]) -> None:
    _cli(env, "demo", "seed", "--no-population")
    made = _cli(env, "keys", "create", "--role", "enterprise", "--enterprise", "DEMO-002", "--name", "冷链门户")
    assert made.returncode == 0, made.stderr
    keys = json.loads(_cli(env, "keys", "list", "--json").stdout)
    assert keys[0]["enterprise_id"] == "DEMO-002" and keys[0]["role"] == "enterprise"
    unknown = _cli(env, "keys", "create", "--role", "enterprise", "--enterprise", "NOPE", "--name", "x")
    assert unknown.returncode == 2 and "没有 ID 为 NOPE 的企业" in unknown.stderr
    county = _cli(env, "keys", "create", "--role", "inspector", "--region", "350823", "--name", "上杭县局")
    assert county.returncode == 0 and "辖区 龙岩市上杭县" in county.stdout
