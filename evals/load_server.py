"""The load benchmark's server side: a real deployment on 127.0.0.1, and its memory.

Everything runs as a user runs it, one subprocess per program (the commands of
docs/deployment.md): `minqian ingest`, `minqian keys create`, `minqian serve`,
and for the PostgreSQL setup a `milvus-lite server` and a database of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.local_programs import Program, wait_for_port, wait_until_ready
from api.local_server import free_port

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 300  # the first start of the embedded setup opens a cold index


@dataclass
class Target:
    """A running setup the client drives, and what it took to get there."""

    name: str
    url: str
    key: str
    api: Program
    vectors: Program | None
    facts: dict[str, Any]


def _status_kib(pid: int, name: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the process ended between listing and reading
        return 0
    found = re.search(rf"^{name}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after its last ')' do not.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def tree_names(root: int) -> list[str]:
    """The command names in the tree (e.g. python and Milvus Lite's own server binary)."""
    names = []
    for pid in process_tree(root):
        try:
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
        except OSError:
            continue
    return names


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU time used so far by the tree's live processes (threads included)."""
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_memory(root: int) -> tuple[float, float]:
    """(current VmRSS, VmHWM) summed over the tree, MiB. Summed HWMs bound the true joint peak from above."""
    pids = process_tree(root)
    return (sum(_status_kib(p, "VmRSS") for p in pids) / 1024, sum(_status_kib(p, "VmHWM") for p in pids) / 1024)


@contextmanager
def sampled_peak(root: int, every: float = 0.1) -> Iterator[Callable[[], float]]:
    """Sample the tree's summed VmRSS in a thread; yield a function returning the peak so far (MiB)."""
    peak = [tree_memory(root)[0]]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            peak[0] = max(peak[0], tree_memory(root)[0])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield lambda: peak[0]
    finally:
        done.set()
        thread.join(timeout=5)


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "minqian.cli", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _finish(name: str, process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=3600)
    if process.returncode != 0:
        raise RuntimeError(f"minqian {name} failed ({process.returncode}):\n{err[-4000:]}")
    return out


def postgres_database(server: str) -> tuple[str, Callable[[], None], str]:
    """A database `mq_load_<random>` on the server: its SQLAlchemy URL, a function dropping it, the version."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"mq_load_{uuid.uuid4().hex[:10]}"
    given = make_url(server)
    # Trust auth on a local server still needs a role that exists; root rarely does.
    admin_url = given.set(drivername="postgresql", username=given.username or "postgres")
    dsn = admin_url.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        version = str(connection.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as connection:
            # FORCE ends the connections a killed server left behind.
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = admin_url.set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), drop, version


def base_env(data: Path, cache: Path, corpus: list[Path], overrides: dict[str, str]) -> dict[str, str]:
    """The environment every program of one setup shares; inherited MINQIAN_* are dropped so runs are alike."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINQIAN_")}
    env.update(PYTHONPATH=str(ROOT), MINQIAN_DATA_DIR=str(data), MINQIAN_INGESTION__PROGRESS="false",
               MINQIAN_EMBEDDER__CACHE_PATH=str(cache),
               MINQIAN_CORPUS_PATHS=os.pathsep.join(map(str, corpus)))  # fmt: skip
    env.update(overrides)
    return env


@contextmanager
def deploy(name: str, tmp: Path, env: dict[str, str], postgres: str | None = None) -> Iterator[Target]:
    """Ingest, make an inspector key, start the API (and Milvus and a database for PostgreSQL); stop all after."""
    logs = tmp / "logs"
    programs: list[Program] = []
    cleanups: list[Callable[[], None]] = []
    logs.mkdir(parents=True, exist_ok=True)
    facts: dict[str, Any] = {}
    try:
        vectors = None
        if postgres:
            url, drop, facts["postgres"] = postgres_database(postgres)
            cleanups.append(drop)
            server_bin = shutil.which("milvus-lite", path=str(Path(sys.executable).parent))
            if not server_bin:
                raise RuntimeError("milvus-lite command not installed beside the interpreter")
            milvus_port = free_port()
            env = dict(env, MINQIAN_DATABASE__URL=url, MINQIAN_VECTOR_STORE__URI=f"http://127.0.0.1:{milvus_port}")
            vectors = Program("milvus", [server_bin, "server", "--data-dir", str(tmp / "milvus"), "--host",
                                         "127.0.0.1", "--port", str(milvus_port)], env, logs).start()  # fmt: skip
            programs.append(vectors)
            wait_for_port(vectors, milvus_port, STARTUP_SECONDS)
        started = time.perf_counter()
        # Ingestion touches only the index and its own state, keys only the database: run them together.
        ingest, keys = _cli(env, "ingest"), _cli(env, "keys", "create", "--role", "inspector", "--name", "压测")
        summary = _finish("ingest", ingest)
        facts["ingest_seconds"] = time.perf_counter() - started
        facts["ingest_summary"] = " / ".join(summary.strip().splitlines())
        key = _finish("keys create", keys).strip().splitlines()[-1]

        # The API embeds only queries: it gets no passage cache, as in docs/deployment.md.
        api_env = {k: v for k, v in env.items() if k != "MINQIAN_EMBEDDER__CACHE_PATH"}
        port = free_port()
        started = time.perf_counter()
        api = Program("api", [sys.executable, "-m", "minqian.cli", "serve", "--host", "127.0.0.1", "--port",
                              str(port)], api_env, logs).start()  # fmt: skip
        programs.append(api)
        base = f"http://127.0.0.1:{port}"
        health = wait_until_ready(api, base, STARTUP_SECONDS)
        facts.update(startup_seconds=time.perf_counter() - started, instruments=health["instruments"],
                     clauses=health["clauses"])  # fmt: skip
        yield Target(name, base, key, api, vectors, facts)
    finally:
        for program in reversed(programs):
            program.stop()
        for cleanup in cleanups:
            cleanup()
