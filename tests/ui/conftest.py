"""Console fixtures: a key store, the console on a real server, headless Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from minqian.components import KnowledgeBase
from minqian.keys import ApiKeyStore

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@dataclass
class Console:
    """The running console and the keys to sign in with."""

    url: str
    inspector_key: str
    admin_key: str
    enterprise_key: str
    revoked_key: str


@pytest.fixture(scope="module")
def key_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiKeyStore]:
    """API keys on a fresh SQLite file."""
    from minqian.database import init_schema, open_engine
    from minqian.sealing import Keyring

    path = tmp_path_factory.mktemp("keys") / "minqian.sqlite"
    engine = open_engine(f"sqlite:///{path}", Keyring.generate())
    init_schema(engine)
    yield ApiKeyStore(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def console(shared_kb: KnowledgeBase, key_store: ApiKeyStore) -> Iterator[Console]:
    """The console mounted at /ui on a FastAPI app served on 127.0.0.1."""
    from agent.checkpoints import open_checkpointer
    from agent.service import AssistantService
    from ui.console import mount_console

    roles = ("inspector", "admin", "enterprise")
    keys = {role: key_store.create(role, f"测试 {role}", "E001" if role == "enterprise" else None)[1]
            for role in roles}  # fmt: skip
    revoked, revoked_key = key_store.create("inspector", "已吊销")
    key_store.revoke(revoked.id)
    with ExitStack() as stack:
        checkpointer = open_checkpointer(shared_kb.settings, stack)
        settings = shared_kb.settings
        service = AssistantService(shared_kb, settings, checkpointer, writer=None)
        app = mount_console(FastAPI(), service, shared_kb, key_store, "/ui")
        url = stack.enter_context(serve(app))
        yield Console(
            url=f"{url}/ui/",
            inspector_key=keys["inspector"],
            admin_key=keys["admin"],
            enterprise_key=keys["enterprise"],
            revoked_key=revoked_key,
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright's sync API."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh Chinese-locale browser context per test, so sessions do not mix."""
    # Gradio's login page takes its labels from the browser's language.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 960}
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run uvicorn for `app` in a thread on a free port; yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the console server did not start within 60 s"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
