"""The backup file: a zstd stream sealed with AES-256-GCM in chunks, and a manifest at the end.

Layout::

    MAGIC | u32 n | header (n bytes of JSON: key id, salt, chunk size)
    chunks: u32 n | n bytes of AES-GCM ciphertext with its tag, one per CHUNK of zstd output
    manifest (JSON) | u32 manifest length | END

Each file seals under its own key, derived from the backup key and a random salt. A chunk's
nonce is its index and a final flag, and every chunk is bound to the header: reordered,
repeated, dropped or altered chunks fail to open, and only the last chunk carries the final
flag, so a file cut short is detected. The final chunk is also bound to the manifest, which stays
readable without the key (for listing) but cannot be changed unnoticed.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import struct
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.backup.errors import BackupError

MAGIC = b"CRMBAK\x00\x01"
END = b"CRMBAK\xff\x01"
CHUNK = 1 << 20  # bytes of compressed data per sealed chunk
READ_BLOCK = 4 << 20
ZSTD_LEVEL = 3
_U32 = struct.Struct(">I")
_TAG = 16
_SALT = 16
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, readable without the key and bound to the sealed data."""

    created_at: str  # ISO 8601, UTC
    engine: str  # sqlite or postgresql
    schema_version: int
    row_counts: dict[str, int]
    # sha256 of the compressed payload (the payload: the SQLite file or the pg_dump archive);
    # zstd's own checksum covers the decompressed bytes, so the large payload is hashed once
    # by the cheap XXH64 instead of twice by SHA-256.
    sha256: str
    size: int  # payload bytes, uncompressed
    program_version: str
    reason: str = "manual"  # manual, scheduled or safety (taken before a restore)
    extra: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        values = json.loads(data)
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        return cls(**known)


def key_id(key: bytes) -> str:
    """A public name of a backup key that reveals nothing of it."""
    return _derive(key, b"", b"crm backup key id")[:8].hex()


def _derive(key: bytes, salt: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=salt or None, info=purpose).derive(key)


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class SealedWriter:
    """Takes compressed bytes, writes the header, the sealed chunks and finally the manifest;
    ``digest`` is the sha256 of every byte it took."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        salt = secrets.token_bytes(_SALT)
        header = json.dumps({"key_id": key_id(key), "salt": salt.hex(), "chunk": CHUNK,
                             "cipher": "AES-256-GCM", "compression": "zstd"}).encode()
        raw = MAGIC + _U32.pack(len(header)) + header
        out.write(raw)
        self._out = out
        self._aead = AESGCM(_derive(key, salt, b"crm backup v1"))
        self._bound = hashlib.sha256(raw).digest()
        self._pending = bytearray()
        self._index = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self._pending += data
        while len(self._pending) > CHUNK:  # keep the last chunk back: it may be the final one
            self._seal(bytes(self._pending[:CHUNK]), final=False, extra=b"")
            del self._pending[:CHUNK]

    def finish(self, manifest: Manifest) -> None:
        data = manifest.to_bytes()
        self._seal(bytes(self._pending), final=True, extra=data)
        self._out.write(data + _U32.pack(len(data)) + END)

    def _seal(self, chunk: bytes, *, final: bool, extra: bytes) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, final), chunk, self._bound + extra)
        self._out.write(_U32.pack(len(sealed)) + sealed)
        self._index += 1


def compress_into(out: BinaryIO, key: bytes, blocks: Iterator[bytes],
                  make_manifest: Callable[[str, int], Manifest], *, threads: int = 1) -> Manifest:
    """Compress and seal ``blocks`` into ``out``; the manifest is made from the compressed
    payload's sha256 and the payload's size once they are known."""
    writer = SealedWriter(out, key)
    # threads >= 1 compresses on zstd's own threads while this one hashes and seals.
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=threads,
                                          write_checksum=True).compressobj()
    size = 0
    for block in blocks:
        size += len(block)
        writer.write(compressor.compress(block))
    writer.write(compressor.flush())
    manifest = make_manifest(writer.digest.hexdigest(), size)
    writer.finish(manifest)
    return manifest


def file_blocks(path: Path, progress: Progress | None = None,
                share: tuple[int, int] = (0, 100)) -> Iterator[bytes]:
    """A file's bytes in large blocks, reporting progress as a share of ``share`` percent."""
    total = max(1, path.stat().st_size)
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            done += len(block)
            if progress is not None:
                progress(share[0] + (share[1] - share[0]) * done // total, 100)
            yield block


def atomic_file(target: Path) -> Path:
    """The temporary name a file is written under before it is renamed into place."""
    return target.with_name(target.name + ".tmp")


def publish(temporary: Path, target: Path) -> None:
    """Rename a finished, synced file into place and make the rename itself durable."""
    os.replace(temporary, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Reading. -----------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file, without the key (nothing is verified by this)."""
    with _open(path) as handle:
        _read_header(handle, path)
        return _read_trailer(handle, path)[0]


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError as exc:
        raise BackupError("backup.not_found", path=str(path)) from exc


def _read_header(handle: BinaryIO, path: Path) -> tuple[dict, bytes]:
    start = handle.read(len(MAGIC) + _U32.size)
    if len(start) < len(MAGIC) + _U32.size or start[:len(MAGIC)] != MAGIC:
        raise BackupError("backup.not_a_backup", path=str(path))
    length = _U32.unpack(start[len(MAGIC):])[0]
    header = handle.read(length)
    try:
        values = json.loads(header)
        values["salt"] = bytes.fromhex(values["salt"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("backup.corrupt", path=str(path), reason="unreadable header") from exc
    return values, start + header


def _read_trailer(handle: BinaryIO, path: Path) -> tuple[Manifest, bytes, int]:
    """The manifest, its bytes, and where the sealed chunks end."""
    body_start = handle.tell()
    end = handle.seek(0, os.SEEK_END)
    if end - body_start < _U32.size + len(END):
        raise BackupError("backup.truncated", path=str(path))
    handle.seek(end - _U32.size - len(END))
    tail = handle.read(_U32.size + len(END))
    if tail[_U32.size:] != END:
        raise BackupError("backup.truncated", path=str(path))
    length = _U32.unpack(tail[:_U32.size])[0]
    manifest_start = end - _U32.size - len(END) - length
    if manifest_start < body_start:
        raise BackupError("backup.corrupt", path=str(path), reason="bad manifest length")
    handle.seek(manifest_start)
    data = handle.read(length)
    try:
        manifest = Manifest.from_bytes(data)
    except (ValueError, TypeError) as exc:
        raise BackupError("backup.corrupt", path=str(path), reason="unreadable manifest") from exc
    handle.seek(body_start)
    return manifest, data, manifest_start


def check_key(path: Path, key: bytes) -> Manifest:
    """The manifest, once the header says ``key`` is the one the file was sealed with."""
    with _open(path) as handle:
        header, _ = _read_header(handle, path)
        if header.get("key_id") != key_id(key):
            raise BackupError("backup.wrong_key", path=str(path), found=header.get("key_id"),
                              expected=key_id(key))
        return _read_trailer(handle, path)[0]


def payload_blocks(path: Path, key: bytes, progress: Progress | None = None,
                   share: tuple[int, int] = (0, 100)) -> tuple[Manifest, Iterator[bytes]]:
    """The manifest and the decrypted, decompressed payload; the iterator raises BackupError
    on any damage, and checks the payload's size and sha256 when it ends."""
    handle = _open(path)
    try:
        header, raw = _read_header(handle, path)
        if header.get("key_id") != key_id(key):
            raise BackupError("backup.wrong_key", path=str(path), found=header.get("key_id"),
                              expected=key_id(key))
        manifest, manifest_bytes, body_end = _read_trailer(handle, path)
    except BaseException:
        handle.close()
        raise
    aead = AESGCM(_derive(key, header["salt"], b"crm backup v1"))
    bound = hashlib.sha256(raw).digest()

    def blocks() -> Iterator[bytes]:
        with handle:
            digest = hashlib.sha256()
            chunks = _chunks(handle, path, body_end, aead, bound, manifest_bytes, progress, share)
            yield from _checked(_decompressed(_hashed(chunks, digest), path), digest, manifest,
                                path)

    return manifest, blocks()


def _chunks(handle: BinaryIO, path: Path, body_end: int, aead: AESGCM, bound: bytes,
            manifest_bytes: bytes, progress: Progress | None,
            share: tuple[int, int]) -> Iterator[bytes]:
    index, start = 0, handle.tell()
    while True:
        prefix = handle.read(_U32.size)
        if len(prefix) < _U32.size or handle.tell() > body_end:
            raise BackupError("backup.corrupt", path=str(path), reason="chunk boundaries")
        length = _U32.unpack(prefix)[0]
        position = handle.tell()
        if length < _TAG or position + length > body_end:
            raise BackupError("backup.corrupt", path=str(path), reason=f"chunk {index} length")
        final = position + length == body_end
        try:
            yield aead.decrypt(_nonce(index, final), handle.read(length),
                               bound + (manifest_bytes if final else b""))
        except InvalidTag as exc:
            raise BackupError("backup.corrupt", path=str(path),
                              reason=f"chunk {index} fails authentication") from exc
        if progress is not None:
            done = handle.tell() - start
            progress(share[0] + (share[1] - share[0]) * done // max(1, body_end - start), 100)
        if final:
            return
        index += 1


def _decompressed(chunks: Iterator[bytes], path: Path) -> Iterator[bytes]:
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    try:
        for chunk in chunks:
            if chunk:
                yield decompressor.decompress(chunk)
    except zstandard.ZstdError as exc:
        raise BackupError("backup.corrupt", path=str(path), reason=str(exc)) from exc
    if not decompressor.eof:
        raise BackupError("backup.corrupt", path=str(path), reason="compressed stream ends early")


def _hashed(chunks: Iterator[bytes], digest) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _checked(blocks: Iterator[bytes], digest, manifest: Manifest,
             path: Path) -> Iterator[bytes]:
    size = 0
    for block in blocks:
        size += len(block)
        yield block
    if size != manifest.size or digest.hexdigest() != manifest.sha256:
        raise BackupError("backup.checksum", path=str(path))


def write_payload(path: Path, key: bytes, target: Path, progress: Progress | None = None,
                  share: tuple[int, int] = (0, 100)) -> Manifest:
    """Decrypt and decompress a backup's payload into ``target`` (checked on the way)."""
    manifest, blocks = payload_blocks(path, key, progress, share)
    with target.open("wb") as out:
        for block in blocks:
            out.write(block)
    return manifest
