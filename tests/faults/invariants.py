"""What the store must hold after a kill: each logical record whole or absent, none twice.

Read with plain SQL on unsealed columns (ids, states, times, counts), through
an engine of the test's own, so the check does not trust the code under test.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from sqlalchemy import create_engine, text

from tests.faults.writes import ENTRIES, FIELDS, HAZARDS, INSPECTED, PERIOD, REGISTERS, Outcome

CODED_GRADES = ("重大", "较大")


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql), params))

    def close(self) -> None:
        self.engine.dispose()


def check_store(store: Store, seen: Outcome) -> dict[str, int]:
    """Assert every invariant; return how many records of each kind are stored."""
    if store.url.startswith("sqlite"):
        path = store.url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "SQLite file damaged"
    return {"hazard": _hazards(store, seen), "register": _registers(store, seen), "close": _closes(store, seen),
            "report": _reports(store, seen), "publish": _publication(store, seen)}  # fmt: skip


def _bounded(kind: str, stored: set[str] | Counter[str], seen: Outcome) -> None:
    """Every acknowledged write stored; nothing beyond what was sent (acked or cut off)."""
    acked = seen.ids(kind)
    missing = [i for i in acked if i not in stored]
    assert not missing, f"{kind}: acknowledged but not stored: {missing[:5]}"
    limit = len(acked) + len(seen.unknown[kind])
    assert len(stored) <= limit, f"{kind}: {len(stored)} stored, only {limit} sent (acked + cut off)"


def _hazards(store: Store, seen: Outcome) -> int:
    rows = store.rows("""SELECT h.id, h.status, (SELECT count(*) FROM hazard_report_events e
                         WHERE e.report_id = h.id) AS events,
                         (SELECT count(*) FROM hazard_report_events e WHERE e.report_id = h.id
                          AND e.from_status IS NULL AND e.to_status = '已上报') AS opened
                         FROM hazard_reports h WHERE h.enterprise_id = :eid""", eid=HAZARDS)  # fmt: skip
    broken = [(r.id, r.events, r.opened) for r in rows if r.events != 1 or r.opened != 1 or r.status != "已上报"]
    assert not broken, f"hazard reports without exactly their first event (id, events, opening): {broken[:5]}"
    _bounded("hazard", {r.id for r in rows}, seen)
    return len(rows)


def _registers(store: Store, seen: Outcome) -> int:
    registers = store.rows("""SELECT r.id, r.version, count(e.id) AS entries,
                              sum(CASE WHEN e.grade IN ('重大', '较大') THEN 1 ELSE 0 END) AS coded
                              FROM risk_registers r LEFT JOIN risk_entries e ON e.register_id = r.id
                              WHERE r.enterprise_id = :eid GROUP BY r.id, r.version ORDER BY r.version""",
                           eid=REGISTERS)  # fmt: skip
    half = [(r.version, r.entries) for r in registers if r.entries != ENTRIES]
    assert not half, f"register versions without all {ENTRIES} entries (version, entries): {half}"
    versions = [r.version for r in registers]
    assert versions == list(range(1, len(versions) + 1)), f"register versions with gaps or twice: {versions}"
    codes = store.rows("""SELECT c.id, c.status, c.superseded_by, e.register_id FROM risk_codes c
                          LEFT JOIN risk_entries e ON e.id = c.entry_id WHERE c.enterprise_id = :eid""",
                       eid=REGISTERS)  # fmt: skip
    assert all(c.register_id for c in codes), "risk codes whose entry is not stored"
    if registers:
        latest = registers[-1]
        active = [c for c in codes if c.status == "有效"]
        assert len(active) == latest.coded, f"{len(active)} valid codes for {latest.coded} coded points"
        assert {c.register_id for c in active} == {latest.id}, "valid codes outside the latest register"
        ids = {c.id for c in codes}
        dangling = [c.id for c in codes if c.status == "已被替代" and c.superseded_by not in ids]
        assert not dangling, f"codes superseded by codes that are not stored: {dangling[:5]}"
    else:
        assert not codes, "risk codes without any register"
    _bounded("register", {r.id for r in registers}, seen)
    return len(registers)


def _closes(store: Store, seen: Outcome) -> int:
    records = store.rows("""SELECT r.id, r.status, r.closed_at, r.inspector_signature, r.enterprise_signature,
                            (SELECT count(*) FROM inspection_findings f WHERE f.record_id = r.id) AS findings
                            FROM inspection_records r WHERE r.enterprise_id = :eid""", eid=INSPECTED)  # fmt: skip
    closed = [r for r in records if r.status == "已结束"]
    odd = [r.id for r in records if (r.status == "已结束") != (r.closed_at is not None)
           or (r.status == "已结束" and not (r.inspector_signature and r.enterprise_signature))]  # fmt: skip
    assert not odd, f"records half closed (state, time and signatures disagree): {odd[:5]}"
    # Closing writes its rows with the record's closed_at as their created_at:
    # that ties each enforcement record and hazard report to its closing.
    fed = Counter((r.kind, str(r.created_at)) for r in store.rows(
        "SELECT kind, created_at FROM enforcement_records WHERE enterprise_id = :eid", eid=INSPECTED))  # fmt: skip
    listed = Counter(str(r.created_at) for r in store.rows(
        """SELECT h.created_at FROM hazard_reports h WHERE h.enterprise_id = :eid AND h.code_id IS NULL
           AND (SELECT count(*) FROM hazard_report_events e WHERE e.report_id = h.id) = 1""",
        eid=INSPECTED))  # fmt: skip
    for r in closed:
        at = str(r.closed_at)
        assert fed[("现场检查", at)] == 1, f"closed record {r.id}: {fed[('现场检查', at)]} 现场检查 records"
        assert fed[("检查隐患", at)] == r.findings, f"closed record {r.id}: {fed[('检查隐患', at)]} 检查隐患 records"
        assert listed[at] == r.findings, f"closed record {r.id}: {listed[at]} hazard reports for {r.findings}"
    expected = {"现场检查": len(closed), "检查隐患": sum(r.findings for r in closed)}
    totals = {kind: sum(n for (k, _), n in fed.items() if k == kind) for kind in expected}
    assert totals == expected, f"enforcement records not from one closing each: {totals} != {expected}"
    all_listed = store.rows("SELECT count(*) AS n FROM hazard_reports WHERE enterprise_id = :eid", eid=INSPECTED)
    assert all_listed[0].n == expected["检查隐患"], "hazard reports from closings without their event, or extra"
    _bounded("close", {r.id for r in closed}, seen)
    return len(closed)


def _reports(store: Store, seen: Outcome) -> int:
    periods = Counter(r.period for r in store.rows(
        "SELECT period FROM enterprise_reports WHERE enterprise_id = :eid", eid=INSPECTED))  # fmt: skip
    # A cut-off report sent again after the restart may be stored twice: the API
    # has no idempotency key, and a later report of a period supersedes the earlier.
    sent = Counter([*seen.ids("report"), *(c.marker for c in seen.unknown["report"])])
    partial = {p: n for p, n in periods.items() if n % len(FIELDS) or not 1 <= n // len(FIELDS) <= sent[p]}
    assert not partial, f"form reports not stored whole ({len(FIELDS)} fields each, once per sending): {partial}"
    _bounded("report", set(periods), seen)
    return len(periods)


def _publication(store: Store, seen: Outcome) -> int:
    enterprises = store.rows("SELECT count(*) AS n FROM enterprises")[0].n
    rows = store.rows("""SELECT count(*) AS n, count(DISTINCT published_at) AS publications,
                         count(DISTINCT enterprise_id) AS enterprises
                         FROM coefficient_snapshots WHERE period = :period""", period=PERIOD)  # fmt: skip
    n, publications, covered = rows[0]
    if seen.acked["publish"] or n:
        assert (n, covered, publications) == (enterprises, enterprises, 1), (
            f"period {PERIOD} half published or mixed: {n} snapshots of {covered} enterprises "
            f"from {publications} publications, {enterprises} enterprises")  # fmt: skip
    return publications
