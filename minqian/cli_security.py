"""The `minqian security` and `minqian audit` commands: data keys, resealing, the audit log."""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys

from minqian.access import Principal
from minqian.errors import ConfigurationError
from minqian.settings import Settings

OPERATOR = Principal("admin", "cli", "命令行")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    security = commands.add_parser("security", help="敏感字段加密：密钥、轮换、重新加密")
    actions = security.add_subparsers(dest="security_command", required=True)
    new_key = actions.add_parser("new-key", help="生成一把新密钥（写入 MINQIAN_SECURITY__DATA_KEYS 的最前面）")
    new_key.add_argument("--id", default="k2", help="密钥编号，如 k2")
    status = actions.add_parser("status", help="各字段由哪把密钥加密、还有多少明文")
    status.add_argument("--json", action="store_true")
    actions.add_parser("reseal", help="用当前密钥重新加密所有旧密钥或明文的值")
    rotate = actions.add_parser("rotate", help="数据目录密钥文件：添加新密钥并重新加密")
    rotate.add_argument("--id", required=True, help="新密钥编号，如 k2")

    audit = commands.add_parser("audit", help="审计日志：谁查看或修改了哪些记录")
    audit_actions = audit.add_subparsers(dest="audit_command", required=True)
    listing = audit_actions.add_parser("list", help="最新的审计记录")
    listing.add_argument("--actor", default=None, help="密钥 ID 或工人 ID")
    listing.add_argument("--enterprise", default=None, help="企业 ID")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    audit_actions.add_parser("verify", help="校验审计日志的哈希链是否完整")


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "security" and args.security_command == "new-key":
        print(f"{args.id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}")
        return 0
    from minqian.database import init_schema, open_records

    try:
        if args.command == "security" and args.security_command == "rotate":
            _rotate(settings, args.id)
        engine = open_records(settings)
    except ConfigurationError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    try:
        init_schema(engine)
        return _security(engine, args) if args.command == "security" else _audit(engine, args)
    finally:
        engine.dispose()


def _rotate(settings: Settings, key_id: str) -> None:
    from minqian.sealing import open_keyring, write_key_file

    if settings.security.data_keys:
        raise ConfigurationError(
            "keys come from MINQIAN_SECURITY__DATA_KEYS: prepend `minqian security new-key` output there, "
            "restart the service, then run `minqian security reseal`"
        )
    path = settings.data_dir / "data_keys"
    keyring = open_keyring(None, settings.data_dir, settings.env == "production")
    write_key_file(path, keyring.with_new_key(key_id))
    print(f"已添加新密钥 {key_id}（{path}）；正在重新加密……")


def _security(engine, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from minqian.audit import AuditEntry, AuditLog
    from minqian.sealing import keyring_of
    from minqian.security import key_usage, reseal

    if args.security_command in ("reseal", "rotate"):
        changed = reseal(engine)
        AuditLog(engine).append(AuditEntry(OPERATOR, "cli", "change", "security reseal", {"values": changed},
                                           None, 0))  # fmt: skip
        print(f"已用当前密钥 {keyring_of(engine.dialect).current} 重新加密 {changed} 个值。")
        return 0
    usage = key_usage(engine)
    if args.json:
        print(json.dumps({"current": keyring_of(engine.dialect).current, "columns": usage}, ensure_ascii=False))
        return 0
    print(f"当前密钥：{keyring_of(engine.dialect).current}")
    for column, counts in usage.items():
        shown = "、".join(f"{k} {n}" for k, n in sorted(counts.items())) or "（无数据）"
        print(f"  {column}: {shown}")
    return 0


def _audit(engine, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from minqian.audit import AuditLog

    log = AuditLog(engine)
    if args.audit_command == "verify":
        checked, broken = log.verify()
        if broken is not None:
            print(f"审计日志在第 {broken} 条处被改动或其前有记录被删除（已校验 {checked} 条）。", file=sys.stderr)
            return 1
        print(f"审计日志完整：已校验 {checked} 条。")
        return 0
    entries = log.entries(args.actor, args.enterprise, None, args.limit)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False))
        return 0
    for e in entries:
        print(f"{e['at']}  {e['actor_role']}:{e['actor']}  {e['action']}  {e['resource']}  "
              f"{json.dumps(e['target'], ensure_ascii=False)}  {e['status']}")  # fmt: skip
    return 0
