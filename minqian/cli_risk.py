"""The `minqian demo`, `enterprises`, `risk-codes` and `workers` commands.

The command line is the operator's tool on the server itself, so it acts as
an administrator; everything it does goes through the same services as the API.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minqian.access import Principal
from minqian.errors import RecordError
from minqian.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from minqian.risk.desk import RiskDesk

OPERATOR = Principal("admin", "cli", "命令行")


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="演示数据")
    demo_actions = demo.add_subparsers(dest="demo_command", required=True)
    seed = demo_actions.add_parser("seed", help="载入演示企业、已确认的风险清单和风险管理码（可重复执行）")
    seed.add_argument("--population", type=int, default=300, metavar="N",
                      help="另生成 N 家虚构企业及一年的系数历史（默认 300）")  # fmt: skip
    seed.add_argument("--no-population", action="store_true", help="只载入 4 家演示企业，不生成虚构企业群")

    enterprises = commands.add_parser("enterprises", help="企业")
    ent_actions = enterprises.add_subparsers(dest="enterprises_command", required=True)
    ent_list = ent_actions.add_parser("list", help="列出企业")
    ent_list.add_argument("--json", action="store_true")

    codes = commands.add_parser("risk-codes", help="风险管理码")
    code_actions = codes.add_subparsers(dest="codes_command", required=True)
    code_list = code_actions.add_parser("list", help="列出风险管理码并生成二维码图片")
    code_list.add_argument("--json", action="store_true")
    code_list.add_argument("--enterprise", default=None, help="只列出该企业的")
    code_list.add_argument("--all", action="store_true", help="包括已撤销和已被替代的")
    code_revoke = code_actions.add_parser("revoke", help="撤销风险管理码")
    code_revoke.add_argument("code_id")

    workers = commands.add_parser("workers", help="员工身份码")
    worker_actions = workers.add_subparsers(dest="workers_command", required=True)
    issue = worker_actions.add_parser("issue", help="为企业员工发放身份码（只显示一次）")
    issue.add_argument("--enterprise", required=True)
    issue.add_argument("--name", required=True)


def run(settings: Settings, args: argparse.Namespace) -> int:
    with _desk(settings) as (desk, engine):
        try:
            if args.command == "demo":
                return _seed(desk, engine, args)
            if args.command == "enterprises":
                return _enterprises(desk, args)
            if args.command == "workers":
                worker, token = desk.workers.issue(OPERATOR, args.enterprise, args.name)
                print(f"已为 {worker['name']} 发放员工身份码（ID {worker['id']}），只显示这一次：\n{token}")
                return 0
            if args.codes_command == "revoke":
                code = desk.codes.revoke(OPERATOR, args.code_id)
                print(f"已撤销风险管理码 {code['id']}（{code['risk_point']}）。")
                return 0
            return _codes(settings, desk, args)
        except RecordError as exc:
            print(str(exc), file=sys.stderr)
            return 1


@contextmanager
def _desk(settings: Settings) -> Iterator[tuple[RiskDesk, Engine]]:
    from minqian.database import init_schema, open_records
    from minqian.risk.desk import open_risk_desk

    engine = open_records(settings)
    try:
        init_schema(engine)
        yield open_risk_desk(settings, engine), engine
    finally:
        engine.dispose()


def _seed(desk: RiskDesk, engine: Engine, args: argparse.Namespace) -> int:
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.coefficient.population import build_population
    from minqian.demo import seed_demo

    if not args.no_population and not 1 <= args.population <= 9999:
        print(f"--population 应在 1 到 9999 之间，收到 {args.population}", file=sys.stderr)
        return 2
    result = seed_demo(desk)
    print(f"演示数据：新增企业 {len(result.added)} 家，已存在跳过 {len(result.skipped)} 家，"
          f"新发风险管理码 {result.codes} 个。所有演示企业名称带“（演示）”，均为虚构。")  # fmt: skip
    for enterprise_id, token in result.workers.items():
        print(f"  {enterprise_id} 演示员工身份码（只显示这一次）：{token}")
    if args.no_population:
        return 0
    summary = build_population(engine, desk, open_coefficient_desk(engine, desk.enterprises), args.population)
    grades = "、".join(f"{grade} {count} 家" for grade, count in summary.grades.items()) or "无"
    span = f"{summary.periods[0]} 至 {summary.periods[-1]}"
    if summary.existed:
        print(f"虚构企业群已存在（{sum(summary.grades.values())} 家，SYN-0001 起），未重复生成；"
              f"{summary.periods[-1]} 等级：{grades}。")  # fmt: skip
    else:
        print(f"虚构企业群：新增企业 {summary.added} 家（SYN-0001 起），"
              f"已发布 {span} 共 {len(summary.periods)} 期安全生产系数；{summary.periods[-1]} 等级：{grades}。"
              "均为虚构演示数据，不对应任何真实企业。")  # fmt: skip
    _seed_inspections(desk, engine, summary.periods[-1])
    return 0


def _seed_inspections(desk: RiskDesk, engine: Engine, last_period: str) -> None:
    from minqian.coefficient.desk import open_coefficient_desk
    from minqian.inspections.desk import open_inspection_desk
    from minqian.inspections.simulation import seed_inspections

    inspections = open_inspection_desk(desk.settings, engine, desk,
                                       open_coefficient_desk(engine, desk.enterprises).scores)  # fmt: skip
    items = {f: [i.id for i in inspections.catalogue.for_field(f)] for f in ("工贸", "危化", "非煤矿山")}
    synthetic = [e for e in desk.enterprises.list(OPERATOR) if e.id.startswith("SYN-")]
    done = seed_inspections(engine, synthetic, items, desk.settings.inspections, int(last_period[:4]))
    if done is None:
        print("模拟执法检查记录已存在，未重复生成。")
        return
    cases = "、".join(f"{kind} {sum(1 for c in done.expected if c[0] == kind)} 起"
                      for kind in ("多头检查", "重复检查", "高频次检查", "无计划检查"))  # fmt: skip
    print(f"模拟执法检查：{done.records} 条检查记录（{last_period[:4]} 年），其中注入 {cases}，"
          "可用 minqian inspections warnings 查看预警。")


def _enterprises(desk: RiskDesk, args: argparse.Namespace) -> int:
    listed = desk.enterprises.list(OPERATOR)
    if args.json:
        print(json.dumps([e.as_dict() for e in listed], ensure_ascii=False))
        return 0
    for e in listed:
        print(f"{e.id}  {e.name}  {e.industry}/{e.sector}  {e.city_code}/{e.county_code}")
    if not listed:
        print("还没有企业。可以运行 minqian demo seed 载入演示数据。")
    return 0


def _codes(settings: Settings, desk: RiskDesk, args: argparse.Namespace) -> int:
    from minqian.risk.labels import qr_png

    folder = settings.data_dir / "risk_codes"
    folder.mkdir(parents=True, exist_ok=True)
    codes = desk.codes.list(OPERATOR, args.enterprise, include_withdrawn=args.all)
    listed: list[dict[str, Any]] = []
    for code in codes:
        png = folder / f"{code['id']}.png"
        if not png.exists():  # the URL of a code never changes, so its image need not either
            _write_atomic(png, qr_png(code["url"]))
        listed.append({"enterprise": code["enterprise_id"], "enterprise_name": code["enterprise"],
                       "risk_point": code["risk_point"], "location": code["location"],
                       "grade": code["grade"], "colour": code["colour"], "id": code["id"],
                       "version": code["version"], "status": code["status"], "url": code["url"],
                       "png": str(png)})  # fmt: skip
    if args.json:
        print(json.dumps(listed, ensure_ascii=False))
        return 0
    for c in listed:
        print(f"{c['id']} v{c['version']}  {c['enterprise_name']}  {c['risk_point']}  {c['grade']}（{c['colour']}）"
              f"  {c['status']}  {c['url']}  {c['png']}")  # fmt: skip
    if not listed:
        print("没有风险管理码。")
    return 0


def _write_atomic(path: Path, data: bytes) -> None:
    draft = path.with_suffix(".part")
    draft.write_bytes(data)
    draft.replace(path)
