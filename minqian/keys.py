"""API keys with roles: created once, stored only as a hash, revocable.

A key reads ``mq_`` followed by 32 random bytes in URL-safe base64. Its first
eight characters after ``mq_`` are kept as a prefix so people can tell keys
apart in listings without the key itself.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy import Column, Engine, String, Table, Text, select, update

from minqian.access import AREA_ROLES, Principal
from minqian.database import UtcDateTime, metadata
from minqian.regions import validate_region
from minqian.sealing import SealedText

Role = Literal["admin", "inspector", "reviewer", "system", "enterprise"]
# reviewer: a department user who approves regional roll-ups; area-bound like inspectors.
# system: another system's API client; reads its area, writes nothing.
ROLES: tuple[Role, ...] = ("admin", "inspector", "reviewer", "system", "enterprise")

KEY_PREFIX = "mq_"
DISPLAY_PREFIX_CHARS = 8

# The shape of a browser's Origin header: scheme, host, optional port, nothing
# after it (a trailing "/" is already a path, and browsers never send one).
_ORIGIN = re.compile(
    r"[a-z][a-z0-9+.-]*://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*"
    r"[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?"
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", SealedText("api_keys.name"), nullable=False),  # often a person: 执法人员 张三
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(DISPLAY_PREFIX_CHARS), nullable=False),
    Column("enterprise_id", String(64), nullable=True),
    Column("region_code", String(12), nullable=True),
    Column("allowed_origins", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)


@dataclass(frozen=True)
class ApiKey:
    """A stored API key, without its hash."""

    id: str
    name: str
    role: Role
    prefix: str
    enterprise_id: str | None
    allowed_origins: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    region_code: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def principal(self) -> Principal:
        """The caller this key stands for, as the services' access checks see it."""
        return Principal(self.role, self.id, self.name, self.enterprise_id, self.region_code)


class ApiKeyStore:
    """Create, check, revoke and list API keys in the `api_keys` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        role: str,
        name: str,
        enterprise_id: str | None = None,
        origins: Iterable[str] = (),
        region: str | None = None,
    ) -> tuple[ApiKey, str]:
        """Store a new key and return its record and the plaintext, shown only now."""
        checked_role = validate_role(role)
        if checked_role == "enterprise" and not enterprise_id:
            raise ValueError("enterprise 角色的密钥必须绑定企业（--enterprise 企业ID）")
        if checked_role != "enterprise" and enterprise_id:
            raise ValueError(f"只有 enterprise 角色的密钥可以绑定企业，收到的角色是 {role}")
        if region and checked_role not in AREA_ROLES:
            raise ValueError(f"只有 inspector、reviewer 和 system 角色的密钥可以限定辖区，收到的角色是 {role}")
        region = validate_region(region)
        checked_origins = tuple(dict.fromkeys(validate_origin(o) for o in origins))
        if checked_origins and checked_role != "enterprise":
            # Only enterprise keys are meant for browsers; an origin on any other
            # key would be stored and never honoured.
            raise ValueError(
                f"只有 enterprise 角色的密钥可以设置来源，收到的角色是 {role}"
            )
        if not name.strip():
            raise ValueError("密钥名称不能为空")

        token = secrets.token_urlsafe(32)
        plaintext = KEY_PREFIX + token
        row = {
            "id": uuid.uuid4().hex,
            "name": name.strip(),
            "role": checked_role,
            "key_hash": hash_key(plaintext),
            "prefix": token[:DISPLAY_PREFIX_CHARS],
            "enterprise_id": enterprise_id,
            "region_code": region,
            "allowed_origins": json.dumps(list(checked_origins)),
            "created_at": datetime.now(UTC),
            "revoked_at": None,
        }
        with self._engine.begin() as connection:
            connection.execute(api_keys.insert().values(row))
        return _to_key(row), plaintext

    def authenticate(self, plaintext: str) -> ApiKey | None:
        """Return the active key matching this plaintext, or None."""
        if not plaintext.startswith(KEY_PREFIX):
            return None
        # Looking up by hash reveals nothing through timing: an attacker cannot
        # steer the hash of a guess towards a stored one.
        query = select(api_keys).where(
            api_keys.c.key_hash == hash_key(plaintext), api_keys.c.revoked_at.is_(None)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _to_key(row) if row else None

    def get(self, key_id: str) -> ApiKey | None:
        """The key with this id, revoked or not."""
        with self._engine.connect() as connection:
            row = connection.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
        return _to_key(row) if row else None

    def revoke(self, key_id: str) -> ApiKey | None:
        """Revoke a key and return it; None when no key has this id."""
        # Revoking twice keeps the first time, which is when access ended.
        with self._engine.begin() as connection:
            connection.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            query = select(api_keys).where(api_keys.c.id == key_id)
            row = connection.execute(query).mappings().first()
        return _to_key(row) if row else None

    def origins_in_use(self) -> set[str]:
        """Return the allowed origins of every active enterprise key."""
        query = select(api_keys.c.allowed_origins).where(
            api_keys.c.role == "enterprise", api_keys.c.revoked_at.is_(None)
        )
        with self._engine.connect() as connection:
            stored = connection.execute(query).scalars().all()
        return {origin for text in stored for origin in json.loads(text)}

    def list(self) -> builtins.list[ApiKey]:
        """Return every key, revoked ones included, oldest first."""
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        with self._engine.connect() as connection:
            return [_to_key(row) for row in connection.execute(query).mappings()]


def hash_key(plaintext: str) -> str:
    """Return the SHA-256 hex digest under which a key is stored."""
    # A slow password hash (bcrypt, argon2) defends low-entropy human secrets.
    # These keys carry 256 random bits, beyond brute force at any hash speed,
    # so a fast hash is safe and keeps every authenticated request cheap.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def validate_role(role: str) -> Role:
    """Return the role if it is one of ROLES, else raise ValueError."""
    if role not in ROLES:
        raise ValueError(f"未知角色 {role!r}，可用角色：{'、'.join(ROLES)}")
    return cast(Role, role)


def validate_origin(origin: str) -> str:
    """Return the origin in lower case if it reads scheme://host[:port]."""
    # Browsers send scheme and host in lower case; storing them so lets a
    # plain string comparison match the Origin header.
    lowered = origin.strip().lower()
    match = _ORIGIN.fullmatch(lowered)
    port = match and match["port"]
    if not match or (port and not 0 < int(port) < 65536):
        raise ValueError(
            f"来源 {origin!r} 格式不对：应为 scheme://host[:port]，不带路径，"
            "如 https://corp.example.com"
        )
    return lowered


def _to_key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=row["role"],
        prefix=row["prefix"],
        enterprise_id=row["enterprise_id"],
        allowed_origins=tuple(json.loads(row["allowed_origins"])),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        region_code=row["region_code"],
    )
