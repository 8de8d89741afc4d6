"""The load benchmark's client side: fixed questions, three workloads, one level at a time.

A level is N requests of one workload with at most C in flight (an asyncio
semaphore over one httpx client). Latency is measured from the moment a request
gets its slot, so it is the server's time plus the network, not time queued in
the client; throughput is successful requests over the level's wall time.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

# Law Q&A as inspectors and enterprise safety officers ask it: duties, permits,
# penalties, deadlines, definitions, special operations. None asks for the
# guided risk identification, so every turn takes the law-answer path.
QUESTIONS: tuple[str, ...] = (
    "生产经营单位的主要负责人有哪些安全生产职责？",
    "有限空间作业应当遵守哪些规定？",
    "新招的工人没有经过安全生产教育和培训就上岗，企业要承担什么责任？",
    "特种作业人员没有取得相应资格就上岗作业，怎么处罚？",
    "发生生产安全事故后，单位负责人应当在多长时间内报告？",
    "危险化学品生产企业需要取得哪些许可？",
    "没有取得安全生产许可证擅自进行生产的，如何处罚？",
    "生产经营单位应当如何建立健全生产安全事故隐患排查治理制度？",
    "动火作业、吊装作业等危险作业需要采取哪些安全措施？",
    "重大事故隐患排查治理情况应当向谁报告？",
    "生产安全事故应急救援预案应当多久演练一次？",
    "安全生产管理人员的职责有哪些？",
    "什么是重大危险源？企业对重大危险源应当怎么管理？",
    "特种设备使用单位应当履行哪些安全管理义务？",
    "从业人员发现直接危及人身安全的紧急情况时有什么权利？",
    "矿山企业的安全设施必须符合哪些要求？",
)

Workload = Callable[[httpx.AsyncClient, str], Awaitable["Outcome"]]


@dataclass
class Outcome:
    """One request: its error kind (None when it succeeded) and its timings."""

    error: str | None
    seconds: float = 0.0
    first_chunk: float | None = None
    mode: str = ""


@dataclass
class LevelResult:
    """One (workload, concurrency) level, summarised."""

    workload: str
    concurrency: int
    requests: int
    wall_seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    first_chunk_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    server_rss_mib: float = 0.0  # peak of the sampled VmRSS sum during the level
    server_hwm_mib: float = 0.0  # sum of VmHWM at the end of the level (lifetime peaks)
    client_rss_mib: float = 0.0
    server_cpu_seconds: float = 0.0  # CPU time the server tree used during the level
    vectors_cpu_seconds: float | None = None  # the separate Milvus server's, when there is one
    client_cpu_seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.requests - sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return self.ok / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def cores(self, seconds: float) -> float:
        """CPU seconds per wall second: 1.0 is one core kept busy for the whole level."""
        return seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def latency(self, q: float, first_chunk: bool = False) -> float:
        return percentile(self.first_chunk_ms if first_chunk else self.latencies_ms, q)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); NaN when empty."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _chat_body(question: str, stream: bool) -> dict[str, Any]:
    return {"model": "minqian", "stream": stream, "messages": [{"role": "user", "content": question}]}


async def chat(client: httpx.AsyncClient, question: str) -> Outcome:
    started = time.perf_counter()
    response = await client.post("/v1/chat/completions", json=_chat_body(question, False))
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        return Outcome(f"HTTP {response.status_code}", seconds)
    try:
        body = response.json()
        content = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return Outcome("malformed body", seconds)
    return Outcome(None if content else "empty answer", seconds, mode=str(body.get("answer_mode", "")))


async def chat_stream(client: httpx.AsyncClient, question: str) -> Outcome:
    started = time.perf_counter()
    first: float | None = None
    events: list[str] = []
    async with client.stream("POST", "/v1/chat/completions", json=_chat_body(question, True)) as response:
        if response.status_code != 200:
            await response.aread()
            return Outcome(f"HTTP {response.status_code}", time.perf_counter() - started)
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            if first is None:
                first = time.perf_counter() - started
            events.append(line[5:].strip())
    seconds = time.perf_counter() - started
    error, mode = check_stream(events)
    return Outcome(error, seconds, first, mode)


def check_stream(events: list[str]) -> tuple[str | None, str]:
    """(error kind or None, answer mode) for the `data:` payloads of one SSE response."""
    if not events or events[-1] != "[DONE]":
        return "stream without [DONE]", ""
    try:
        chunks = [json.loads(e) for e in events[:-1]]
    except ValueError:
        return "malformed chunk", ""
    if not chunks or chunks[-1]["choices"][0].get("finish_reason") != "stop":
        return "stream without finish_reason", ""
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    return (None if text else "empty answer"), str(chunks[-1].get("answer_mode", ""))


async def search(client: httpx.AsyncClient, question: str) -> Outcome:
    started = time.perf_counter()
    response = await client.get("/v1/search", params={"q": question, "top_k": 8})
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        return Outcome(f"HTTP {response.status_code}", seconds)
    try:
        hits = response.json()
    except ValueError:
        return Outcome("malformed body", seconds)
    return Outcome(None if isinstance(hits, list) and hits else "no hits", seconds)


WORKLOADS: dict[str, Workload] = {"chat": chat, "chat-stream": chat_stream, "search": search}


async def _drive(base_url: str, key: str, workload: Workload, concurrency: int, requests: int,
                 timeout: float) -> tuple[list[Outcome], float]:  # fmt: skip
    slots = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout, limits=limits) as client:

        async def one(n: int) -> Outcome:
            async with slots:
                started = time.perf_counter()
                try:
                    return await workload(client, QUESTIONS[n % len(QUESTIONS)])
                except httpx.TimeoutException:
                    return Outcome("timeout", time.perf_counter() - started)
                except httpx.HTTPError as exc:
                    return Outcome(f"transport: {type(exc).__name__}", time.perf_counter() - started)

        started = time.perf_counter()
        outcomes = await asyncio.gather(*(one(n) for n in range(requests)))
        return list(outcomes), time.perf_counter() - started


def run_level(base_url: str, key: str, name: str, concurrency: int, requests: int,
              timeout: float = 120.0) -> LevelResult:  # fmt: skip
    """Drive one level to completion and summarise it (memory is filled in by the caller)."""
    outcomes, wall = asyncio.run(_drive(base_url, key, WORKLOADS[name], concurrency, requests, timeout))
    result = LevelResult(name, concurrency, requests, wall)
    for outcome in outcomes:
        if outcome.error:
            result.errors[outcome.error] += 1
            continue
        result.latencies_ms.append(outcome.seconds * 1000)
        if outcome.first_chunk is not None:
            result.first_chunk_ms.append(outcome.first_chunk * 1000)
        if outcome.mode:
            result.modes[outcome.mode] += 1
    return result
