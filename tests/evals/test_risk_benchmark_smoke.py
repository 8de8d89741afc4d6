"""The identification benchmark runs end to end on a few scripted profiles."""

from __future__ import annotations

from pathlib import Path

import yaml

from evals.risk_identification_benchmark import PROFILES, main


def test_benchmark_plays_profiles_and_reports_coverage(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    profiles = yaml.safe_load(PROFILES.read_text(encoding="utf-8"))["profiles"]
    assert len(profiles) >= 15
    subset = tmp_path / "profiles.yaml"
    subset.write_text(yaml.safe_dump({"profiles": profiles[:3]}, allow_unicode=True), encoding="utf-8")
    report = tmp_path / "report.md"
    assert main(["--profiles", str(subset), "--report", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| dialogue (rules)"))
    coverage = float(row.split("|")[2])
    assert coverage >= 0.5, text  # three hand-picked profiles: most expected points are proposed
    assert "3 scripted profiles" in text
