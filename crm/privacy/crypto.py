"""Encryption at rest for candidates' identity and sensitive notes, and the keyed hash of the
codice fiscale.

One 32-byte master key comes from ``CRM_ENCRYPTION_KEY`` (URL-safe base64, e.g. from
``flask --app crm candidates generate-key``). Two independent sub-keys are derived from it with HKDF:
one for AES-256-GCM, one for HMAC-SHA256. Outside production, when no key is configured, a stable key
is derived from ``SECRET_KEY`` (with a warning in development); production refuses to start without
one (:func:`crm.config.finalize_config`).

Ciphertexts read ``v1.<base64url(nonce | ciphertext | tag)>``. The field's *context* (e.g.
``candidate.identity``) is authenticated data, so a value copied into another column does not decrypt.
Older keys listed in ``CRM_ENCRYPTION_OLD_KEYS`` still decrypt, so the key can be rotated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

PREFIX = "v1."
NONCE_BYTES = 12
KEY_BYTES = 32
_EXTENSION = "crm_privacy_keys"


class EncryptionKeyError(RuntimeError):
    """The configured key is missing or malformed."""


class DecryptionError(RuntimeError):
    """A value cannot be decrypted with any known key (wrong key, tampered or foreign ciphertext)."""


@dataclass(frozen=True)
class _Keys:
    cipher: bytes
    mac: bytes
    nonce: bytes
    old_ciphers: tuple[bytes, ...]


def generate_key() -> str:
    """A new random master key, as ``CRM_ENCRYPTION_KEY`` expects it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def decode_key(text: str) -> bytes:
    """The 32 bytes of a base64 key.

    :raises EncryptionKeyError: unless ``text`` is URL-safe (or standard) base64 of 32 bytes.
    """
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii") + b"==")
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise EncryptionKeyError("the encryption key is not base64") from exc
    if len(raw) != KEY_BYTES:
        raise EncryptionKeyError(f"the encryption key must be {KEY_BYTES} bytes, base64-encoded")
    return raw


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(master)


def _master_key(app: Flask) -> bytes:
    configured = app.config.get("ENCRYPTION_KEY")
    if configured:
        return decode_key(str(configured))
    if app.config.get("ENV_NAME") == "production":
        raise EncryptionKeyError("CRM_ENCRYPTION_KEY must be set in production")
    if app.config.get("ENV_NAME") == "development":
        app.logger.warning(
            "CRM_ENCRYPTION_KEY is not set: candidates' data is encrypted with a key derived from "
            "SECRET_KEY. Set CRM_ENCRYPTION_KEY before storing real data."
        )
    secret = str(app.config.get("SECRET_KEY") or "").encode("utf-8")
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"florwork-development-key", info=b"master"
    ).derive(secret)


def _keys(app: Flask | None = None) -> _Keys:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    keys = app.extensions.get(_EXTENSION)
    if keys is None:
        master = _master_key(app)
        old = tuple(
            _derive(decode_key(str(k)), b"crm.encryption.v1")
            for k in (app.config.get("ENCRYPTION_OLD_KEYS") or ())
        )
        keys = _Keys(
            cipher=_derive(master, b"crm.encryption.v1"),
            mac=_derive(master, b"crm.tax-code-hmac.v1"),
            nonce=_derive(master, b"crm.deterministic-nonce.v1"),
            old_ciphers=old,
        )
        app.extensions[_EXTENSION] = keys
    return keys


def check_key(app: Flask) -> None:
    """Derive the keys now, so a malformed key fails at start-up rather than on first use."""
    _keys(app)


def encrypt_text(plaintext: str, *, context: str, deterministic: bytes | None = None) -> str:
    """Encrypt ``plaintext`` for the field ``context``.

    :param deterministic: only for reproducible fixtures (the demo data): the nonce is then derived
        from this seed, the context and the plaintext (as in SIV modes), so equal inputs give equal
        ciphertexts and a nonce is never reused for different plaintexts.
    """
    keys = _keys()
    data = plaintext.encode("utf-8")
    aad = context.encode("utf-8")
    if deterministic is None:
        nonce = os.urandom(NONCE_BYTES)
    else:
        nonce = hmac.new(keys.nonce, aad + b"\0" + deterministic + b"\0" + data, hashlib.sha256).digest()[
            :NONCE_BYTES
        ]
    sealed = AESGCM(keys.cipher).encrypt(nonce, data, aad)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt_text(token: str, *, context: str) -> str:
    """Decrypt a value written by :func:`encrypt_text` for the same ``context``.

    :raises DecryptionError: when no configured key opens it.
    """
    if not token.startswith(PREFIX):
        raise DecryptionError("unknown ciphertext format")
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX) :].encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("ciphertext is not base64") from exc
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    keys = _keys()
    for key in (keys.cipher, *keys.old_ciphers):
        try:
            return AESGCM(key).decrypt(nonce, sealed, context.encode("utf-8")).decode("utf-8")
        except InvalidTag:
            continue
    raise DecryptionError("no configured key decrypts this value")


def encrypt_json(value: Any, *, context: str, deterministic: bytes | None = None) -> str:
    return encrypt_text(
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        context=context,
        deterministic=deterministic,
    )


def decrypt_json(token: str | None, *, context: str) -> Any:
    if token is None:
        return None
    return json.loads(decrypt_text(token, context=context))


def normalise_tax_code(tax_code: str) -> str:
    return "".join(str(tax_code).split()).upper()


def tax_code_digest(tax_code: str) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a codice fiscale: finds duplicate referrals without storing
    the code in clear or as a plain hash (the code space is small enough to brute-force a plain one)."""
    return hmac.new(_keys().mac, normalise_tax_code(tax_code).encode("ascii"), hashlib.sha256).hexdigest()
