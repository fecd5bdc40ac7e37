"""The backup file itself: whatever happens to it on disk, verification says so, and nothing
in it is readable without the backup key."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sqlite3
from pathlib import Path

import pytest

from storage import backup as store
from storage.backup.container import CHUNK, END, MAGIC
from storage.backup.keys import ensure_backup_key, load_backup_key
from storage.database import open_database
from storage.migrate import migrate

KEY = secrets.token_bytes(32)
T0 = dt.datetime(2026, 3, 2, 2, 30)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A verified backup of a small database holding several chunks' worth of data."""
    folder = tmp_path_factory.mktemp("backup")
    db = open_database(f"sqlite:///{folder / 'crm.db'}")
    db.connect()
    migrate(db)
    for n in range(4):
        db.execute_sql('insert into app_meta ("key", value) values (?, ?)',
                       (f"blob{n}", os.urandom(600_000).hex()))
    db.execute_sql('insert into app_meta ("key", value) values (?, ?)', ("secret", "王小明"))
    result = store.create(db, folder / "b" / "x.crmbak", KEY, created_at=T0,
                          program_version="test")
    db.close()
    assert result.verified, result.error
    assert result.path.stat().st_size > 2 * CHUNK  # at least three sealed chunks
    return result.path


@pytest.fixture
def written(original: Path, tmp_path: Path) -> Path:
    """This test's own copy of the backup."""
    copy = tmp_path / original.name
    copy.write_bytes(original.read_bytes())
    return copy


def check(path: Path, key: bytes = KEY) -> str:
    """The error code verification gives ('' when the backup is good); a SQLite backup needs
    no database server to be verified."""
    try:
        store.verify(path, key, db=None, work_dir=path.parent)
    except store.BackupError as error:
        return error.code
    return ""


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_good_backup_verifies_and_leaves_no_scratch_files(written) -> None:
    path = written
    assert check(path) == ""
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.crmbak"]
    manifest = store.read_manifest(path)  # readable without the key
    assert manifest.created_at == "2026-03-02T02:30:00Z" and manifest.engine == "sqlite"
    assert manifest.row_counts["app_meta"] == 5 and len(manifest.sha256) == 64


def test_nothing_of_the_database_is_readable_in_the_file(written) -> None:
    path = written
    data = path.read_bytes()
    assert "王小明".encode() not in data and b"SQLite format 3" not in data
    assert b"blob1" not in data


@pytest.mark.parametrize("where", ["first chunk", "middle chunk", "last chunk", "header"])
def test_a_flipped_byte_anywhere_is_caught(written, where) -> None:
    path = written
    size = path.stat().st_size
    offset = {"first chunk": 200, "middle chunk": size // 2, "last chunk": size - 2000,
              "header": len(MAGIC) + 10}[where]
    flip(path, offset)
    assert check(path) in ("backup.corrupt", "backup.wrong_key")


def test_a_changed_manifest_is_caught(written) -> None:
    path = written
    data = path.read_bytes()
    manifest_length = int.from_bytes(data[-len(END) - 4:-len(END)], "big")
    start = len(data) - len(END) - 4 - manifest_length
    manifest = json.loads(data[start:start + manifest_length])
    manifest["row_counts"]["app_meta"] = 6
    forged = json.dumps(manifest, sort_keys=True).encode()
    path.write_bytes(data[:start] + forged + len(forged).to_bytes(4, "big") + END)
    assert check(path) == "backup.corrupt"


@pytest.mark.parametrize("keep", [0.3, 0.9, -1])
def test_a_truncated_file_is_caught(written, keep) -> None:
    path = written
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)] if keep > 0 else data[:-1])
    assert check(path) == "backup.truncated"


def test_a_file_cut_at_a_chunk_boundary_with_its_end_put_back_is_caught(written) -> None:
    """Drop the final chunk but keep the manifest: the chunk before is not marked final."""
    path = written
    data = path.read_bytes()
    manifest_length = int.from_bytes(data[-len(END) - 4:-len(END)], "big")
    trailer = data[len(data) - len(END) - 4 - manifest_length:]
    header_end = len(MAGIC) + 4 + int.from_bytes(data[len(MAGIC):len(MAGIC) + 4], "big")
    first_length = int.from_bytes(data[header_end:header_end + 4], "big")
    path.write_bytes(data[:header_end + 4 + first_length] + trailer)
    assert check(path) == "backup.corrupt"


def test_swapped_chunks_are_caught(written) -> None:
    path = written
    data = path.read_bytes()
    header_end = len(MAGIC) + 4 + int.from_bytes(data[len(MAGIC):len(MAGIC) + 4], "big")
    chunks, at = [], header_end
    for _ in range(2):
        length = int.from_bytes(data[at:at + 4], "big")
        chunks.append(data[at:at + 4 + length])
        at += 4 + length
    path.write_bytes(data[:header_end] + chunks[1] + chunks[0] + data[at:])
    assert check(path) == "backup.corrupt"


def test_another_key_is_named_as_such(written) -> None:
    path = written
    assert check(path, secrets.token_bytes(32)) == "backup.wrong_key"


def test_something_else_is_not_a_backup(tmp_path: Path) -> None:
    other = tmp_path / "notes.crmbak"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(store.BackupError) as caught:
        store.read_manifest(other)
    assert caught.value.code == "backup.not_a_backup"


def test_a_restored_file_is_checked_for_integrity(tmp_path: Path) -> None:
    """A database file damaged inside (not in transit) fails the structural check."""
    from storage.backup.sqlite import check as check_database

    path = tmp_path / "bad.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t (a text)")
    conn.executemany("insert into t values (?)", [(os.urandom(50).hex(),) for _ in range(2000)])
    conn.commit()
    conn.close()
    flip(path, 4096 * 3 + 10)  # inside a b-tree page of the table
    with pytest.raises(store.BackupError) as caught:
        check_database(path)
    assert caught.value.code == "backup.integrity"


def test_the_backup_key_file_is_made_once_with_mode_600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "backup.key"
    key, created = ensure_backup_key(path)
    assert created and (path.stat().st_mode & 0o777) == 0o600
    assert ensure_backup_key(path) == (key, False) and load_backup_key(path) == key
    path.chmod(0o644)
    with pytest.raises(store.BackupError) as caught:
        load_backup_key(path)
    assert caught.value.code == "backup.key_unsafe"
    with pytest.raises(store.BackupError) as caught:
        load_backup_key(path, "c2hvcnQ=")
    assert caught.value.code == "backup.key_unreadable"
