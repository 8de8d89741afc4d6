"""Sensitive fields are sealed at rest, tamper-evident, and survive key rotation."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from minqian.access import Principal
from minqian.coefficient.records import enforcement_records
from minqian.database import open_engine
from minqian.enterprises import Enterprise, EnterpriseStore
from minqian.errors import ConfigurationError
from minqian.risk.records import workers
from minqian.risk.workers import WorkerRegistry
from minqian.sealing import Keyring, SealError, open_keyring
from minqian.security import key_usage, reseal

ENTERPRISE = Enterprise("E-SEAL", "封存测试机械有限公司（测试）", "工贸", "机械", "3505", "350583", synthetic=True)
OWNER = Principal("enterprise", "key-seal", "企业管理员", "E-SEAL")
NAME = "林秀英"
FINDING = "二号车间除尘器泄爆口朝向人员通道，未设置导流装置"


def _seed(engine: Engine) -> str:
    enterprises = EnterpriseStore(engine)
    enterprises.add(ENTERPRISE)
    worker, _ = WorkerRegistry(engine, enterprises).issue(OWNER, ENTERPRISE.id, NAME)
    with engine.begin() as connection:
        connection.execute(enforcement_records.insert().values(
            id="rec-1", enterprise_id=ENTERPRISE.id, kind="检查隐患", occurred_on=date(2026, 11, 2),
            level="一般隐患", deadline=date(2026, 12, 2), description=FINDING, recorded_by="key-insp",
            created_at=datetime.now(UTC)))  # fmt: skip
    return str(worker["id"])


def _raw(engine: Engine, sql: str) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(sql))]


def test_sealed_fields_are_ciphertext_in_the_database_and_plaintext_to_the_service(engine: Engine) -> None:
    worker_id = _seed(engine)
    (stored_name,) = _raw(engine, "SELECT name FROM workers")
    (stored_finding,) = _raw(engine, "SELECT description FROM enforcement_records")
    assert stored_name.startswith("mqenc1:k") and NAME not in stored_name
    assert stored_finding.startswith("mqenc1:k") and "泄爆口" not in stored_finding
    # Two seals of the same text differ (fresh nonce), so equal names cannot be spotted.
    assert WorkerRegistry(engine, EnterpriseStore(engine)).names({worker_id}) == {worker_id: NAME}
    with engine.connect() as connection:
        assert connection.execute(select(enforcement_records.c.description)).scalar() == FINDING


def test_sqlite_file_holds_no_plaintext(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'm.sqlite'}", Keyring.generate())
    from minqian.database import init_schema

    init_schema(engine)
    _seed(engine)
    engine.dispose()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("m.sqlite*"))
    assert ENTERPRISE.name.encode() in stored  # enterprise names are public register data
    assert NAME.encode() not in stored and FINDING.encode() not in stored


def test_an_altered_or_moved_ciphertext_does_not_open(engine: Engine) -> None:
    _seed(engine)
    (stored,) = _raw(engine, "SELECT name FROM workers")
    flipped = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with engine.begin() as connection:
        connection.execute(text("UPDATE workers SET name = :v"), {"v": flipped})
    with pytest.raises(SealError, match="failed authentication"), engine.connect() as connection:
        connection.execute(select(workers.c.name)).scalar()
    # The column name is bound in: a worker's sealed name pasted into a
    # finding's description is refused, not shown as the finding.
    with engine.begin() as connection:
        connection.execute(text("UPDATE enforcement_records SET description = :v"), {"v": stored})
    with pytest.raises(SealError), engine.connect() as connection:
        connection.execute(select(enforcement_records.c.description)).scalar()


def test_rotation_reseals_everything_and_the_old_key_can_go(database_url: str) -> None:
    from minqian.database import drop_schema, init_schema

    old = Keyring.generate("k1")
    first = open_engine(database_url, old)
    drop_schema(first)
    init_schema(first)
    worker_id = _seed(first)
    first.dispose()

    rotated = old.with_new_key("k2")
    engine = open_engine(database_url, rotated)
    # Before resealing both keys are needed, and both open.
    assert key_usage(engine)["workers.name"] == {"k1": 1}
    assert WorkerRegistry(engine, EnterpriseStore(engine)).names({worker_id}) == {worker_id: NAME}
    changed = reseal(engine, batch=1)
    assert changed >= 2
    usage = key_usage(engine)
    assert usage["workers.name"] == {"k2": 1} and usage["enforcement_records.description"] == {"k2": 1}
    assert reseal(engine) == 0  # idempotent: nothing left under the old key
    engine.dispose()

    only_new = open_engine(database_url, Keyring({"k2": rotated.keys["k2"]}, "k2"))
    assert WorkerRegistry(only_new, EnterpriseStore(only_new)).names({worker_id}) == {worker_id: NAME}
    with only_new.connect() as connection:
        assert connection.execute(select(enforcement_records.c.description)).scalar() == FINDING
    only_new.dispose()

    only_old = open_engine(database_url, old)
    with pytest.raises(SealError, match="does not hold"), only_old.connect() as connection:
        connection.execute(select(workers.c.name)).scalar()
    drop_schema(only_old)
    only_old.dispose()


def test_plaintext_from_before_sealing_reads_and_is_sealed_by_reseal(engine: Engine) -> None:
    worker_id = _seed(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE workers SET name = :v"), {"v": "陈建国"})
    assert WorkerRegistry(engine, EnterpriseStore(engine)).names({worker_id}) == {worker_id: "陈建国"}
    assert key_usage(engine)["workers.name"] == {"plaintext": 1}
    reseal(engine)
    assert key_usage(engine)["workers.name"] == {"k1": 1}
    assert WorkerRegistry(engine, EnterpriseStore(engine)).names({worker_id}) == {worker_id: "陈建国"}


def test_an_engine_without_a_keyring_refuses_to_store_plaintext(tmp_path: Path) -> None:
    from minqian.database import init_schema

    engine = open_engine(f"sqlite:///{tmp_path / 'bare.sqlite'}")
    init_schema(engine)
    EnterpriseStore(engine).add(ENTERPRISE)
    with pytest.raises(Exception, match="without a data keyring"):
        WorkerRegistry(engine, EnterpriseStore(engine)).issue(OWNER, ENTERPRISE.id, NAME)
    assert _raw(engine, "SELECT count(*) FROM workers") == [0]


def test_keyring_configuration(tmp_path: Path) -> None:
    made = open_keyring(None, tmp_path, production=False)
    path = tmp_path / "data_keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert open_keyring(None, tmp_path, production=False).keys == made.keys  # kept, not remade
    with pytest.raises(ConfigurationError, match="MINQIAN_SECURITY__DATA_KEYS"):
        open_keyring(None, tmp_path, production=True)
    spec = Keyring.generate("k7").with_new_key("k8").spec()
    parsed = open_keyring(spec, tmp_path, production=True)
    assert parsed.current == "k8" and set(parsed.keys) == {"k7", "k8"}
    for bad, message in (("k1", "id:base64key"), ("k1:!!!", "base64"), ("k1:c2hvcnQ=", "32 bytes"), (" , ", "empty")):
        with pytest.raises(ConfigurationError, match=message):
            Keyring.parse(bad)


def test_a_process_with_another_key_of_the_same_id_is_refused_at_start(database_url: str) -> None:
    from minqian.database import drop_schema, init_schema

    first = open_engine(database_url, Keyring.generate("k1"))
    drop_schema(first)
    init_schema(first)
    stranger = open_engine(database_url, Keyring.generate("k1"))
    with pytest.raises(ConfigurationError, match="same MINQIAN_SECURITY__DATA_KEYS"):
        init_schema(stranger)
    stranger.dispose()
    # A keyring that adds a key and keeps the old one starts, and records the new id.
    rotated = open_engine(database_url, Keyring(dict(first.dialect.minqian_keyring.keys), "k1").with_new_key("k2"))
    init_schema(rotated)
    with rotated.connect() as connection:
        assert {r[0] for r in connection.execute(text("SELECT key_id FROM data_key_checks"))} == {"k1", "k2"}
    drop_schema(rotated)
    rotated.dispose()
    first.dispose()


def test_key_holders_names_are_sealed(engine: Engine) -> None:
    from minqian.keys import ApiKeyStore

    store = ApiKeyStore(engine)
    record, plaintext = store.create("inspector", "执法人员 林晓峰", region="350583")
    (stored,) = _raw(engine, "SELECT name FROM api_keys")
    assert stored.startswith("mqenc1:") and "林晓峰" not in stored
    authenticated = store.authenticate(plaintext)
    assert authenticated is not None and authenticated.name == "执法人员 林晓峰"
