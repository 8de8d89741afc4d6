"""Oversight warnings over a simulated year: precision, recall and time to evaluate.

Builds the synthetic population (minqian.coefficient.population, with its
published coefficients and so its on-site caps), writes a year of inspections
with injected 多头/重复/高频次/无计划 cases and near misses just outside the
thresholds (minqian.inspections.simulation), then evaluates the warnings as an
administrator would see them. The baseline, measured in the same run, is the
naive rule “any two visits to one enterprise within the window” for 多头 and
重复, which ignores departments and items.

    .venv/bin/python -m evals.inspection_warnings_benchmark [--size 300] [--report evals/reports/inspections.md]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from minqian.access import Principal
from minqian.coefficient.desk import open_coefficient_desk
from minqian.coefficient.population import build_population
from minqian.database import init_schema, open_records
from minqian.inspections.desk import open_inspection_desk
from minqian.inspections.simulation import CASES, score_warnings, simulate_year
from minqian.risk.desk import open_risk_desk
from minqian.settings import Settings

ADMIN = Principal("admin", "eval")


def naive(desk: Any, window: int) -> list[dict[str, Any]]:
    """Any two visits within the window, whatever the department or items."""
    visits = sorted(desk.oversight.visits([e.id for e in desk.plans.coefficients.enterprises.list(ADMIN)]),
                    key=lambda v: (v.enterprise_id, v.started_at))  # fmt: skip
    found = []
    for a, b in zip(visits, visits[1:], strict=False):
        if a.enterprise_id == b.enterprise_id and (b.started_at - a.started_at).days <= window:
            kind = "多头检查" if a.department != b.department else "重复检查"
            found.append({"type": kind, "enterprise": a.enterprise_id, "inspections": [a.id, b.id]})
    return found


def run(size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="minqian-inspections-eval-") as folder:
        settings = Settings(data_dir=Path(folder))
        engine = open_records(settings)
        init_schema(engine)
        risk = open_risk_desk(settings, engine)
        coefficients = open_coefficient_desk(engine, risk.enterprises)
        build_population(engine, risk, coefficients, size=size)
        desk = open_inspection_desk(settings, engine, risk, coefficients.scores)
        items = {field: [i.id for i in desk.catalogue.for_field(field)] for field in ("工贸", "危化", "非煤矿山")}
        started = time.perf_counter()
        simulation = simulate_year(engine, risk.enterprises.list(ADMIN), 2026, items, settings.inspections)
        written = time.perf_counter() - started
        started = time.perf_counter()
        found = desk.oversight.warnings(ADMIN)
        evaluated = time.perf_counter() - started
        scores = score_warnings(found, simulation.expected)
        baseline = score_warnings(naive(desk, settings.inspections.multi_department_days), simulation.expected)
        engine.dispose()
    return {"size": size, "records": simulation.records, "written": written, "evaluated": evaluated,
            "scores": scores, "baseline": baseline}  # fmt: skip


def render(result: dict[str, Any]) -> str:
    lines = ["# Inspection oversight warnings", "",
             f"{result['size']} synthetic enterprises, {result['records']} simulated inspections in 2026 with "
             "injected cases and near misses just outside each threshold.", "",
             "| rule | expected | found | matched | precision | recall | naive baseline precision | baseline recall |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for kind in CASES:
        s, b = result["scores"][kind], result["baseline"][kind]
        base = (f"{b['precision']:.3f} | {b['recall']:.3f}" if kind in ("多头检查", "重复检查") else "– | –")
        lines.append(f"| {kind} | {s['expected']} | {s['found']} | {s['matched']} | {s['precision']:.3f} "
                     f"| {s['recall']:.3f} | {base} |")  # fmt: skip
    lines += ["", f"Writing the year took {result['written']:.2f} s; evaluating every warning took "
              f"{result['evaluated']:.3f} s ({result['records'] / max(result['evaluated'], 1e-9):,.0f} inspections/s)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args(argv)
    report = render(run(args.size))
    print(report)
    if args.report:
        args.report.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
