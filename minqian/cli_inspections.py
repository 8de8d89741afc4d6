"""The `minqian inspections` commands: warnings and leniency checks, as an administrator."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from minqian.access import Principal
from minqian.errors import RecordError
from minqian.settings import Settings

OPERATOR = Principal("admin", "cli", "命令行")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("inspections", help="执法检查监督")
    actions = parser.add_subparsers(dest="inspections_command", required=True)
    warnings = actions.add_parser("warnings", help="多头检查、重复检查、高频次检查、无计划检查预警")
    warnings.add_argument("--since", default=None, help="YYYY-MM-DD，只列此后的预警")
    warnings.add_argument("--type", default=None, choices=["多头检查", "重复检查", "高频次检查", "无计划检查"])
    warnings.add_argument("--json", action="store_true")
    lenient = actions.add_parser("lenient", help="判断一项发现能否适用轻微违法免罚")
    lenient.add_argument("description")
    lenient.add_argument("--level", default="一般隐患", choices=["一般隐患", "重大隐患"])


def run(settings: Settings, args: argparse.Namespace) -> int:
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.database import init_schema, open_records
    from minqian.inspections.desk import open_inspection_desk
    from minqian.inspections.lenient import assess_leniency
    from minqian.inspections.warnings import TYPES
    from minqian.risk.desk import open_risk_desk

    if args.inspections_command == "lenient":
        verdict = assess_leniency(args.description, args.level)
        print(f"{verdict['text']}依据：{'；'.join(verdict['basis'])}")
        return 0
    engine = open_records(settings)
    try:
        init_schema(engine)
        risk = open_risk_desk(settings, engine)
        desk = open_inspection_desk(settings, engine, risk, open_coefficient_desk(engine, risk.enterprises).scores)
        since = datetime.fromisoformat(args.since) if args.since else None
        found = desk.oversight.warnings(OPERATOR, since, None, (args.type,) if args.type else TYPES)
        if args.json:
            print(json.dumps(found, ensure_ascii=False))
            return 0
        for w in found:
            print(
                f"[{w['type']}] {w['enterprise']} {w['enterprise_name']}：{w['reason']}  "
                f"记录：{'、'.join(w['inspections'])}"
            )
        if not found:
            print("没有预警。")
        return 0
    except (RecordError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
