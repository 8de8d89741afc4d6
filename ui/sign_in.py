"""Console sign-in: the inspector's name as user name, an API key as password.

Only inspector and admin keys open the console; enterprise keys belong to the
enterprise portal and the public API, where their origins and enterprise are
enforced, so the console refuses them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool

from minqian.access import Principal
from minqian.keys import ApiKey, ApiKeyStore

logger = logging.getLogger(__name__)

CONSOLE_ROLES: frozenset[str] = frozenset({"inspector", "admin"})
MAX_NAME_CHARS = 50
SIGN_IN_MESSAGE = (
    "闽企安检查员控制台：用户名填写您的姓名，密码填写检查员或管理员 API 密钥"
    "（以 mq_ 开头）。企业密钥不能登录本控制台。同一用户名只能对应一把密钥，"
    "重名时请在姓名后加单位。"
)

SignIn = Callable[[str, str], Awaitable[bool]]


class ConsoleSessions:
    """Which key each signed-in console user name stands for.

    Gradio hands event handlers only the user name, so the key behind it is
    remembered here. A name stays bound to one key while that key is active:
    a second inspector signing in under the same name with another key is
    refused, so nobody's session silently takes another's area.
    """

    def __init__(self, store: ApiKeyStore) -> None:
        self._store = store
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def bind(self, username: str, key: ApiKey) -> bool:
        with self._lock:
            bound = self._keys.get(username)
            if bound not in (None, key.id):
                previous = self._store.get(bound)
                if previous is not None and previous.active:
                    return False
            self._keys[username] = key.id
            return True

    def principal(self, username: str | None) -> Principal | None:
        """The principal of a signed-in name, None if unknown or its key was revoked."""
        key_id = self._keys.get((username or "").strip())
        key = self._store.get(key_id) if key_id else None
        return key.principal if key is not None and key.active else None


def check_console_key(store: ApiKeyStore, username: str, password: str,
                      sessions: ConsoleSessions | None = None) -> bool:  # fmt: skip
    """Accept a named user whose password is an active inspector or admin key."""
    name = username.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        logger.warning("console sign-in refused reason=bad_name chars=%s", len(name))
        return False
    key = store.authenticate(password.strip())
    if key is None:
        logger.warning("console sign-in refused reason=unknown_key")
        return False
    if key.role not in CONSOLE_ROLES:
        logger.warning(
            "console sign-in refused reason=role key=%s role=%s", key.id, key.role
        )
        return False
    if sessions is not None and not sessions.bind(name, key):
        logger.warning("console sign-in refused reason=name_taken key=%s", key.id)
        return False
    logger.info("console sign-in key=%s role=%s", key.id, key.role)
    return True


def console_sign_in(store: ApiKeyStore, sessions: ConsoleSessions | None = None) -> SignIn:
    """Build the `auth` callable for `gr.mount_gradio_app`."""

    # Gradio awaits a coroutine function but calls a plain one on the event
    # loop, where a database round trip would stall every other session.
    async def sign_in(username: str, password: str) -> bool:
        return await run_in_threadpool(check_console_key, store, username, password, sessions)

    # TODO: Gradio keeps its session tokens in memory and never asks again, so
    # a revoked key stays signed in until logout or restart; the ideal is an
    # `auth_dependency` that re-checks the key behind the session cookie.
    return sign_in
