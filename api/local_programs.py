"""Programs started as a user starts them (a subprocess, its stderr in a file): for tests and benchmarks.

The deployment test, the fault tests and the load benchmark run `minqian
serve`, `milvus-lite server` and the CLI this way, so what they measure or
kill is the real program, not an app object in the test's own process.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

STARTUP_SECONDS = 120


@dataclass
class Program:
    """One program and the file its stderr goes to (a pipe could fill and block it)."""

    name: str
    command: list[str]
    env: dict[str, str] = field(repr=False)  # kept out of failure output: it may hold keys
    logs: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.logs / f"{self.name}.stderr"

    def start(self) -> Program:
        assert not self.alive, f"{self.name} is already running"
        self._close_log()
        self._log = self.log_path.open("ab")  # appended: a restarted program keeps its earlier lines
        self.process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=self._log)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    def tail(self, chars: int = 4000) -> str:
        if self._log:
            self._log.flush()
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- {self.name} stderr ---\n{text[-chars:]}"

    def kill(self) -> None:
        """SIGKILL: no clean-up handler, no atexit, no flush runs in the program."""
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log:
            self._log.close()
            self._log = None


def wait_for_port(program: Program, port: int, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and program.alive:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{program.name} did not listen on {port}\n{program.tail()}")


def wait_until_ready(program: Program, url: str, seconds: float = STARTUP_SECONDS) -> dict[str, Any]:
    """GET /healthz until it answers 200 (index open, BM25 warm); return its body."""
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=5) as client:
        while time.monotonic() < deadline and program.alive:
            try:
                response = client.get("/healthz")
                if response.status_code == 200:
                    return dict(response.json())
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{program.name} at {url} never became ready\n{program.tail()}")
