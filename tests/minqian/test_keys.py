"""API keys on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import hashlib
from datetime import UTC

import pytest
from sqlalchemy import Engine, select

from minqian.keys import ApiKeyStore, api_keys


@pytest.fixture
def store(engine: Engine) -> ApiKeyStore:
    return ApiKeyStore(engine)


def test_store_create_returns_the_record_and_a_plaintext_that_authenticates(
    store: ApiKeyStore,
) -> None:
    key, plaintext = store.create("inspector", "三明市局 张三")

    assert plaintext.startswith("mq_") and len(plaintext) == 3 + 43
    assert key.prefix == plaintext[3:11]
    assert key.role == "inspector" and key.name == "三明市局 张三" and key.active
    assert key.created_at.tzinfo is UTC
    assert store.authenticate(plaintext) == key


def test_store_authenticate_rejects_unknown_and_malformed_keys(
    store: ApiKeyStore,
) -> None:
    _, plaintext = store.create("admin", "运维")

    assert (
        store.authenticate(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"))
        is None
    )
    assert store.authenticate(plaintext[3:]) is None
    assert store.authenticate("") is None


def test_store_keeps_the_hash_and_never_the_plaintext(
    store: ApiKeyStore, engine: Engine
) -> None:
    key, plaintext = store.create(
        "enterprise", "门户", "E001", ["https://corp.example.com"]
    )

    with engine.connect() as connection:
        row = connection.execute(select(api_keys)).mappings().one()
    assert row["key_hash"] == hashlib.sha256(plaintext.encode()).hexdigest()
    assert all(plaintext[3:] not in str(value) for value in row.values())
    assert row["prefix"] == key.prefix and row["enterprise_id"] == "E001"
    assert not hasattr(key, "key_hash")


def test_store_revoke_ends_access_and_keeps_the_first_revocation_time(
    store: ApiKeyStore,
) -> None:
    key, plaintext = store.create("inspector", "临时")

    revoked = store.revoke(key.id)
    assert revoked is not None and not revoked.active
    assert revoked.revoked_at is not None and revoked.revoked_at >= key.created_at
    assert store.authenticate(plaintext) is None
    assert store.revoke(key.id) == revoked
    assert store.revoke("0" * 32) is None


def test_store_list_returns_every_key_oldest_first(store: ApiKeyStore) -> None:
    first, _ = store.create("admin", "一")
    second, _ = store.create("inspector", "二")
    store.revoke(first.id)

    listed = store.list()
    assert [k.id for k in listed] == [first.id, second.id]
    assert [k.active for k in listed] == [False, True]


def test_store_create_rejects_an_unknown_role(store: ApiKeyStore) -> None:
    with pytest.raises(ValueError) as raised:
        store.create("boss", "老板")
    assert (
        str(raised.value) == "未知角色 'boss'，可用角色：admin、inspector、reviewer、system、enterprise"
    )
    assert store.list() == []


@pytest.mark.parametrize(
    "origin",
    ["https://corp.example.com/", "https://corp.example.com/app", "corp.example.com",
     "https://corp.example.com?x=1", "https://corp.example.com:99999", "*", "null",
     "https://user@corp.example.com"],
)  # fmt: skip
def test_store_create_rejects_an_origin_that_is_not_scheme_host_port(
    store: ApiKeyStore, origin: str
) -> None:
    with pytest.raises(ValueError) as raised:
        store.create("enterprise", "门户", "E001", origins=[origin])
    assert str(raised.value) == (
        f"来源 {origin!r} 格式不对：应为 scheme://host[:port]，不带路径，"
        "如 https://corp.example.com"
    )


def test_store_create_rejects_origins_on_keys_not_for_enterprises(
    store: ApiKeyStore,
) -> None:
    with pytest.raises(ValueError) as raised:
        store.create("inspector", "巡查", origins=["https://corp.example.com"])
    assert (
        str(raised.value)
        == "只有 enterprise 角色的密钥可以设置来源，收到的角色是 inspector"
    )


def test_store_create_lowercases_and_deduplicates_origins(store: ApiKeyStore) -> None:
    key, _ = store.create(
        "enterprise", "门户", "E001",
        origins=["HTTPS://Corp.Example.com:8443", "https://corp.example.com:8443",
                 "http://[::1]:8000"],
    )  # fmt: skip
    assert key.allowed_origins == ("https://corp.example.com:8443", "http://[::1]:8000")


def test_store_origins_in_use_counts_only_active_enterprise_keys(
    store: ApiKeyStore,
) -> None:
    store.create(
        "enterprise", "甲", "E1", ["https://a.example.com", "https://b.example.com"]
    )
    store.create("enterprise", "乙", "E2", ["https://b.example.com"])
    gone, _ = store.create("enterprise", "丙", "E3", ["https://c.example.com"])
    store.create("admin", "运维")
    store.revoke(gone.id)

    assert store.origins_in_use() == {"https://a.example.com", "https://b.example.com"}


def test_store_create_rejects_a_blank_name(store: ApiKeyStore) -> None:
    with pytest.raises(ValueError) as raised:
        store.create("admin", "  ")
    assert str(raised.value) == "密钥名称不能为空"


def test_store_create_binds_enterprise_keys_to_one_enterprise_and_inspectors_to_an_area(
    store: ApiKeyStore,
) -> None:
    with pytest.raises(ValueError, match="必须绑定企业"):
        store.create("enterprise", "门户")
    with pytest.raises(ValueError, match="只有 enterprise 角色的密钥可以绑定企业"):
        store.create("inspector", "巡查", "E001")
    with pytest.raises(ValueError, match="未知的行政区划代码"):
        store.create("inspector", "巡查", region="9999")
    key, plaintext = store.create("inspector", "南安市应急局", region="350583")
    assert store.authenticate(plaintext) == key
    assert key.principal.region == "350583" and key.principal.area == "泉州市南安市"
