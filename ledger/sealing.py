"""Sealing a key person's personal details with their own key (AES-256-GCM, from
the `cryptography` package; README, "Personal data").

A sealed value is `{"key": key id, "nonce": ..., "sealed": ...}` (base64), with
the customer and person it belongs to bound in as associated data, so a sealed
value copied onto another person does not open. Without the key (erased), it
opens to nothing.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any
from uuid import UUID

NONCE_BYTES = 12


def key_id(customer_id: UUID, person_id: str) -> str:
    """The id of a person's key: one key per key person of a customer."""
    return f"{customer_id}/{person_id}"


def seal(key: bytes, kid: str, details: Mapping[str, Any]) -> dict[str, str]:
    # Imported when first used (about 10 ms): most commands seal and open nothing.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(dict(details), ensure_ascii=False, sort_keys=True).encode("utf-8")
    sealed = AESGCM(key).encrypt(nonce, plain, kid.encode("utf-8"))
    return {"key": kid, "nonce": _b64(nonce), "sealed": _b64(sealed)}


def unseal(key: bytes, envelope: Mapping[str, str]) -> dict[str, Any]:
    """The details sealed in `envelope`; ValueError if the key does not open it."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plain = AESGCM(key).decrypt(
            base64.b64decode(envelope["nonce"]),
            base64.b64decode(envelope["sealed"]),
            envelope["key"].encode("utf-8"),
        )
    except InvalidTag:
        raise ValueError(f"sealed details of {envelope['key']} do not open with its key") from None
    details: dict[str, Any] = json.loads(plain)
    return details


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
