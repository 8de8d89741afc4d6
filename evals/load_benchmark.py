"""Load benchmark: bounded concurrent chat (plain and streaming) and clause searches against a local server.

Each setup is a real deployment on 127.0.0.1 in a temporary directory: the
knowledge base is ingested first (timed, kept out of the load figures), an
inspector key is made with `minqian keys create`, then `minqian serve` starts.
Setups:

- embedded: the defaults, Milvus Lite file and SQLite in the data dir;
- PostgreSQL (with --postgres): a fresh database `mq_load_<random>` on that
  server (dropped afterwards) and a `milvus-lite server` process for the
  vectors, the layout of docs/deployment.md.

For every workload (chat, chat-stream, search) the baseline is concurrency 1,
measured in the same run; then each configured level. The server answers
without an LLM (extractive mode), which is what is measured.

    .venv/bin/python -m evals.load_benchmark [--postgres postgresql://postgres@127.0.0.1:5432/test] \\
        [--concurrency 1,4,16] [--requests 48] [--report evals/reports/load.md]

Exits 1 when any request failed, so a regression under load is not silent.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from evals.load_server import ROOT, Target, base_env, deploy, sampled_peak, tree_cpu_seconds, tree_memory, tree_names
from evals.load_workloads import QUESTIONS, WORKLOADS, LevelResult, run_level

SHARED_LAWS = ROOT.parent / "shared" / "corpus" / "laws"
DEFAULT_CACHE = ROOT / "data" / "load-benchmark" / "embeddings.sqlite"
Results = dict[str, tuple[Target, list[LevelResult]]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=None, help="server URL; a fresh database is created and dropped")
    parser.add_argument("--concurrency", default="1,4,16", help="comma-separated levels; 1 is always run first")
    parser.add_argument("--requests", type=int, default=48, help="requests per (workload, concurrency) level")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset of the default")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request before it is a timeout")
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--embedding-cache", type=Path, default=DEFAULT_CACHE,
                        help="passage vectors kept between runs, so only the first ingest embeds")  # fmt: skip
    parser.add_argument("--corpus", type=Path, action="append", default=None,
                        help=f"document folder to ingest besides the packaged laws (default: {SHARED_LAWS} if present, "
                             "as `make run` does); repeatable")  # fmt: skip
    parser.add_argument("--laws", choices=["safety", "all", "none"], default="safety", help="packaged law selection")
    parser.add_argument("--no-project-corpus", action="store_true", help="skip corpus/ (inspection lists, cases)")
    parser.add_argument("--no-ui", action="store_true", help="do not mount the console (the default mounts it)")
    args = parser.parse_args(argv)
    args.levels = sorted({1, *(int(c) for c in args.concurrency.split(",") if c.strip())})
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if unknown := set(args.workloads) - set(WORKLOADS):
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    if args.corpus is None:
        args.corpus = [SHARED_LAWS] if SHARED_LAWS.is_dir() else []
    return args


def measure(target: Target, args: argparse.Namespace) -> list[LevelResult]:
    """Every (workload, level) against one running setup, baseline first."""
    pid = target.api.pid
    vectors = target.vectors.pid if target.vectors else None
    for name in args.workloads:  # warm-up, unmeasured: first-call costs (tokenizer, caches) stay out of the baseline
        run_level(target.url, target.key, name, 1, 2, args.timeout)
    target.facts["server_tree"] = ", ".join(tree_names(pid))
    target.facts["load_start"] = _load()
    results = []
    for name in args.workloads:
        for level in args.levels:
            server_cpu, client_cpu = tree_cpu_seconds(pid), _own_cpu()
            vectors_cpu = tree_cpu_seconds(vectors) if vectors else 0.0
            with sampled_peak(pid) as peak:
                result = run_level(target.url, target.key, name, level, args.requests, args.timeout)
            result.server_cpu_seconds = tree_cpu_seconds(pid) - server_cpu
            result.client_cpu_seconds = _own_cpu() - client_cpu
            if vectors:
                result.vectors_cpu_seconds = tree_cpu_seconds(vectors) - vectors_cpu
            result.server_rss_mib, result.server_hwm_mib = peak(), tree_memory(pid)[1]
            result.client_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"[{target.name}] {name} c={level}: {result.ok}/{result.requests} ok, {result.throughput:.2f} req/s, "
                  f"p50 {result.latency(0.5):.0f} ms, p95 {result.latency(0.95):.0f} ms, errors {dict(result.errors)}",
                  file=sys.stderr, flush=True)  # fmt: skip
            results.append(result)
    target.facts["load_end"] = _load()
    target.facts["server_tracebacks"] = target.api.tail(10**9).count("Traceback")
    if vectors:
        target.facts["milvus_hwm_mib"] = tree_memory(vectors)[1]
    return results


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_all(args: argparse.Namespace) -> Results:
    """Both setups one after the other (never together: they would share the two cores)."""
    results: Results = {}
    setups: list[tuple[str, str | None]] = [("embedded (Milvus Lite file, SQLite)", None)]
    if args.postgres:
        setups.append(("PostgreSQL + milvus-lite server", args.postgres))
    overrides = {"MINQIAN_LAWS__SELECTION": args.laws,
                 "MINQIAN_INGESTION__INCLUDE_PROJECT_CORPUS": str(not args.no_project_corpus).lower(),
                 "MINQIAN_API__UI_ENABLED": str(not args.no_ui).lower()}  # fmt: skip
    args.embedding_cache.parent.mkdir(parents=True, exist_ok=True)
    for name, postgres in setups:
        with tempfile.TemporaryDirectory(prefix="minqian-load-") as folder:
            tmp = Path(folder)
            env = base_env(tmp / "data", args.embedding_cache, args.corpus, overrides)
            with deploy(name, tmp, env, postgres) as target:
                print(f"[{name}] ingest {target.facts['ingest_seconds']:.1f} s, ready after "
                      f"{target.facts['startup_seconds']:.1f} s, {target.facts['clauses']} clauses",
                      file=sys.stderr, flush=True)  # fmt: skip
                results[name] = (target, measure(target, args))
    return results


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:,.0f}"  # NaN: no successful request


def _errors(result: LevelResult) -> str:
    total = sum(result.errors.values())
    return f"{total} ({', '.join(f'{k}: {n}' for k, n in result.errors.most_common())})" if total else "0"


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    ram = f", {int(memory.group(1)) / 1024**2:.0f} GiB RAM" if memory else ""
    return (f"{os.cpu_count()} CPUs ({model.group(1).strip() if model else platform.machine()}){ram}, "
            f"Python {platform.python_version()}")  # fmt: skip


def checkout() -> str:
    """The commit measured, and whether the working tree differed from it (read-only git calls)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = len([line for line in git("status", "--porcelain").splitlines() if line.strip()])
    return f"commit {head}" + (f" with {changed} uncommitted changed or new files" if changed else "")


def render(results: Results, args: argparse.Namespace, command: str, seconds: float) -> str:
    lines = ["# Load: concurrent chat and search against a local server", "",
             f"Machine: {machine()}. Code: {checkout()}. Command: `{command}` ({seconds / 60:.1f} min in all). "
             f"{args.requests} requests per level over {len(QUESTIONS)} fixed law questions (cycled), "
             f"concurrency levels {', '.join(map(str, args.levels))}; no LLM configured, so every chat "
             "answer is extractive.", ""]  # fmt: skip
    for name, (target, levels) in results.items():
        f = target.facts
        lines += [f"## {name}", "",
                  f"Knowledge base: {f['instruments']} instruments, {f['clauses']} clauses. Ingest (not in the load "
                  f"figures): {f['ingest_seconds']:.1f} s wall for `minqian ingest` ({f['ingest_summary']}). "
                  f"Server ready {f['startup_seconds']:.1f} s after `minqian serve` started; its process tree: "
                  f"{f['server_tree']}."
                  + (f" PostgreSQL {f['postgres']}; milvus-lite server peak RSS {f['milvus_hwm_mib']:.0f} MiB "
                     "(not in the server columns)." if "postgres" in f else "")
                  + f" Load average (1/5/15 min) {f['load_start']} before the first level, {f['load_end']} after "
                  f"the last. Tracebacks in the server log: {f['server_tracebacks']}.", "",
                  "| workload | concurrency | requests | errors | req/s | speed-up vs c=1 | p50 ms | p95 ms | p99 ms "
                  "| first chunk p50 / p95 ms | CPU cores API / Milvus server / client | server RSS peak MiB "
                  "| server VmHWM MiB | client peak MiB |", "|---" * 14 + "|"]  # fmt: skip
        base = {r.workload: r.throughput for r in levels if r.concurrency == 1}
        for r in levels:
            first = (f"{_ms(r.latency(0.5, True))} / {_ms(r.latency(0.95, True))}"
                     if r.workload == "chat-stream" else "–")  # fmt: skip
            speed = f"{r.throughput / base[r.workload]:.2f}×" if base.get(r.workload) else "–"
            milvus = "–" if r.vectors_cpu_seconds is None else f"{r.cores(r.vectors_cpu_seconds):.2f}"
            cores = f"{r.cores(r.server_cpu_seconds):.2f} / {milvus} / {r.cores(r.client_cpu_seconds):.2f}"
            memory = f"{cores} | {r.server_rss_mib:.0f} | {r.server_hwm_mib:.0f} | {r.client_rss_mib:.0f}"
            lines.append(f"| {r.workload} | {r.concurrency} | {r.requests} | {_errors(r)} | {r.throughput:.2f} "
                         f"| {speed} | {_ms(r.latency(0.5))} | {_ms(r.latency(0.95))} | {_ms(r.latency(0.99))} "
                         f"| {first} | {memory} |")  # fmt: skip
        modes = sum((r.modes for r in levels if r.workload.startswith("chat")), Counter())
        lines += ["", "Answer modes of the successful chat turns: "
                  + (", ".join(f"{m} {n}" for m, n in modes.most_common()) or "none") + ".", ""]  # fmt: skip
    lines += ["## What the numbers mean", "",
              "- **Latency** runs from the moment a request gets one of the client's concurrency slots to the end of "
              "its response body, so it includes time queued inside the server but not in the client; percentiles "
              "interpolate between ranks and cover successful requests only. **First chunk** is the time to the "
              "first SSE `data:` line; the server verifies the whole answer before it streams, so it is close to "
              "the total time by design.",
              "- **req/s** is successful requests over the level's wall time; **speed-up** divides it by the same "
              "workload's sequential (concurrency 1) rate in the same setup and run.",
              "- **Errors** count non-2xx responses, timeouts, transport failures and malformed bodies or streams "
              "(a stream must end with `[DONE]` after a chunk with `finish_reason` stop; a search must return hits).",
              "- **Server RSS peak** is the highest sum of VmRSS over the `minqian serve` process and its children "
              "(the process tree is listed per setup; Milvus Lite's engine runs inside the API process in the "
              "embedded setup), sampled every 100 ms during the level; "
              "**VmHWM** sums each process's lifetime high-water mark, so it only rises. **Client** is this "
              "benchmark process's own peak (`ru_maxrss`).",
              "- **CPU cores** is CPU time (user + system, all threads) over the level's wall time, for the API "
              "process tree, the separate Milvus server (PostgreSQL setup only) and this client: on this 2-core "
              "host, an API near 1.0 while requests queue is serialised (a lock or the GIL), one near 2.0 is out "
              "of cores.",
              "- Client, server, Milvus and PostgreSQL share the same cores, so these are figures for one small "
              "host, not for a deployment. Chat turns of different conversations run in parallel inside one "
              "process (`AssistantService` locks per conversation). With Milvus Lite embedded, its engine runs "
              "in the API process under the GIL, so chat and search stay near one core; with a Milvus server the "
              "API waits on it and concurrent turns overlap."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    shown = argv if argv is not None else sys.argv[1:]
    # A password in --postgres stays out of the report.
    command = shlex.join([".venv/bin/python", "-m", "evals.load_benchmark", *shown])
    command = re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", command)
    started = time.perf_counter()
    results = run_all(args)
    report = render(results, args, command, time.perf_counter() - started)
    print(report)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report, encoding="utf-8")
    failed = sum(sum(r.errors.values()) for _, levels in results.values() for r in levels)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
