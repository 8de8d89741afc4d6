"""The `minqian` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from minqian import cli_coefficient, cli_inspections, cli_keys, cli_risk, cli_security
from minqian.errors import CitationNotFound, ConfigurationError
from minqian.logs import configure_logging, offline_environment
from minqian.settings import Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minqian", description="闽企安 安全生产 AI 助手")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="把法规、标准和清单导入知识库")
    ingest.add_argument("paths", nargs="*", type=Path, help="额外的文档文件夹或文件")

    search = commands.add_parser("search", help="检索条文")
    search.add_argument("query", nargs="?", help="问题；省略时从标准输入逐行读取")
    search.add_argument("--top-k", type=int, default=None)
    search.add_argument("--category", action="append", default=[], help="可重复")
    search.add_argument("--industry", action="append", default=[], help="可重复")
    search.add_argument("--status", action="append", default=[], help="可重复")
    search.add_argument("--instrument", action="append", default=[], help="法规名称，可重复")
    search.add_argument("--method", choices=["hybrid", "dense", "bm25", "learned"], default="hybrid")
    search.add_argument("--json", action="store_true", help="输出 JSON")

    cite = commands.add_parser("cite", help="按引用查条文，如 《安全生产法》第二十一条")
    cite.add_argument("reference")
    cite.add_argument("--json", action="store_true")

    serve = commands.add_parser("serve", help="启动服务")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    cli_keys.add_parser(commands)
    cli_risk.add_parsers(commands)
    cli_coefficient.add_parser(commands)
    cli_inspections.add_parser(commands)
    cli_security.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    offline_environment()
    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        handler = {"ingest": _ingest, "search": _search, "cite": _cite, "serve": _serve,
                   "keys": cli_keys.run, "demo": cli_risk.run, "enterprises": cli_risk.run,
                   "risk-codes": cli_risk.run, "workers": cli_risk.run,
                   "coefficient": cli_coefficient.run, "inspections": cli_inspections.run,
                   "security": cli_security.run, "audit": cli_security.run}  # fmt: skip
        code = handler[args.command](settings, args)
        _audit_change(settings, args, code)
        return code
    except ConfigurationError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2


# Subcommands that change records; the audit log names who ran them (the
# operator's login), the command and how it ended, never its arguments
# (they may hold names, or a key being created).
_CHANGES = {"keys": {"create", "revoke"}, "demo": {"seed"}, "risk-codes": {"revoke"}, "workers": {"issue"},
            "coefficient": {"publish", "rollup", "import"}}  # fmt: skip


def _audit_change(settings: Settings, args: argparse.Namespace, code: int) -> None:
    subcommand = next((v for k, v in vars(args).items() if k.endswith("_command") and isinstance(v, str)), "")
    if subcommand not in _CHANGES.get(args.command, ()):
        return
    import getpass

    from minqian.access import Principal
    from minqian.audit import AuditEntry, AuditLog
    from minqian.database import open_records

    engine = open_records(settings)
    try:
        operator = Principal("admin", f"cli:{getpass.getuser()}"[:64], "命令行")
        AuditLog(engine).append(AuditEntry(operator, "cli", "change", f"{args.command} {subcommand}", {},
                                           getattr(args, "enterprise", None), code))  # fmt: skip
    finally:
        engine.dispose()


def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    from minqian.components import open_pipeline

    report = open_pipeline(settings).run(args.paths)
    print(report.summary())
    return 0


def _search(settings: Settings, args: argparse.Namespace) -> int:
    from agent.retrieval import SearchFilters
    from minqian.components import open_knowledge_base

    kb = open_knowledge_base(settings)
    filters = SearchFilters(args.category, args.industry, args.status, args.instrument)
    queries = [args.query] if args.query else (line.strip() for line in sys.stdin)
    for query in queries:
        if not query:
            continue
        hits = kb.retriever.search(query, args.top_k, filters, args.method)
        if args.json:
            print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False), flush=True)
            continue
        if not hits:
            print(f"没有找到与“{query}”相关的条文。")
        for n, hit in enumerate(hits, 1):
            d = hit.as_dict()
            print(f"{n}. 《{d['title']}》{d['article']}（{d['category']}，{d['status']}，"
                  f"施行日期 {d['effective_date'] or '未知'}）score={d['score']}")
            print(f"   {d['text']}\n")
    return 0


def _cite(settings: Settings, args: argparse.Namespace) -> int:
    from agent.citations import lookup, nearest_articles, parse_reference
    from minqian.components import open_knowledge_base

    kb = open_knowledge_base(settings)
    ref = None
    try:
        ref = parse_reference(args.reference, kb.catalog)
        article = lookup(ref, kb.catalog, kb.index)
    except CitationNotFound as exc:
        nearest = nearest_articles(ref, kb.catalog, kb.index) if ref else []
        if not nearest:
            nearest = [h.clause for h in kb.retriever.search(args.reference, 3)]
        near = [{"title": r["title"], "article": r["article_label"], "text": r["text"]}
                for r in nearest[:3]]  # fmt: skip
        if args.json:
            print(json.dumps({"found": False, "error": str(exc), "nearest": near},
                             ensure_ascii=False))  # fmt: skip
        else:
            print(f"未找到：{exc}")
            if near:
                print("最接近的条文：")
                for n in near:
                    print(f"- 《{n['title']}》{n['article']}：{n['text'][:80]}")
        return 1
    f = article.fields
    record = {
        "found": True, "citation": article.citation, "title": article.entry.title,
        "article": article.article_label, "text": article.text,
        "category": f["category"], "status": f["status"],
        "effective_date": f["effective_date"], "issuer": f["issuer"], "path": f["path"],
    }  # fmt: skip
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(f"{record['citation']}（{record['category']}，{record['status']}，"
              f"施行日期 {record['effective_date'] or '未知'}）")
        print(record["text"])
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    # api.access logs one line per request; uvicorn's own access log would repeat it.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_config=None,
                access_log=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
