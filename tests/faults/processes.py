"""Real programs for the fault tests: API servers, a private PostgreSQL cluster, a Milvus server.

Each is started as a user starts it (a subprocess with its own stderr file),
can be killed with SIGKILL or stopped, and is always cleaned up by the
fixtures in conftest.py, also when a test fails.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from api.local_programs import Program, wait_for_port, wait_until_ready
from api.local_server import free_port

# The keyring every program of a fault test seals with (key names are sealed too).
DATA_KEYS = "k1:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
SHARED_POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class ApiServer(Program):
    """`minqian serve` on a free port of 127.0.0.1."""

    def __init__(self, env: dict[str, str], logs: Path, name: str = "api") -> None:
        self.port = free_port()
        super().__init__(name, [sys.executable, "-m", "minqian.cli", "serve", "--port", str(self.port)], env, logs)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiServer:
        super().start()
        self.wait_until_ready()
        return self

    def wait_until_ready(self) -> None:
        wait_until_ready(self, self.url)


class MilvusServer(Program):
    """`milvus-lite server` on a fixed data dir and port, so a restart finds both again."""

    def __init__(self, data_dir: Path, env: dict[str, str], logs: Path) -> None:
        binary = shutil.which("milvus-lite", path=str(Path(sys.executable).parent))
        assert binary, "milvus-lite command not installed beside the interpreter"
        self.port = free_port()
        command = [binary, "server", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__("milvus", command, env, logs)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MilvusServer:
        super().start()
        wait_for_port(self, self.port)
        return self


def run_cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minqian.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, made with initdb, so it can be restarted.

    initdb refuses to run as root: as root, every pg_* program runs as the
    `postgres` system user (runuser), in a directory that user owns.
    """

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major_version)
        self.bin = Path(found[-1]).parent if found else None
        self.port = free_port()
        self.root: Path | None = None

    @property
    def available(self) -> bool:
        if self.bin is None or os.geteuid() != 0:
            return self.bin is not None
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
        return shutil.which("runuser") is not None

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres connect_timeout=5"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        # Outside pytest's tmp dirs: those are root's and mode 0700.
        self.root = Path(tempfile.mkdtemp(prefix="minqian-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale=C")  # fmt: skip
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def log(self, chars: int = 3000) -> str:
        path = (self.root or Path("/nonexistent")) / "server.log"
        return f"--- postgres log ---\n{path.read_text(errors='replace')[-chars:] if path.exists() else ''}"

    def close(self) -> None:
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self._as_owner("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                           capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(self._as_owner(program, *args), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{program} {' '.join(args)}: {done.stdout}\n{done.stderr}\n{self.log()}"

    def _as_owner(self, program: str, *args: str) -> list[str]:
        assert self.bin is not None
        command = [str(self.bin / program), *args]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _major_version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


@contextmanager
def fresh_database(server: str = SHARED_POSTGRES) -> Iterator[str]:
    """A uniquely named database on a server (the shared one by default), dropped afterwards."""
    import psycopg

    name = f"minqian_faults_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            # FORCE ends the connections a killed API process left behind.
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_admin_key(database_url: str, name: str = "故障测试管理员") -> str:
    """An admin key written straight into a store an API process has set up (faster than the CLI)."""
    from minqian.database import open_engine
    from minqian.keys import ApiKeyStore
    from minqian.sealing import Keyring

    engine = open_engine(database_url, Keyring.parse(DATA_KEYS))
    try:
        return ApiKeyStore(engine).create("admin", name)[1]
    finally:
        engine.dispose()


def expect(response: httpx.Response, status: int, *programs: Any) -> Any:
    """The response's JSON after checking its status (with the programs' logs if it is wrong)."""
    request = f"{response.request.method} {response.request.url}"
    logs = "\n".join(p.tail() if isinstance(p, Program) else p.log() for p in programs)
    assert response.status_code == status, f"{request}: {response.status_code} {response.text}\n{logs}"
    return response.json()
