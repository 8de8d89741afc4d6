"""The `minqian keys` commands: create, list and revoke API keys."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from minqian.regions import region_name
from minqian.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime

    from minqian.enterprises import EnterpriseStore
    from minqian.keys import ApiKey, ApiKeyStore


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `keys` command and its subcommands to the CLI."""
    keys = commands.add_parser("keys", help="管理 API 密钥")
    actions = keys.add_subparsers(dest="keys_command", required=True)

    create = actions.add_parser("create", help="创建密钥；密钥本身只显示这一次")
    # Roles are checked by the store, not argparse `choices`, so a wrong one gets
    # the same Chinese message here as everywhere else.
    create.add_argument(
        "--role", required=True, help="admin、inspector、reviewer、system（其他系统的接口客户端，只读）或 enterprise"
    )
    create.add_argument("--name", required=True, help="用途或持有人，便于辨认")
    create.add_argument("--enterprise", default=None, help="绑定的企业 ID（enterprise 角色必填）")
    create.add_argument(
        "--region", default=None,
        help="inspector、reviewer、system 的辖区：设区市或县（市、区）代码，如 3505、350583；不填为全省",
    )  # fmt: skip
    create.add_argument(
        "--origin", action="append", default=[],
        help="允许在浏览器中使用该密钥的网页来源，如 https://corp.example.com；可重复",
    )  # fmt: skip

    listing = actions.add_parser("list", help="列出全部密钥（含已吊销）")
    listing.add_argument("--json", action="store_true", help="输出 JSON")

    revoke = actions.add_parser("revoke", help="吊销密钥")
    revoke.add_argument("key_id", help="密钥 ID（见 keys list）")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `keys` subcommand against the configured database."""
    from sqlalchemy.exc import OperationalError

    from minqian.database import init_schema, open_records
    from minqian.enterprises import EnterpriseStore
    from minqian.keys import ApiKeyStore

    engine = open_records(settings)
    try:
        init_schema(engine)
        store = ApiKeyStore(engine)
        if args.keys_command == "create":
            return _create(store, EnterpriseStore(engine), args)
        handler = {"list": _list, "revoke": _revoke}
        return handler[args.keys_command](store, args)
    except OperationalError as exc:
        url = engine.url.render_as_string(hide_password=True)
        print(f"无法访问数据库 {url}：{exc.orig}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _create(store: ApiKeyStore, enterprises: EnterpriseStore, args: argparse.Namespace) -> int:
    if args.enterprise and enterprises.get(args.enterprise) is None:
        print(f"无法创建密钥：没有 ID 为 {args.enterprise} 的企业（见 minqian enterprises list）",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        key, plaintext = store.create(
            args.role, args.name, args.enterprise, args.origin, args.region
        )
    except ValueError as exc:
        print(f"无法创建密钥：{exc}", file=sys.stderr)
        return 2
    print(f"已创建 {key.role} 密钥“{key.name}”，ID {key.id}，前缀 {key.prefix}"
          f"{_scope(key)}。")  # fmt: skip
    print("密钥只显示这一次，请立即妥善保存：")
    print(plaintext)
    return 0


def _list(store: ApiKeyStore, args: argparse.Namespace) -> int:
    keys = store.list()
    if args.json:
        print(json.dumps([_as_dict(k) for k in keys], ensure_ascii=False))
        return 0
    if not keys:
        print("还没有密钥。用 minqian keys create 创建。")
    for key in keys:
        state = "有效" if key.active else f"已吊销 {_when(key.revoked_at)}"
        print(f"{key.id}  {key.role:<10}  {key.prefix}  {key.name}{_scope(key)}"
              f"  创建于 {_when(key.created_at)}  {state}")  # fmt: skip
    return 0


def _revoke(store: ApiKeyStore, args: argparse.Namespace) -> int:
    key = store.revoke(args.key_id)
    if key is None:
        print(f"没有 ID 为 {args.key_id} 的密钥。", file=sys.stderr)
        return 1
    print(f"已吊销密钥“{key.name}”（ID {key.id}），吊销时间 {_when(key.revoked_at)}。")
    return 0


def _scope(key: ApiKey) -> str:
    parts = [f"企业 {key.enterprise_id}"] if key.enterprise_id else []
    if key.region_code:
        parts.append(f"辖区 {region_name(key.region_code)}")
    if key.allowed_origins:
        parts.append(f"来源 {', '.join(key.allowed_origins)}")
    return f"（{'；'.join(parts)}）" if parts else ""


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def _as_dict(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id, "name": key.name, "role": key.role, "prefix": key.prefix,
        "enterprise_id": key.enterprise_id, "region": key.region_code,
        "allowed_origins": list(key.allowed_origins),
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "active": key.active,
    }  # fmt: skip
