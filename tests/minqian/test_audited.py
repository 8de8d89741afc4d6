"""In-process calls (console, chat tools) are audited like HTTP requests."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from minqian.access import Principal
from minqian.audit import AuditLog
from minqian.audited import audited
from minqian.errors import AccessDenied
from minqian.risk.desk import open_risk_desk
from minqian.settings import Settings
from tests.minqian.test_sealing import ENTERPRISE, NAME, OWNER

NEIGHBOUR = Principal("enterprise", "key-other", "邻厂", "E-OTHER")
INSPECTOR = Principal("inspector", "key-insp", "执法人员", region="350583")


def test_reads_changes_and_denials_through_a_wrapped_desk(engine: Engine, tmp_path: Path) -> None:
    log = AuditLog(engine)
    desk = open_risk_desk(Settings(data_dir=tmp_path), engine)
    desk.enterprises.add(ENTERPRISE)
    console = audited(desk, log, "console", "risk")

    assert [e.id for e in console.enterprises.list(INSPECTOR)] == [ENTERPRISE.id]
    console.workers.issue(OWNER, ENTERPRISE.id, NAME)
    with pytest.raises(AccessDenied):
        console.workers.list(NEIGHBOUR, ENTERPRISE.id)
    desk.enterprises.list(INSPECTOR)  # the unwrapped desk (the services' own calls) logs nothing

    entries = list(reversed(log.entries()))
    assert [(e["resource"], e["action"], e["actor"], e["status"]) for e in entries] == [
        ("risk.enterprises.list", "read", "key-insp", 200),
        ("risk.workers.issue", "change", "key-seal", 200),
        ("risk.workers.list", "denied", "key-other", 403),
    ]
    assert entries[1]["enterprise_id"] == ENTERPRISE.id and entries[1]["target"] == {"enterprise_id": ENTERPRISE.id}
    assert NAME not in str(entries)  # free text never reaches the log
    assert all(e["channel"] == "console" for e in entries)
    assert log.verify() == (3, None)
