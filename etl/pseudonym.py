"""Keyed pseudonyms for patient references (HMAC-SHA256), so raw identifiers never reach the warehouse.

A plain hash of a phone number or MRN is reversible by enumeration; an HMAC is not without the key. The key comes
from settings (CAREKPI_PSEUDONYM_KEY) or a key file; when neither exists a random key is created in the key file,
readable only by its owner. The HMAC itself is computed inside DuckDB in bulk (see `stg_calls.sql`): this module
supplies the two padded keys, HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)).

Nothing here may log or return a patient reference.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from etl.settings import Settings

_BLOCK = 64  # SHA-256 block size in bytes


@dataclass(frozen=True)
class HmacPads:
    inner: bytes
    outer: bytes


def key_bytes(settings: Settings) -> bytes:
    """The pseudonym key: from settings, else from the key file, which is created (mode 0600) when missing."""
    if settings.pseudonym_key is not None:
        key = settings.pseudonym_key.get_secret_value().encode()
        if len(key) < 16:
            raise ValueError("CAREKPI_PSEUDONYM_KEY must be at least 16 characters")
        return key
    path = Path(settings.pseudonym_key_file).expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pads(key: bytes) -> HmacPads:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return HmacPads(inner=bytes(b ^ 0x36 for b in key), outer=bytes(b ^ 0x5C for b in key))


def pseudonym(key: bytes, patient_ref: str) -> str:
    """The same pseudonym DuckDB computes at load, for tests and for looking up one known patient."""
    return hmac.new(key, patient_ref.strip().encode(), hashlib.sha256).hexdigest()
