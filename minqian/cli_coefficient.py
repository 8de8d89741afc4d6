"""The `minqian coefficient` commands: list, explain, publish, roll-up, import.

Run on the server by its operator, so they act as an administrator through the
same services as the API.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from minqian.access import Principal
from minqian.errors import RecordError
from minqian.settings import Settings

OPERATOR = Principal("admin", "cli", "命令行")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("coefficient", help="企业安全生产系数")
    actions = parser.add_subparsers(dest="coefficient_command", required=True)
    listing = actions.add_parser("list", help="列出各企业当期系数、等级和现场检查上限")
    listing.add_argument("--period", default=None, help="YYYY-MM，默认最新发布期")
    listing.add_argument("--json", action="store_true")
    explain = actions.add_parser("explain", help="某企业的逐项得分和扣分原因")
    explain.add_argument("enterprise")
    explain.add_argument("--period", default=None)
    explain.add_argument("--json", action="store_true")
    publish = actions.add_parser("publish", help="按期计算并发布全部企业的系数")
    publish.add_argument("--period", required=True, help="YYYY-MM")
    rollup = actions.add_parser("rollup", help="生成市县综合系数（待审核）")
    rollup.add_argument("--period", required=True)
    imported = actions.add_parser("import", help="导入企业填报数据 CSV（enterprise_id,period,field,value）")
    imported.add_argument("file", type=Path)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.coefficient.facts import Period
    from minqian.database import init_schema, open_records
    from minqian.enterprises import EnterpriseStore

    engine = open_records(settings)
    try:
        init_schema(engine)
        desk = open_coefficient_desk(engine, EnterpriseStore(engine))
        command = args.coefficient_command
        if command == "list":
            rows = desk.scores.listing(OPERATOR, args.period)
            keys = ("enterprise", "name", "city", "county", "industry", "coefficient", "grade", "onsite_cap")
            if args.json:
                print(json.dumps([{**{k: r[k] for k in keys}, "period": r["period"], "mode": r["mode"],
                                   "key_inspection": r["key_inspection"]} for r in rows],
                                 ensure_ascii=False))  # fmt: skip
            else:
                for r in rows:
                    print(f"{r['enterprise']}  {r['name']}  {r['city']}{r['county']}  {r['industry']}  "
                          f"{r['coefficient']:g}  {r['grade']}  上限{r['onsite_cap']}次  {r['mode']}")  # fmt: skip
                if not rows:
                    print("还没有发布的系数。先运行 minqian coefficient publish --period YYYY-MM。")
            return 0
        if command == "explain":
            shown = desk.scores.explain(OPERATOR, args.enterprise, args.period)
            if args.json:
                print(json.dumps(shown, ensure_ascii=False, default=str))
            else:
                print(f"{shown['name']} {shown['period']} 系数 {shown['coefficient']:g} 等级 {shown['grade']}")
                for item in shown["breakdown"]["items"]:
                    print(
                        f"  {item['indicator']} {item['name']}："
                        f"{item['points']:g}/{item['max_points']:g}  {item['reason']}"
                    )
            return 0
        if command == "publish":
            count = desk.scores.publish(OPERATOR, Period.parse(args.period))
            print(f"已发布 {args.period} 期 {count} 家企业的安全生产系数（规则 {desk.scores.rules.version}）。")
            return 0
        if command == "rollup":
            rows = desk.rollups.compute(OPERATOR, args.period)
            print(f"已生成 {args.period} 期 {len(rows)} 个市县综合系数，状态为待审核。")
            return 0
        result = desk.inputs.import_csv(OPERATOR, args.file.read_text(encoding="utf-8-sig"))
        print(f"导入 {result.stored} 行；{len(result.errors)} 行有误：")
        for error in result.errors:
            print(f"  第 {error['row']} 行：{error['message']}")
        return 0 if not result.errors else 1
    except (RecordError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
