"""A real process writing records is SIGKILLed mid-way, on SQLite and on PostgreSQL.

The API process serves five concurrent writers (tests/faults/writes.py), each
storing records of several rows, and is killed twice: once after a random
delay, once the moment the store shows a write transaction open. After each
kill the store is read directly: every logical record is whole or absent,
every acknowledged write is there, nothing beyond what was sent. A new API
process on the same store then serves reads and takes the cut-off writes again.

`minqian demo seed` is killed the same way while it builds its synthetic
population, and the next run must leave the population complete.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.faults.invariants import Store, check_store
from tests.faults.processes import ApiServer, Program, auth, expect, make_admin_key, run_cli
from tests.faults.writes import (
    FINDINGS,
    HAZARDS,
    KINDS,
    REGISTERS,
    Outcome,
    Site,
    prepare_inspections,
    record,
    set_up_site,
    write_until_killed,
)

SEED = int(os.environ.get("MINQIAN_FAULT_SEED") or random.randrange(1_000_000))
PROBE_SECONDS = 15


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'minqian.sqlite'}"  # the default under MINQIAN_DATA_DIR
    else:
        yield request.getfixturevalue("shared_database")


def _env(fault_env: dict[str, str], tmp_path: Path, database_url: str) -> dict[str, str]:
    env = dict(fault_env, MINQIAN_DATA_DIR=str(tmp_path / "data"))
    if not database_url.startswith("sqlite"):
        env["MINQIAN_DATABASE__URL"] = database_url
    return env




def _after_random_delay(rng: random.Random) -> Callable[[], bool]:
    def wait() -> bool:
        time.sleep(rng.uniform(0.5, 1.5))
        return True

    return wait


def _inside_a_write_transaction(database_url: str) -> Callable[[], bool]:
    """Returns once the store shows a write transaction open (or at a deadline, returning False)."""
    sqlite = database_url.startswith("sqlite")

    def writing(probe: Any) -> bool:
        if not sqlite:  # a backend with a transaction id has written in its open transaction
            return bool(probe.execute("""SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                                         AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()""").fetchone()[0])
        try:
            probe.execute("BEGIN IMMEDIATE")  # refused at once while another writer holds the lock
        except sqlite3.OperationalError:
            return True
        probe.execute("ROLLBACK")
        return False

    def wait() -> bool:
        if sqlite:
            probe: Any = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        else:
            probe = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        deadline = time.monotonic() + PROBE_SECONDS
        try:
            while time.monotonic() < deadline:
                if writing(probe):
                    return True
                time.sleep(0.001)
            return False
        finally:
            probe.close()

    return wait


def test_a_killed_api_leaves_every_record_whole_or_absent(
    database_url: str, fault_env: dict[str, str], tmp_path: Path, logs: Path, programs: list[Program]
) -> None:  # fmt: skip
    api = ApiServer(_env(fault_env, tmp_path, database_url), logs)
    programs.append(api)
    site = set_up_site(api.start(), make_admin_key(database_url))
    store = Store(database_url)
    rng = random.Random(SEED)
    seen = Outcome()
    try:
        for name, kill_when in (("after a random delay", _after_random_delay(rng)),
                                ("inside a write transaction", _inside_a_write_transaction(database_url))):  # fmt: skip
            prepare_inspections(api, site, 12)
            outcome, met = write_until_killed(api, site, kill_when)
            context = f"killed {name} (seed {SEED})\n{api.tail()}"
            assert met, f"no write transaction seen open within {PROBE_SECONDS}s: {context}"
            assert not outcome.wrong, f"writes answered neither 2xx nor 503 JSON: {outcome.wrong[:3]}\n{context}"
            assert sum(map(len, outcome.unknown.values())), f"the kill cut off no write in flight: {context}"
            seen.add(outcome)
            check_store(store, seen)
            api.start()  # a new process on the same store
            _serves_the_records(api, site, store)
        _takes_the_cut_off_writes_again(api, site, seen)
        check_store(store, seen)
    finally:
        store.close()
    assert all(seen.acked[kind] for kind in KINDS), {k: len(seen.acked[k]) for k in KINDS}


def _serves_the_records(api: ApiServer, site: Site, store: Store) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as client:
        assert expect(client.get("/healthz"), 200, api)["status"] == "ok"
        listed = expect(client.get(f"/v1/enterprises/{HAZARDS}/hazard-reports", headers=auth(site.keys[HAZARDS])),
                        200, api)["data"]  # fmt: skip
        stored = store.rows("SELECT id FROM hazard_reports WHERE enterprise_id = :eid", eid=HAZARDS)
        assert sorted(r["id"] for r in listed) == sorted(r.id for r in stored)
        if listed:
            shown = expect(client.get(f"/v1/hazard-reports/{listed[0]['id']}", headers=auth(site.keys[HAZARDS])),
                           200, api)  # fmt: skip
            assert [h["to"] for h in shown["history"]] == ["已上报"]
        versions = store.rows("SELECT max(version) AS v FROM risk_registers WHERE enterprise_id = :eid", eid=REGISTERS)
        if versions[0].v:
            register = expect(client.get(f"/v1/enterprises/{REGISTERS}/risk-register",
                                         headers=auth(site.keys[REGISTERS])), 200, api)  # fmt: skip
            assert register["version"] == versions[0].v
        closed = store.rows("SELECT id FROM inspection_records WHERE status = '已结束'")
        if closed:
            shown = expect(client.get(f"/v1/inspections/{closed[0].id}", headers=auth(site.keys["inspector"])),
                           200, api)  # fmt: skip
            assert shown["status"] == "已结束" and len(shown["findings"]) == FINDINGS


def _takes_the_cut_off_writes_again(api: ApiServer, site: Site, seen: Outcome) -> None:
    """Send each write the kills cut off once more, and one new write of each kind."""
    prepare_inspections(api, site, 1)
    again = [c for cut in seen.unknown.values() for c in cut]
    fresh = [c for kind in KINDS if (c := site.call(kind)) is not None]
    with httpx.Client(base_url=api.url, timeout=60) as client:
        for call in [*again, *fresh]:
            response = call.send(client)
            if call.kind == "close" and call in again and response.status_code == 409:
                continue  # the cut-off closing had been stored: closing twice is refused, not doubled
            assert response.status_code in (200, 201), f"{call.kind} {call.path}: {response.text}\n{api.tail()}"
            record(seen, call, response)


def test_a_killed_demo_seed_is_completed_by_the_next_run(fault_env: dict[str, str], tmp_path: Path) -> None:
    """The synthetic population is seeded: the run after the kill must store exactly what one whole run does."""
    seed = [sys.executable, "-m", "minqian.cli", "demo", "seed", "--population", "60"]
    reference = subprocess.Popen(seed, env=dict(fault_env, MINQIAN_DATA_DIR=str(tmp_path / "reference")),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    env = dict(fault_env, MINQIAN_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(seed, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    try:
        for line in process.stderr:  # the population is built after the four demo enterprises
            if "seeded id=DEMO-004" in line:
                break
        time.sleep(random.Random(SEED).uniform(0.1, 2.5))
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL, f"demo seed finished before the kill (seed {SEED})"
        rerun = run_cli(env, "demo", "seed", "--population", "60")
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert reference.wait(timeout=300) == 0, "the uninterrupted demo seed failed"
    finally:
        for started in (process, reference):
            started.kill()
            started.wait(timeout=30)
        process.stderr.close()
    completed, whole = (_population(tmp_path / name / "minqian.sqlite") for name in ("data", "reference"))
    assert completed == whole, f"the population after the kill differs from an uninterrupted one (seed {SEED})"
    assert completed["enterprises"] == 60 and completed["inspections"] > 0


def _population(path: Path) -> dict[str, object]:
    """Rows of the synthetic population per table, and every published coefficient."""
    store = Store(f"sqlite:///{path}")
    try:
        tables = (("enterprises", "id"), ("risk_registers", "enterprise_id"), ("risk_entries", "enterprise_id"),
                  ("risk_codes", "enterprise_id"), ("enterprise_reports", "enterprise_id"),
                  ("enforcement_records", "enterprise_id"), ("patrol_checkins", "enterprise_id"),
                  ("hazard_reports", "enterprise_id"))  # fmt: skip
        counts: dict[str, object] = {
            table: store.rows(f"SELECT count(*) AS n FROM {table} WHERE {column} LIKE 'SYN-%'")[0].n
            for table, column in tables
        }
        counts["events"] = store.rows("""SELECT count(*) AS n FROM hazard_report_events e JOIN hazard_reports h
                                         ON h.id = e.report_id WHERE h.enterprise_id LIKE 'SYN-%'""")[0].n  # fmt: skip
        counts["inspections"] = store.rows(
            "SELECT count(*) AS n FROM inspection_records WHERE inspector = 'simulation'")[0].n  # fmt: skip
        counts["demo registers"] = store.rows(
            "SELECT count(*) AS n FROM risk_registers WHERE enterprise_id LIKE 'DEMO-%'")[0].n  # fmt: skip
        counts["coefficients"] = sorted(tuple(r) for r in store.rows(
            "SELECT enterprise_id, period, coefficient, grade FROM coefficient_snapshots"))  # fmt: skip
        return counts
    finally:
        store.close()
