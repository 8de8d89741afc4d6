"""Encryption at rest of sensitive enterprise fields (AES-256-GCM, keys from configuration).

A sealed value is stored as ``mqenc1:<key id>:<base64(nonce | ciphertext | tag)>``.
The key id names which key of the keyring sealed it, so a keyring holding
the new key first and the old ones after reads everything while new writes
use the new key; `minqian security reseal` then rewrites old values and the
old key can be dropped. The column's name is bound in as associated data, so
a ciphertext copied into another column does not open.

Columns declare ``SealedText("table.column")``; the engine carries its
keyring on its dialect (see `minqian.database.open_engine`), which keeps the
column types free of global state and lets tests hold engines with
different keys side by side.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from minqian.errors import ConfigurationError

if TYPE_CHECKING:
    from minqian.settings import Settings

PREFIX = "mqenc1"
NONCE_BYTES = 12
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
DIALECT_ATTRIBUTE = "minqian_keyring"


class SealError(Exception):
    """A sealed value could not be opened: unknown key, or altered data."""


@dataclass(frozen=True)
class Keyring:
    """Named 256-bit keys; the first seals, all of them open."""

    keys: dict[str, bytes]
    current: str
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ConfigurationError(f"current data key {self.current!r} is not in the keyring")
        for key_id, key in self.keys.items():
            if not _KEY_ID.fullmatch(key_id) or len(key) != 32:
                raise ConfigurationError(f"data key {key_id!r} must be 32 bytes under an id of [A-Za-z0-9_-]")
            self._ciphers[key_id] = AESGCM(key)

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """Read ``id:base64key,id:base64key``; the first entry is the current key."""
        keys: dict[str, bytes] = {}
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            key_id, sep, encoded = part.partition(":")
            if not sep:
                raise ConfigurationError("each data key reads id:base64key, e.g. k2:3q2+7w…")
            try:
                keys[key_id.strip()] = base64.b64decode(_padded(encoded.strip()), altchars=b"-_", validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ConfigurationError(f"data key {key_id!r} is not valid base64") from exc
        if not keys:
            raise ConfigurationError("the data keyring is empty")
        return cls(keys, next(iter(keys)))

    @classmethod
    def generate(cls, key_id: str = "k1") -> Keyring:
        return cls({key_id: secrets.token_bytes(32)}, key_id)

    def spec(self) -> str:
        """The keyring in the form `parse` reads, current key first."""
        ordered = [self.current] + [k for k in self.keys if k != self.current]
        return ",".join(f"{k}:{base64.urlsafe_b64encode(self.keys[k]).decode()}" for k in ordered)

    def with_new_key(self, key_id: str) -> Keyring:
        """A keyring whose current key is a fresh one; the old keys still open."""
        if key_id in self.keys:
            raise ConfigurationError(f"data key id {key_id!r} is already in use")
        return Keyring({key_id: secrets.token_bytes(32), **self.keys}, key_id)

    def seal(self, plaintext: str, context: str, key_id: str | None = None) -> str:
        key_id, blob = self.seal_bytes(plaintext.encode(), context, key_id)
        return f"{PREFIX}:{key_id}:{base64.b64encode(blob).decode()}"

    def open(self, stored: str, context: str) -> str:
        _, key_id, payload = stored.split(":", 2)
        try:
            blob = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SealError(f"sealed value in {context} failed authentication (altered or wrong key)") from exc
        return self.open_bytes(key_id, blob, context).decode()

    def seal_bytes(self, data: bytes, context: str, key_id: str | None = None) -> tuple[str, bytes]:
        """(key id, nonce | ciphertext | tag) of `data` under the current key, or the one named."""
        key_id = key_id or self.current
        nonce = os.urandom(NONCE_BYTES)
        return key_id, nonce + self._ciphers[key_id].encrypt(nonce, data, context.encode())

    def open_bytes(self, key_id: str, blob: bytes, context: str) -> bytes:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealError(f"value sealed with data key {key_id!r}, which the keyring does not hold")
        try:
            return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
        except InvalidTag as exc:
            raise SealError(f"sealed value in {context} failed authentication (altered or wrong key)") from exc


class KeyringCipher:
    """LangGraph's CipherProtocol over the keyring: conversation checkpoints sealed at rest.

    The cipher name carries the key id (LangGraph stores it beside each blob),
    so checkpoints written before a rotation still open while the old key is
    kept in the keyring.
    """

    CONTEXT = "langgraph.checkpoint"
    NAME = "mqgcm-"

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        key_id, blob = self.keyring.seal_bytes(plaintext, self.CONTEXT)
        return self.NAME + key_id, blob

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        if not ciphername.startswith(self.NAME):
            raise SealError(f"checkpoint sealed with {ciphername!r}, which the keyring does not hold")
        return self.keyring.open_bytes(ciphername.removeprefix(self.NAME), ciphertext, self.CONTEXT)


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


def key_id_of(stored: str) -> str | None:
    return stored.split(":", 2)[1] if is_sealed(stored) else None


class SealedText(TypeDecorator[str]):
    """Text sealed with the engine's keyring on write and opened on read."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return keyring_of(dialect).seal(value, self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        # Rows written before sealing existed read as they are until
        # `minqian security reseal` seals them.
        return keyring_of(dialect).open(value, self.context) if is_sealed(value) else value


def keyring_of(dialect: Dialect) -> Keyring:
    keyring = getattr(dialect, DIALECT_ATTRIBUTE, None)
    if keyring is None:
        raise ConfigurationError("this engine was opened without a data keyring; use open_engine(url, keyring)")
    return keyring


def configured_keyring(settings: Settings) -> Keyring:
    """The keyring these settings name: every store of one process seals with it."""
    return open_keyring(settings.security.data_keys, settings.data_dir, settings.env == "production")


def open_keyring(configured: str | None, data_dir: Path, production: bool) -> Keyring:
    """The configured keyring, or (outside production) one kept in the data dir."""
    if configured:
        return Keyring.parse(configured)
    if production:
        raise ConfigurationError(
            "production needs MINQIAN_SECURITY__DATA_KEYS (id:base64key,…) so every process "
            "opens the same sealed fields; generate one with `minqian security new-key`"
        )
    path = data_dir / "data_keys"
    if path.exists():
        return Keyring.parse(path.read_text())
    keyring = Keyring.generate()
    write_key_file(path, keyring)
    return keyring


def write_key_file(path: Path, keyring: Keyring) -> None:
    """Replace the key file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(keyring.spec() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _padded(encoded: str) -> str:
    return encoded + "=" * (-len(encoded) % 4)
