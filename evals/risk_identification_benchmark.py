"""Identification coverage: scripted enterprise profiles through the real dialogue.

Each profile in evals/datasets/risk_profiles.yaml is played through the
identification sub-graph (interrupt → resume, SQLite checkpointer, no LLM):
the five site answers, then the expected points are picked from what the
assistant proposed and answered with the profile's own words about controls,
then the register is confirmed. Measured per run:

- coverage: share of expected risk points the assistant proposed;
- proposals per profile and the share of them that were expected;
- controls read: share of answers whose controls-in-place were read exactly;
- grade match: share of proposed expected points whose confirmed grade is the
  expected one.

Baselines from the same run: “industry only” proposes every point of the
industry's scenarios (coverage ceiling, no selectivity); “inherent grade”
ignores the controls answer.

    .venv/bin/python -m evals.risk_identification_benchmark [--report evals/reports/risk_identification.md]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from agent.risk_dialogue import standalone_risk_dialogue
from minqian.access import Principal
from minqian.database import init_schema, open_records
from minqian.enterprises import Enterprise
from minqian.risk.desk import RiskDesk, open_risk_desk
from minqian.risk.identification import SiteProfile, assess
from minqian.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "evals" / "datasets" / "risk_profiles.yaml"
COUNTY = {"工贸": ("3505", "350583"), "危化": ("3506", "350623"), "非煤矿山": ("3508", "350823")}


def play(graph: Any, desk: RiskDesk, profile: dict[str, Any], number: int) -> dict[str, Any]:
    """Run one profile through the dialogue; return what was proposed, read and graded."""
    enterprise_id = f"EVAL-{number:03d}"
    city, county = COUNTY[profile["industry"]]
    desk.enterprises.add(Enterprise(enterprise_id, profile["name"], profile["industry"], "评测", city, county,
                                    risk_method=profile.get("method", "LEC"), synthetic=True))  # fmt: skip
    principal = Principal("enterprise", f"eval-{number}", "评测", enterprise_id)
    config = {"configurable": {"thread_id": enterprise_id, "principal": principal}}
    started = time.perf_counter()
    state = graph.invoke({"messages": [HumanMessage("帮我做风险辨识")]}, config)
    for answer in (profile["industry"], profile["workplaces"], profile["equipment"] or "无",
                   profile["materials"] or "无", str(profile["people"])):  # fmt: skip
        state = graph.invoke(Command(resume=answer), config)
    prompt = _prompt(state)
    proposed = list(prompt.get("points", [])) if prompt.get("step") == "select" else []
    expected = {e["point"]: e for e in profile["expected"]}
    picked = [n for n, point in enumerate(proposed, 1) if point in expected]
    if not picked:
        return {"proposed": proposed, "expected": expected, "graded": {}, "read": {}, "ms": 0.0}
    state = graph.invoke(Command(resume=" ".join(map(str, picked))), config)
    read: dict[str, list[int]] = {}
    while _prompt(state).get("step") == "controls":
        point = _prompt(state)["point"]
        state = graph.invoke(Command(resume=str(expected[point]["controls"])), config)
    for answer in ("全部 责任人 评测员", "确认"):
        state = graph.invoke(Command(resume=answer), config)
    register = desk.registers.current(principal, enterprise_id) or {"entries": []}
    graded = {e["point_ref"]: e["grade"] for e in register["entries"]}
    for entry in register["entries"]:
        point = desk.knowledge.points[entry["point_ref"]]
        read[entry["point_ref"]] = [n for n, c in enumerate(point.controls, 1) if c.text in entry["controls_in_place"]]
    return {"proposed": proposed, "expected": expected, "graded": graded, "read": read,
            "ms": (time.perf_counter() - started) * 1000}  # fmt: skip


def industry_only(desk: RiskDesk, industry: str) -> list[str]:
    return [p.id for s in desk.knowledge.scenarios
            if industry in s.industries or "通用" in s.industries for p in s.points]  # fmt: skip


def inherent_grade(desk: RiskDesk, point_id: str, profile: dict[str, Any]) -> str:
    site = SiteProfile(profile["industry"], people=int(profile["people"]))
    return assess(desk.knowledge.points[point_id], [], site, profile.get("method", "LEC")).grade


def summarise(desk: RiskDesk, profiles: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    expected = sum(len(r["expected"]) for r in results)
    found = [(p, r, point) for p, r in zip(profiles, results, strict=True) for point in r["expected"]
             if point in r["proposed"]]  # fmt: skip
    proposed = sum(len(r["proposed"]) for r in results)
    baseline = [industry_only(desk, p["industry"]) for p in profiles]
    return {
        "profiles": len(profiles), "expected": expected,
        "coverage": len(found) / expected,
        "per_profile": proposed / len(profiles), "precision": len(found) / max(proposed, 1),
        "controls_read": sum(r["read"].get(pt) == sorted(r["expected"][pt]["in_place"]) for _, r, pt in found)
        / max(len(found), 1),
        "grade_match": sum(r["graded"].get(pt) == r["expected"][pt]["grade"] for _, r, pt in found)
        / max(len(found), 1),
        "baseline_coverage": sum(pt in b for r, b in zip(results, baseline, strict=True) for pt in r["expected"])
        / expected,
        "baseline_per_profile": sum(map(len, baseline)) / len(profiles),
        "baseline_grade_match": sum(inherent_grade(desk, pt, p) == r["expected"][pt]["grade"] for p, r, pt in found)
        / max(len(found), 1),
        "ms": sorted(r["ms"] for r in results if r["ms"]),
    }  # fmt: skip


def render(summary: dict[str, Any], misses: list[str]) -> str:
    ms = summary["ms"]
    lines = [
        "# Risk identification coverage", "",
        f"{summary['profiles']} scripted profiles, {summary['expected']} expected risk points "
        "(`evals/datasets/risk_profiles.yaml`), played through the identification sub-graph with no LLM.", "",
        "| method | coverage | proposals / profile | expected share of proposals | controls read exactly "
        "| grade match |",
        "|---|---|---|---|---|---|",
        f"| dialogue (rules) | {summary['coverage']:.3f} | {summary['per_profile']:.1f} | {summary['precision']:.3f} "
        f"| {summary['controls_read']:.3f} | {summary['grade_match']:.3f} |",
        f"| baseline: every point of the industry, inherent grade | {summary['baseline_coverage']:.3f} "
        f"| {summary['baseline_per_profile']:.1f} | – | – | {summary['baseline_grade_match']:.3f} |", "",
        f"Dialogue time per profile (confirm included): median {ms[len(ms) // 2]:.0f} ms, max {ms[-1]:.0f} ms."
        if ms else "", "", "## Misses", "", *(misses or ["none"]),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=Path, default=PROFILES)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args(argv)
    profiles = yaml.safe_load(args.profiles.read_text(encoding="utf-8"))["profiles"]
    with tempfile.TemporaryDirectory(prefix="minqian-risk-eval-") as folder:
        settings = Settings(data_dir=Path(folder))
        engine = open_records(settings)
        init_schema(engine)
        desk = open_risk_desk(settings, engine)
        with SqliteSaver.from_conn_string(str(Path(folder) / "checkpoints.sqlite")) as saver:
            graph = standalone_risk_dialogue(desk, saver)
            results = [play(graph, desk, p, n) for n, p in enumerate(profiles, 1)]
        summary = summarise(desk, profiles, results)
        engine.dispose()
    misses = [f"- {p['id']} {p['name']}: {pt} not proposed" for p, r in zip(profiles, results, strict=True)
              for pt in r["expected"] if pt not in r["proposed"]]  # fmt: skip
    misses += [f"- {p['id']} {pt}: graded {r['graded'].get(pt)}, expected {r['expected'][pt]['grade']}; "
               f"controls read {r['read'].get(pt)}, expected {sorted(r['expected'][pt]['in_place'])}"
               for p, r in zip(profiles, results, strict=True) for pt in r["expected"]
               if pt in r["graded"] and r["graded"][pt] != r["expected"][pt]["grade"]]  # fmt: skip
    report = render(summary, misses)
    print(report)
    if args.report:
        args.report.write_text(report, encoding="utf-8")
    return 0


def _prompt(state: dict[str, Any]) -> dict[str, Any]:
    pending = state.get("__interrupt__")
    return dict(pending[0].value) if pending else {}


if __name__ == "__main__":
    sys.exit(main())
