"""Coefficient at scale: a synthetic province of 300 and 3,000 enterprises, timed.

Each (backend, size) runs in its own process on a fresh database, so its peak
RSS is its own: a SQLite file in a temporary directory, and with --postgres a
uniquely named database on that server, dropped afterwards. The population is
minqian/coefficient/population.py (fixed seed, twelve periods ending 2026-11).
Stages timed:

- history: enterprises, registers (through RiskRegisterService.confirm) and
  the bulk records (reports, enforcement, patrols, hazard reports);
- facts + score: collect_facts and score for the last period over everyone, in
  the 500-enterprise batches publish uses, then CoefficientService.assess_all
  the same way (supervision and register scenarios added);
- baseline: assess_all one enterprise at a time for 100 of them, extrapolated
  to everyone (the naive per-enterprise path);
- publish: all twelve periods; listing; roll-up computation (last period).

    .venv/bin/python -m evals.coefficient_benchmark [--sizes 300 3000] \\
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--report evals/reports/coefficient.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
END, MONTHS, BATCH, SAMPLE = "2026-11", 12, 500, 100
STAGES = (
    ("history", "build history (all stages)"), ("history.registers", "… registers via confirm"),
    ("history.records", "… bulk records"), ("facts", "collect_facts, one period, everyone"),
    ("score", "score, one period, everyone"), ("assess", "assess_all, one period, batches of 500"),
    ("baseline", "baseline: assess_all one at a time (100 sampled, extrapolated)"),
    ("publish", "publish 12 periods (rate per enterprise-period)"), ("listing", "listing, one period"),
    ("rollup", "roll-up compute, one period"),
)  # fmt: skip


def measure(url: str, size: int, data_dir: Path) -> dict[str, Any]:
    """Build the population on `url` and time every stage; runs in a worker process."""
    from minqian.access import Principal
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.coefficient.facts import Period, collect_facts
    from minqian.coefficient.population import OPERATOR, period_labels, write_history
    from minqian.coefficient.scoring import score
    from minqian.database import init_schema, open_engine
    from minqian.risk.desk import open_risk_desk
    from minqian.sealing import Keyring
    from minqian.settings import Settings

    engine = open_engine(url, Keyring.generate())
    init_schema(engine)
    risk = open_risk_desk(Settings(data_dir=data_dir), engine)
    desk = open_coefficient_desk(engine, risk.enterprises)
    admin, period = Principal("admin", "benchmark"), Period(END)
    seconds: dict[str, float] = {}
    peak: dict[str, float] = {}

    def timed(stage: str, started: float) -> None:
        seconds[stage] = time.perf_counter() - started
        peak[stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux → MiB

    started = time.perf_counter()
    rows, parts = write_history(engine, risk, size, end_period=END, months=MONTHS)
    timed("history", started)
    seconds["history.registers"], seconds["history.records"] = parts["registers"], parts["records"]
    everyone = risk.enterprises.list(admin)
    batches = [everyone[n : n + BATCH] for n in range(0, len(everyone), BATCH)]

    started, facts = time.perf_counter(), {}
    for batch in batches:
        facts.update(collect_facts(engine, batch, period))
    timed("facts", started)
    started = time.perf_counter()
    grades = [score(facts[e.id], desk.scores.rules).grade for e in everyone]
    timed("score", started)
    started = time.perf_counter()
    for batch in batches:
        desk.scores.assess_all(batch, period)
    timed("assess", started)
    sample = everyone[:: max(1, len(everyone) // SAMPLE)][:SAMPLE]
    started = time.perf_counter()
    for enterprise in sample:
        desk.scores.assess_all([enterprise], period)
    timed("baseline", started)
    seconds["baseline"] *= len(everyone) / len(sample)

    started = time.perf_counter()
    for label in period_labels(END, MONTHS):
        desk.scores.publish(OPERATOR, Period(label))
    timed("publish", started)
    started = time.perf_counter()
    listed = desk.scores.listing(admin, END)
    timed("listing", started)
    started = time.perf_counter()
    rollups = desk.rollups.compute(admin, END)
    timed("rollup", started)
    engine.dispose()
    distribution = {g: grades.count(g) for g in sorted(set(grades))}
    return {"size": size, "enterprises": len(everyone), "rows": rows, "seconds": seconds, "peak_mib": peak,
            "grades": distribution, "listed": len(listed), "rollups": len(rollups),
            "load": "/".join(f"{x:.1f}" for x in os.getloadavg())}  # fmt: skip


def run_worker(url: str, size: int) -> dict[str, Any]:
    """One measurement in a fresh process (its own peak RSS, its own caches)."""
    with tempfile.TemporaryDirectory(prefix="minqian-coef-bench-") as folder:
        database = url if url != "sqlite" else f"sqlite:///{Path(folder) / 'minqian.sqlite'}"
        done = subprocess.run([sys.executable, "-m", "evals.coefficient_benchmark", "--worker", database, str(size),
                               folder], cwd=ROOT, capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"worker {url} size={size} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def postgres_database(server: str) -> tuple[str, Any]:
    """A uniquely named database on the server, and a function that drops it."""
    import psycopg

    name = f"minqian_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(server).set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = make_url(server).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False), drop


def render(results: dict[str, list[dict[str, Any]]], versions: dict[str, str]) -> str:
    lines = ["# Safety coefficient at scale", "",
             f"Synthetic population (`minqian/coefficient/population.py`, fixed seed), {MONTHS} periods ending {END}; "
             f"one fresh process and database per row group. {versions['host']}.", ""]  # fmt: skip
    for backend, runs in results.items():
        small, large = runs[0], runs[-1]
        lines += [f"## {backend} ({versions[backend]})", "",
                  f"| stage | {small['size']}: s | {small['size']}: enterprises/s | {large['size']}: s "
                  f"| {large['size']}: enterprises/s | time ×{large['size'] / small['size']:g} size "
                  f"| peak RSS MiB ({small['size']} / {large['size']}) |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for stage, label in STAGES:
            a, b = small["seconds"][stage], large["seconds"][stage]
            per = MONTHS if stage == "publish" else 1
            rss = (f"{small['peak_mib'][stage]:.0f} / {large['peak_mib'][stage]:.0f}"
                   if stage in small["peak_mib"] else "")  # fmt: skip
            lines.append(f"| {label} | {a:.2f} | {per * small['enterprises'] / a:,.0f} | {b:.2f} "
                         f"| {per * large['enterprises'] / b:,.0f} | {b / a:.1f} | {rss} |")  # fmt: skip
        lines += ["", "Rows written and results:", ""]
        for run in runs:
            rows = ", ".join(f"{table} {count:,}" for table, count in run["rows"].items())
            lines.append(f"- {run['size']} enterprises: {rows}; grades in {END} {run['grades']}; "
                         f"listed {run['listed']}, roll-ups {run['rollups']}; "
                         f"load average when it ended {run['load']}.")  # fmt: skip
        lines.append("")
    lines += ["Peak RSS is the process's high-water mark after each stage (`ru_maxrss`), so it only rises. "
              f"The baseline row is extrapolated from {SAMPLE} single-enterprise calls. Times are wall-clock "
              "on the host named above, whose load average is given: other work on it slows every row."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--postgres", default=None, help="server URL; a fresh database is created and dropped")
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--worker", nargs=3, metavar=("URL", "SIZE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        url, size, folder = args.worker
        print(json.dumps(measure(url, int(size), Path(folder))))
        return 0
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    host = f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load} (1/5/15 min) at start"
    versions = {"SQLite": f"SQLite {sqlite3.sqlite_version}", "host": host}
    results = {"SQLite": [run_worker("sqlite", size) for size in args.sizes]}
    if args.postgres:
        import psycopg

        with psycopg.connect(make_url(args.postgres).set(drivername="postgresql").render_as_string(
                hide_password=False)) as connection:  # fmt: skip
            versions["PostgreSQL"] = "PostgreSQL " + str(connection.execute("SHOW server_version").fetchone()[0])
        results["PostgreSQL"] = []
        for size in args.sizes:
            url, drop = postgres_database(args.postgres)
            try:
                results["PostgreSQL"].append(run_worker(url, size))
            finally:
                drop()
    report = render(results, versions)
    print(report)
    if args.report:
        args.report.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
