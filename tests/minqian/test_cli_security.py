"""`minqian security` rotates the data dir's key without losing a value; `audit verify` checks the chain."""

from __future__ import annotations

import argparse
import json

import pytest

from minqian import cli_security
from minqian.database import init_schema, open_records
from minqian.enterprises import EnterpriseStore
from minqian.risk.workers import WorkerRegistry
from minqian.settings import Settings
from tests.minqian.test_sealing import ENTERPRISE, NAME, OWNER


def _run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="minqian")
    cli_security.add_parser(parser.add_subparsers(dest="command", required=True))
    return cli_security.run(settings, parser.parse_args(list(argv)))


def test_rotate_adds_a_key_reseals_and_every_value_still_reads(make_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings()
    engine = open_records(settings)
    init_schema(engine)
    EnterpriseStore(engine).add(ENTERPRISE)
    worker, _ = WorkerRegistry(engine, EnterpriseStore(engine)).issue(OWNER, ENTERPRISE.id, NAME)
    engine.dispose()

    assert _run(settings, "security", "rotate", "--id", "k2") == 0
    assert "重新加密 1 个值" in capsys.readouterr().out
    assert (settings.data_dir / "data_keys").read_text().startswith("k2:")
    assert _run(settings, "security", "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["current"] == "k2" and status["columns"]["workers.name"] == {"k2": 1}
    engine = open_records(settings)
    assert WorkerRegistry(engine, EnterpriseStore(engine)).names({worker["id"]}) == {worker["id"]: NAME}
    engine.dispose()
    assert _run(settings, "security", "rotate", "--id", "k2") == 2  # an id is never reused
    assert "already in use" in capsys.readouterr().err

    assert _run(settings, "audit", "verify") == 0
    assert "审计日志完整：已校验 1 条" in capsys.readouterr().out


def test_rotate_refuses_configured_keys_and_new_key_prints_one(make_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    assert _run(make_settings(), "security", "new-key", "--id", "k9") == 0
    spec = capsys.readouterr().out.strip()
    assert spec.startswith("k9:")
    configured = make_settings()
    configured.security = configured.security.model_copy(update={"data_keys": spec})
    assert _run(configured, "security", "rotate", "--id", "k10") == 2
    assert "MINQIAN_SECURITY__DATA_KEYS" in capsys.readouterr().err
    assert _run(configured, "security", "reseal") == 0
    with pytest.raises(SystemExit):
        _run(configured, "security", "rotate")  # --id is required


def test_changing_cli_commands_are_audited_without_their_arguments(make_settings, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from minqian import cli
    from minqian.audit import AuditLog

    settings = make_settings()
    monkeypatch.setenv("MINQIAN_DATA_DIR", str(settings.data_dir))
    assert cli.main(["keys", "create", "--role", "inspector", "--name", "执法人员丙"]) == 0
    assert cli.main(["keys", "list"]) == 0  # a read: not logged
    assert cli.main(["keys", "create", "--role", "boss", "--name", "x"]) == 2
    engine = open_records(settings)
    entries = AuditLog(engine).entries()
    engine.dispose()
    assert [(e["resource"], e["status"], e["channel"]) for e in entries] == [
        ("keys create", 2, "cli"), ("keys create", 0, "cli")]
    assert entries[0]["actor"].startswith("cli:") and "执法人员丙" not in str(entries)
