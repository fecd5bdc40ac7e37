"""Sealing: details about a customer are encrypted with a key of that customer's own (wrapped
under the installation key), so erasing the customer destroys the key and the details with it
while the log itself stays append-only."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crm import runtime
from storage.database import database, fetch_one, sql

_NONCE = 12


def seal_new_customers(changes: Iterable[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """For bulk writes: per customer not yet stored, a fresh key (wrapped under the installation
    key, set up once) and ``changes`` sealed with it, as ``record`` would seal them."""
    runtime.encrypt("")  # picks up a key another process rotated in, as each encrypt would
    keys: list[bytes] = []
    sealed: list[bytes] = []
    for item in changes:
        key = AESGCM.generate_key(bit_length=256)
        keys.append(key)
        sealed.append(_seal(key, json.dumps(item, ensure_ascii=False, default=str).encode()))
    wrapped = runtime.keyring().encrypt_many(base64.b64encode(k).decode() for k in keys)
    return list(zip(wrapped, sealed, strict=True))


def _seal(key: bytes, data: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def _unseal(key: bytes, blob: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], None)


def _customer_key(customer_id: int, *, create: bool) -> bytes | None:
    """The customer's own key (wrapped under the installation key), made on first use."""
    row = fetch_one("select key_enc from customer_key where customer_id = ?", (customer_id,))
    if row is not None:
        return base64.b64decode(runtime.decrypt(bytes(row[0])))
    if not create:
        return None
    key = AESGCM.generate_key(bit_length=256)
    wrapped = runtime.encrypt(base64.b64encode(key).decode())
    database.execute_sql(sql("insert into customer_key (customer_id, key_enc) values (?, ?)"),
                         (customer_id, wrapped))
    return key


def forget_customer_key(customer_id: int) -> None:
    """Destroy a customer's key: their sealed audit details become unreadable for good."""
    database.execute_sql(sql("delete from customer_key where customer_id = ?"), (customer_id,))
