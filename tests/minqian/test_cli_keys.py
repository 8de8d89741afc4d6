"""The `keys` commands through a parser like the CLI's, on the default SQLite file."""

from __future__ import annotations

import argparse
import json

import pytest

from minqian import cli_keys
from minqian.database import init_schema, open_records
from minqian.enterprises import Enterprise, EnterpriseStore
from minqian.settings import Settings


@pytest.fixture
def settings(make_settings) -> Settings:  # type: ignore[no-untyped-def]
    settings = make_settings()
    engine = open_records(settings)
    init_schema(engine)
    EnterpriseStore(engine).add(Enterprise("E001", "测试企业（测试）", "工贸", "机械", "3505", "350583"))
    engine.dispose()
    return settings


def _keys(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="minqian")
    cli_keys.add_parser(parser.add_subparsers(dest="command", required=True))
    return cli_keys.run(settings, parser.parse_args(["keys", *argv]))


def test_keys_create_prints_the_key_alone_on_the_last_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _keys(settings, "create", "--role", "enterprise", "--name", "门户",
                 "--enterprise", "E001",
                 "--origin", "https://corp.example.com")  # fmt: skip
    out = capsys.readouterr().out.splitlines()

    assert code == 0 and len(out) == 3
    assert out[0].startswith("已创建 enterprise 密钥“门户”，ID ")
    assert out[0].endswith("（企业 E001；来源 https://corp.example.com）。")
    assert out[-1].startswith("mq_") and " " not in out[-1]
    assert settings.database_url.endswith("minqian.sqlite")
    assert (settings.data_dir / "minqian.sqlite").is_file()


def test_keys_create_reports_a_bad_role_in_chinese_and_exits_2(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _keys(settings, "create", "--role", "boss", "--name", "老板")
    captured = capsys.readouterr()

    assert code == 2 and captured.out == ""
    assert captured.err == (
        "无法创建密钥：未知角色 'boss'，可用角色：admin、inspector、reviewer、system、enterprise\n"
    )


def test_keys_create_reports_a_bad_origin_in_chinese_and_exits_2(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _keys(settings, "create", "--role", "enterprise", "--name", "门户", "--enterprise", "E001",
                 "--origin", "https://corp.example.com/app")  # fmt: skip

    assert code == 2
    assert capsys.readouterr().err == (
        "无法创建密钥：来源 'https://corp.example.com/app' 格式不对：应为 "
        "scheme://host[:port]，不带路径，如 https://corp.example.com\n"
    )


def test_keys_list_and_revoke_show_the_state_of_each_key(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _keys(settings, "create", "--role", "inspector", "--name", "张三")
    key_id = capsys.readouterr().out.split("ID ")[1].split("，")[0]

    assert _keys(settings, "revoke", key_id) == 0
    assert capsys.readouterr().out.startswith(
        f"已吊销密钥“张三”（ID {key_id}），吊销时间 "
    )
    assert _keys(settings, "list", "--json") == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["id"] == key_id and listed["active"] is False
    assert "key_hash" not in listed and listed["revoked_at"]

    assert _keys(settings, "list") == 0
    assert "已吊销" in capsys.readouterr().out


def test_keys_revoke_reports_an_unknown_id_and_exits_1(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _keys(settings, "revoke", "nope") == 1
    assert capsys.readouterr().err == "没有 ID 为 nope 的密钥。\n"


def test_keys_list_says_when_there_are_no_keys(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _keys(settings, "list") == 0
    assert capsys.readouterr().out == "还没有密钥。用 minqian keys create 创建。\n"


def test_keys_create_refuses_an_enterprise_that_is_not_registered(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _keys(settings, "create", "--role", "enterprise", "--name", "门户", "--enterprise", "E404")
    assert code == 2
    assert "没有 ID 为 E404 的企业" in capsys.readouterr().err
