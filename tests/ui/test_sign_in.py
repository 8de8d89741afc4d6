"""Console sign-in against keys on a real SQLite file."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from minqian.keys import ApiKeyStore
from ui.sign_in import check_console_key, console_sign_in


@pytest.mark.parametrize(
    ("role", "accepted"), [("inspector", True), ("admin", True), ("enterprise", False)]
)
def test_check_console_key_accepts_inspector_and_admin_roles_only(
    key_store: ApiKeyStore, role: str, accepted: bool
) -> None:
    _, plaintext = key_store.create(role, f"福州市局 {role}", "E001" if role == "enterprise" else None)
    assert check_console_key(key_store, "张三", plaintext) is accepted


def test_check_console_key_refuses_unknown_revoked_and_unnamed(
    key_store: ApiKeyStore,
) -> None:
    key, plaintext = key_store.create("inspector", "三明市局")

    assert check_console_key(key_store, "张三", plaintext + "x") is False
    assert check_console_key(key_store, "  ", plaintext) is False
    assert check_console_key(key_store, "张" * 51, plaintext) is False
    key_store.revoke(key.id)
    assert check_console_key(key_store, "张三", plaintext) is False


def test_console_sign_in_is_a_coroutine_function_gradio_awaits(
    key_store: ApiKeyStore,
) -> None:
    _, plaintext = key_store.create("inspector", "龙岩市局")
    sign_in = console_sign_in(key_store)

    assert inspect.iscoroutinefunction(sign_in)
    assert asyncio.run(sign_in("张三", plaintext)) is True


def test_a_console_name_stays_bound_to_one_active_key(key_store: ApiKeyStore) -> None:
    from ui.sign_in import ConsoleSessions

    sessions = ConsoleSessions(key_store)
    first, first_key = key_store.create("inspector", "南安市局", region="350583")
    second, second_key = key_store.create("inspector", "福清市局", region="350181")
    assert check_console_key(key_store, "李四", first_key, sessions) is True
    assert sessions.principal("李四") == first.principal
    # Another key may not take over the name (and with it the first one's session)…
    assert check_console_key(key_store, "李四", second_key, sessions) is False
    assert sessions.principal("李四").region == "350583"  # type: ignore[union-attr]
    # …until the first key is revoked, which also ends what the old session may read.
    key_store.revoke(first.id)
    assert sessions.principal("李四") is None
    assert check_console_key(key_store, "李四", second_key, sessions) is True
    assert sessions.principal("李四") == second.principal
