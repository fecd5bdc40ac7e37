"""Key rotation: re-seal every encrypted value under a new key while the old keys still open it.

The service runs beside a working bot: each batch is its own short transaction, a value is only
replaced if nobody changed it meanwhile, values already under the active key are skipped (so an
interrupted run resumes), and the key check is re-sealed last. Old keys are removed from the key
file only on request and only once every value is verified to be under the new key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from crm import audit, runtime
from crm.actors import Actor
from crm.permissions import Action, require
from storage import keys as keystore
from storage.database import database, fetch_all, fetch_one, sql
from storage.errors import EncryptionKeyError

KEY_CHECK = "key_check"
KEY_CHECK_TABLE = "app_meta"
_SWEEPS = 3

Progress = Callable[[str, int, int], None]


class KeyRotationError(EncryptionKeyError):
    """A rotation that cannot start or finish safely."""

    defaults: ClassVar[dict[str, str]] = {
        **EncryptionKeyError.defaults,
        "keys.rotate_env_needs_new_secret": (
            "every encrypted value is already sealed with the first secret of CRM_SECURITY_KEY "
            "(key {key_id}); to rotate, put a new secret first and keep the old ones after it: "
            "CRM_SECURITY_KEY=NEW,OLD"
        ),
        "keys.index_key_changed": (
            "the blind-index key from {source} does not match the stored values; in "
            "CRM_SECURITY_KEY the original secret must stay last (NEW,...,ORIGINAL)"
        ),
        "keys.rotate_unreadable": (
            "a value in {table} (row {row}) is sealed with key {key_id}, which no configured "
            "key opens; add that key back and run the rotation again"
        ),
        "keys.rotate_incomplete": (
            "{remaining} values are still sealed with old keys (written during the rotation?); "
            "run `crm keys rotate` again; no key was removed"
        ),
    }


@dataclass(frozen=True)
class SealedColumn:
    """A column of sealed values and the primary key that names its rows."""

    table: str
    key: str
    column: str


SEALED: tuple[SealedColumn, ...] = (
    SealedColumn("customer_secret", "id", "value_enc"),
    SealedColumn("customer_key", "customer_id", "key_enc"),
    SealedColumn("conversation_state", "telegram_id", "payload"),
)


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did: the new key, values re-sealed per table, and the retired keys."""

    key_id: str
    key_added: bool
    from_environment: bool
    counts: dict[str, int]
    retired_kept: tuple[str, ...]
    retired_dropped: tuple[str, ...]


def rotate_keys(actor: Actor, *, batch_size: int = 500, drop_old: bool = False,
                progress: Progress | None = None) -> RotationReport:
    """Seal every encrypted value under a new active key; optionally drop the old keys after."""
    require(actor, Action.MANAGE_KEYS)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ring = _prepare()
    from_environment = bool(runtime.config()["security.key"])
    # Values under an old key mean a rotation to the active key is under way: finish it.
    key_added = pending_count(ring.active) == 0
    if key_added:
        if from_environment:
            raise KeyRotationError("keys.rotate_env_needs_new_secret", key_id=ring.active)
        keystore.add_new_key(runtime.config().key_file)
        ring = runtime.reload_keys()
    _audit(actor, "keys.rotate_started", {"key": ring.active, "key_added": key_added,
                                          "drop_old": drop_old})
    counts = _reseal_everything(ring, batch_size, progress)
    retired = tuple(name for name in ring.keys if name != ring.active)
    dropped: tuple[str, ...] = ()
    if drop_old and not from_environment:
        dropped = _drop_retired(ring, batch_size, progress, counts)
    report = RotationReport(ring.active, key_added, from_environment, counts,
                            tuple(k for k in retired if k not in dropped), dropped)
    _audit(actor, "keys.rotated", {
        "key": report.key_id, "values": sum(counts.values()),
        "old_keys_dropped": list(report.retired_dropped),
        "old_keys_kept": list(report.retired_kept)})
    return report


def _audit(actor: Actor, action: str, changes: dict[str, object]) -> None:
    """One entry of the rotation, committed at once: a start without a finish shows a
    rotation that stopped half way."""
    with database.atomic():
        audit.record(actor, action, "encryption_key", changes=changes)


def keys_in_use() -> dict[str, int]:
    """How many sealed values each key id seals, over every sealed column and the key check."""
    found: dict[str, int] = {}
    for spec in SEALED:
        for prefix, count in fetch_all(
                f"select substr({spec.column}, 2, 4), count(*) from {spec.table}"
                f" group by substr({spec.column}, 2, 4)"):
            name = bytes(prefix).hex()
            found[name] = found.get(name, 0) + count
    check = _key_check()
    if check is not None:
        name = check[1][1:5].hex()
        found[name] = found.get(name, 0) + 1
    return found


def pending_count(active: str) -> int:
    """How many sealed values are not yet under the key ``active``."""
    return sum(count for name, count in keys_in_use().items() if name != active)


def _prepare() -> keystore.KeyRing:
    """Fresh keys that open the key check and still make the stored blind indexes."""
    ring = runtime.reload_keys()
    check = _key_check()
    if check is not None and ring.decrypt(check[1]) != keystore.KEY_CHECK_PLAINTEXT.decode():
        raise EncryptionKeyError("keys.wrong")
    row = fetch_one("select name, value_enc, value_hash from customer_secret order by id limit 1")
    if row is not None and ring.blind_index(f"{row[0]}:{ring.decrypt(bytes(row[1]))}") != row[2]:
        settings = runtime.config()
        raise KeyRotationError("keys.index_key_changed",
                               source="CRM_SECURITY_KEY" if settings["security.key"]
                               else str(settings.key_file))
    return ring


def _reseal_everything(ring: keystore.KeyRing, batch_size: int,
                       progress: Progress | None) -> dict[str, int]:
    """Sweep every column, then the key check, until nothing is left under an old key."""
    counts = {spec.table: 0 for spec in SEALED} | {KEY_CHECK_TABLE: 0}
    for _ in range(_SWEEPS):
        for spec in SEALED:
            counts[spec.table] += _reseal_column(spec, ring, batch_size, progress)
        counts[KEY_CHECK_TABLE] += _reseal_key_check(ring, progress)
        remaining = pending_count(ring.active)
        if remaining == 0:
            return counts
    raise KeyRotationError("keys.rotate_incomplete", remaining=remaining)


def _reseal_column(spec: SealedColumn, ring: keystore.KeyRing, batch_size: int,
                   progress: Progress | None) -> int:
    """Re-seal one column in batches of ``batch_size``, each batch its own transaction."""
    total = _pending_in(spec, ring.active)
    done, after = 0, None
    while True:
        with database.atomic():
            rows = _pending_rows(spec, ring.active, after, batch_size)
            done += sum(_reseal_row(spec, ring, key, bytes(blob)) for key, blob in rows)
        if not rows:
            return done
        after = rows[-1][0]
        if progress is not None:
            progress(spec.table, done, max(total, done))


def _pending_in(spec: SealedColumn, active: str) -> int:
    """How many values of one column are not under the key ``active``."""
    row = fetch_one(f"select count(*) from {spec.table} where substr({spec.column}, 2, 4) <> ?",
                    (bytes.fromhex(active),))
    return row[0] if row else 0


def _pending_rows(spec: SealedColumn, active: str, after: object,
                  limit: int) -> list[tuple]:
    """The next rows (by primary key, after ``after``) whose value is not under ``active``."""
    since = "" if after is None else f" and {spec.key} > ?"
    params: tuple = (bytes.fromhex(active),) + (() if after is None else (after,))
    return fetch_all(f"select {spec.key}, {spec.column} from {spec.table}"
                     f" where substr({spec.column}, 2, 4) <> ?{since}"
                     f" order by {spec.key} limit {int(limit)}", params)


def _reseal_row(spec: SealedColumn, ring: keystore.KeyRing, key: object, blob: bytes) -> int:
    """Replace one value by its re-sealed form unless someone changed it meanwhile."""
    fresh = ring.encrypt(_open(ring, blob, spec.table, key))
    cursor = database.execute_sql(sql(
        f"update {spec.table} set {spec.column} = ?"
        f" where {spec.key} = ? and {spec.column} = ?"), (fresh, key, blob))
    return cursor.rowcount


def _reseal_key_check(ring: keystore.KeyRing, progress: Progress | None) -> int:
    """Re-seal the key check, last, so it names the key the data is sealed with."""
    with database.atomic():
        check = _key_check()
        if check is None or ring.key_id_of(check[1]) == ring.active:
            return 0
        fresh = ring.encrypt(_open(ring, check[1], KEY_CHECK_TABLE, KEY_CHECK))
        cursor = database.execute_sql(
            sql('update app_meta set value = ? where "key" = ? and value = ?'),
            (base64.b64encode(fresh).decode(), KEY_CHECK, check[0]))
    if progress is not None:
        progress(KEY_CHECK_TABLE, cursor.rowcount, 1)
    return cursor.rowcount


def _key_check() -> tuple[str, bytes] | None:
    """The stored key check as text and as its sealed bytes."""
    row = fetch_one('select value from app_meta where "key" = ?', (KEY_CHECK,))
    return None if row is None else (row[0], base64.b64decode(row[0]))


def _open(ring: keystore.KeyRing, blob: bytes, table: str, row: object) -> str:
    """The plaintext of one stored value, or a rotation error naming where it is."""
    try:
        return ring.decrypt(blob)
    except EncryptionKeyError as exc:
        raise KeyRotationError("keys.rotate_unreadable", table=table, row=row,
                               key_id=ring.key_id_of(blob)) from exc


def _drop_retired(ring: keystore.KeyRing, batch_size: int, progress: Progress | None,
                  counts: dict[str, int]) -> tuple[str, ...]:
    """Remove the old keys from the key file, then re-seal anything written just before."""
    dropped = keystore.drop_keys(runtime.config().key_file, keep={ring.active})
    # A writer that sealed under an old key just before the drop: this ring still opens it.
    for table, count in _reseal_everything(ring, batch_size, progress).items():
        counts[table] += count
    runtime.reload_keys()
    return dropped
