"""The backup archive: a tar stream (snapshot, kit history, manifest) sealed in chunks.

Members: ``database/autarcie.db`` (the SQLCipher snapshot, under its own fresh key),
``kits/…`` (the printed kits' history, as on disk), and ``manifest.json`` last, which holds
the format, the creation time, rows per table, the journal head, the SHA-256 of every member
and the snapshot's key. Writing goes to ``<file>.partial`` and is renamed at the end, so an
interrupted backup never looks complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from autarcie import __version__
from autarcie.resilience.sealed import (
    BackupDamaged,
    BackupError,
    SealingWriter,
    UnsealingReader,
)
from autarcie.resilience.snapshot import Snapshot

DB_MEMBER = "database/autarcie.db"
MANIFEST = "manifest.json"
FORMAT = 1
SUFFIX = ".autarcie-backup"

Progress = Callable[[int, int], None]


def _no_progress(_done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.data["database"]["counts"].items()}

    @property
    def snapshot_key(self) -> str:
        return str(self.data["database"]["key"])

    @property
    def head_seq(self) -> int:
        return int(self.data["journal"]["head_seq"])

    @property
    def head_hash(self) -> str:
        return str(self.data["journal"]["head_hash"])

    @property
    def created_at(self) -> str:
        return str(self.data["created_at"])

    @property
    def members(self) -> dict[str, dict[str, Any]]:
        return {str(m["name"]): m for m in self.data["members"]}


class _Hashing:
    """Reads from a file while hashing and counting, for tar members of known size."""

    def __init__(self, source: BinaryIO, on_bytes: Callable[[int], None]) -> None:
        self.source = source
        self.sha = hashlib.sha256()
        self.on_bytes = on_bytes

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha.update(data)
        self.on_bytes(len(data))
        return data


def kit_files(kits_dir: Path | None) -> list[tuple[Path, str]]:
    """Every file under the kits folder, with its member name."""
    if kits_dir is None or not kits_dir.is_dir():
        return []
    found = []
    for root, _dirs, files in os.walk(kits_dir):
        for name in sorted(files):
            path = Path(root) / name
            found.append((path, "kits/" + path.relative_to(kits_dir).as_posix()))
    return sorted(found, key=lambda item: item[1])


def _add(
    tar: tarfile.TarFile, name: str, path: Path, count: Callable[[int], None]
) -> dict[str, Any]:
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(path.stat().st_mtime)
        reader = _Hashing(handle, count)
        tar.addfile(info, reader)
    return {"name": name, "size": size, "sha256": reader.sha.hexdigest()}


def write_archive(
    out: Path,
    *,
    key: bytes,
    snapshot: Snapshot,
    kits_dir: Path | None,
    engine: str,
    created_at: dt.datetime,
    progress: Progress = _no_progress,
) -> int:
    """Seal the snapshot and the kit history into ``out``; return its size in bytes."""
    if out.exists():
        raise BackupError(f"{out} already exists; it was not replaced")
    kits = kit_files(kits_dir)
    total = snapshot.path.stat().st_size + sum(p.stat().st_size for p, _ in kits)
    done = [0]

    def count(n: int) -> None:
        done[0] += n
        progress(done[0], total)

    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("xb") as sink:
            sealer = SealingWriter(sink, key)
            with tarfile.open(fileobj=sealer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                members = [_add(tar, DB_MEMBER, snapshot.path, count)]
                for path, name in kits:
                    try:
                        members.append(_add(tar, name, path, count))
                    except FileNotFoundError:
                        continue  # pruned by the kit scheduler meanwhile: not history any more
                manifest = _manifest(snapshot, members, engine, created_at)
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(manifest), 0o600
                tar.addfile(info, io.BytesIO(manifest))
            sealer.close()
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out.stat().st_size


def _manifest(
    snapshot: Snapshot, members: list[dict[str, Any]], engine: str, created_at: dt.datetime
) -> bytes:
    body = {
        "format": FORMAT,
        "autarcie": __version__,
        "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "database": {"member": DB_MEMBER, "key": snapshot.key_hex, "counts": snapshot.counts},
        "journal": {"head_seq": snapshot.head_seq, "head_hash": snapshot.head_hash},
        "members": members,
    }
    return json.dumps(body, indent=1, sort_keys=True).encode()


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupDamaged(f"the backup holds an unsafe member name {name!r}")
    return path


def _members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    for info in tar:
        if not info.isfile():
            raise BackupDamaged(f"the backup holds an unexpected member {info.name!r}")
        handle = tar.extractfile(info)
        if handle is None:
            raise BackupDamaged(f"the backup member {info.name!r} cannot be read")
        yield info, handle


def read_archive(
    archive: Path,
    *,
    key: bytes,
    destination: Callable[[str], Path | None] = lambda _name: None,
    progress: Progress = _no_progress,
) -> Manifest:
    """Check every chunk and member hash; write members where ``destination`` says (or not).

    Without a destination nothing is written: that is ``backup verify`` and the first pass of
    a restore, which writes only once the whole file has proved intact.
    """
    total = archive.stat().st_size
    digests: dict[str, tuple[int, str]] = {}
    manifest_bytes = b""
    with archive.open("rb") as source:
        reader = UnsealingReader(source, key)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for info, handle in _members(tar):
                    name = str(_safe_name(info.name))
                    if name == MANIFEST:
                        manifest_bytes = handle.read()
                        continue
                    digests[name] = _copy(handle, destination(name), reader, total, progress)
        except tarfile.TarError as exc:
            raise BackupDamaged(f"the backup's content is not readable: {exc}") from exc
        reader.drain()
    return _check_manifest(manifest_bytes, digests)


def _copy(
    handle: IO[bytes], target: Path | None, reader: UnsealingReader, total: int, progress: Progress
) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    sink = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        sink = target.open("xb")
    try:
        while block := handle.read(1 << 20):
            sha.update(block)
            size += len(block)
            if sink is not None:
                sink.write(block)
            progress(reader.sealed_bytes, total)
        if sink is not None:
            sink.flush()
            os.fsync(sink.fileno())
    finally:
        if sink is not None:
            sink.close()
    return size, sha.hexdigest()


def _check_manifest(raw: bytes, digests: dict[str, tuple[int, str]]) -> Manifest:
    if not raw:
        raise BackupDamaged("the backup has no manifest: it is incomplete")
    try:
        manifest = Manifest(json.loads(raw))
        expected = manifest.members
        _ = (manifest.counts, manifest.snapshot_key, manifest.head_seq)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupDamaged("the backup's manifest is not readable") from exc
    if int(manifest.data.get("format", 0)) != FORMAT:
        raise BackupError(f"backup format {manifest.data.get('format')} is not supported")
    if set(expected) != set(digests) or DB_MEMBER not in digests:
        raise BackupDamaged("the backup's members do not match its manifest")
    for name, (size, sha) in digests.items():
        if int(expected[name]["size"]) != size or expected[name]["sha256"] != sha:
            raise BackupDamaged(f"the backup member {name} does not match its checksum")
    return manifest
