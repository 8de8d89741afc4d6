"""Signed tokens in risk-code URLs and worker identities.

A code's URL carries ``<code id>.<signature>``; the signature is an HMAC over
the id and a per-code nonce, so a URL cannot be forged or guessed from another
code's, and revoking a code (its status in the database) kills its URL even
though the signature stays valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from minqian.errors import ConfigurationError
from minqian.settings import Settings

WORKER_PREFIX = "mqw_"
_SIGNATURE_BYTES = 16


class CodeSigner:
    """Sign and check risk-code tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("风险码签名密钥至少需要 16 字节")
        self._secret = secret

    def token(self, code_id: str, nonce: str) -> str:
        return f"{code_id}.{self._signature(code_id, nonce)}"

    def code_id(self, token: str) -> str | None:
        """The code id a token names, if it is shaped like one (not yet verified)."""
        code_id, dot, signature = token.partition(".")
        return code_id if dot and code_id and signature else None

    def verify(self, token: str, nonce: str) -> bool:
        code_id, _, signature = token.partition(".")
        # As bytes: compare_digest raises TypeError on non-ASCII text, which a forged token may hold.
        return hmac.compare_digest(signature.encode(), self._signature(code_id, nonce).encode())

    def _signature(self, code_id: str, nonce: str) -> str:
        digest = hmac.new(self._secret, f"{code_id}:{nonce}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).rstrip(b"=").decode()


def open_signer(settings: Settings) -> CodeSigner:
    """The configured secret, or one kept in the data dir and made on first use."""
    if settings.risk.code_secret:
        return CodeSigner(settings.risk.code_secret.encode())
    if settings.env == "production":
        # Each process would make its own key, and codes printed by one would
        # fail to scan on another: refuse to start rather than fail at the gate.
        raise ConfigurationError(
            "生产环境必须设置 MINQIAN_RISK__CODE_SECRET（各进程相同，至少 16 字节），否则风险码无法跨进程验证"
        )
    path = settings.data_dir / "risk_code_secret"
    return CodeSigner(_read_or_create(path))


def new_worker_token() -> str:
    return WORKER_PREFIX + secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    # Worker tokens carry 192 random bits, so a fast hash is safe (see keys.hash_key).
    return hashlib.sha256(token.encode()).hexdigest()


def _read_or_create(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place: when two processes start together,
    # exactly one link succeeds and both read the same complete key.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_bytes()
