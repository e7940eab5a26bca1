"""The backup archive: a tar stream (database, kit history, manifest) sealed in chunks.

Members: the database — ``database/autarcie.db``, the SQLCipher snapshot under its own fresh
key, or ``database/postgres.dump.NNNNN``, the parts of a PostgreSQL custom-format dump —
then ``kits/…`` (the printed kits' history, as on disk), and ``manifest.json`` last, which
holds the format, the engine, the creation time, rows per table, the journal head, the
SHA-256 of every member and, for SQLCipher, the snapshot's key. Writing goes to
``<file>.partial`` and is renamed at the end, so an interrupted backup never looks complete.
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
from typing import IO, Any, BinaryIO, Protocol

from autarcie import __version__
from autarcie.resilience.pgdump import DumpSource
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
Database = Snapshot | DumpSource
ENGINES = ("sqlite", "postgres")


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


Destination = Callable[[str], Path | Writable | None]


def _no_progress(_done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]

    @property
    def engine(self) -> str:
        return str(self.data.get("engine", "sqlite"))

    @property
    def dump_parts(self) -> list[str]:
        return [str(name) for name in self.data["database"]["parts"]]

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


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _add_database(
    tar: tarfile.TarFile, database: Database, count: Callable[[int], None]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The database members, and the manifest's ``database`` section."""
    if isinstance(database, Snapshot):
        member = _add(tar, DB_MEMBER, database.path, count)
        return [member], {"member": DB_MEMBER, "key": database.key_hex, "counts": database.counts}
    members = [_add_bytes(tar, name, block) for name, block in database.parts(count)]
    return members, database.manifest([m["name"] for m in members])


def _database_size(database: Database) -> int:
    if isinstance(database, Snapshot):
        return database.path.stat().st_size
    return database.size_hint


def write_archive(
    out: Path,
    *,
    key: bytes,
    database: Database,
    kits_dir: Path | None,
    created_at: dt.datetime,
    progress: Progress = _no_progress,
) -> int:
    """Seal the database and the kit history into ``out``; return its size in bytes."""
    if out.exists():
        raise BackupError(f"{out} already exists; it was not replaced")
    kits = kit_files(kits_dir)
    total = _database_size(database) + sum(p.stat().st_size for p, _ in kits)
    done = [0]

    def count(n: int) -> None:
        done[0] += n
        progress(done[0], total)

    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("xb") as sink:
            sealer = SealingWriter(sink, key)
            with tarfile.open(fileobj=sealer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                members, section = _add_database(tar, database, count)
                for path, name in kits:
                    try:
                        members.append(_add(tar, name, path, count))
                    except FileNotFoundError:
                        continue  # pruned by the kit scheduler meanwhile: not history any more
                manifest = _manifest(database, section, members, created_at)
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(manifest), 0o600
                tar.addfile(info, io.BytesIO(manifest))
            sealer.close()
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(partial, out)
        progress(total, total)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out.stat().st_size


def _manifest(
    database: Database,
    section: dict[str, Any],
    members: list[dict[str, Any]],
    created_at: dt.datetime,
) -> bytes:
    body = {
        "format": FORMAT,
        "autarcie": __version__,
        "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "engine": "sqlite" if isinstance(database, Snapshot) else "postgres",
        "database": section,
        "journal": {"head_seq": database.head_seq, "head_hash": database.head_hash},
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
    destination: Destination = lambda _name: None,
    progress: Progress = _no_progress,
) -> Manifest:
    """Check every chunk and member hash; write members where ``destination`` says (or not).

    Without a destination nothing is written: that is ``backup verify`` and the first pass of
    a restore, which writes only once the whole file has proved intact. A destination is a
    new file's path, or a stream (``pg_restore``'s input) that is written to, never closed.
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
    handle: IO[bytes],
    target: Path | Writable | None,
    reader: UnsealingReader,
    total: int,
    progress: Progress,
) -> tuple[int, str]:
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with target.open("xb") as sink:
            digest = _pump(handle, sink, reader, total, progress)
            sink.flush()
            os.fsync(sink.fileno())
        return digest
    return _pump(handle, target, reader, total, progress)


def _pump(
    handle: IO[bytes],
    sink: Writable | None,
    reader: UnsealingReader,
    total: int,
    progress: Progress,
) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    while block := handle.read(1 << 20):
        sha.update(block)
        size += len(block)
        if sink is not None:
            sink.write(block)
        progress(reader.sealed_bytes, total)
    return size, sha.hexdigest()


def _check_manifest(raw: bytes, digests: dict[str, tuple[int, str]]) -> Manifest:
    if not raw:
        raise BackupDamaged("the backup has no manifest: it is incomplete")
    try:
        manifest = Manifest(json.loads(raw))
        expected = manifest.members
        _ = (manifest.counts, manifest.head_seq)
        database = _database_members(manifest)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupDamaged("the backup's manifest is not readable") from exc
    if int(manifest.data.get("format", 0)) != FORMAT:
        raise BackupError(f"backup format {manifest.data.get('format')} is not supported")
    if set(expected) != set(digests) or not database or not set(database) <= set(digests):
        raise BackupDamaged("the backup's members do not match its manifest")
    for name, (size, sha) in digests.items():
        if int(expected[name]["size"]) != size or expected[name]["sha256"] != sha:
            raise BackupDamaged(f"the backup member {name} does not match its checksum")
    return manifest


def _database_members(manifest: Manifest) -> list[str]:
    if manifest.engine == "sqlite":
        _ = manifest.snapshot_key
        return [DB_MEMBER]
    if manifest.engine == "postgres":
        return manifest.dump_parts
    raise BackupError(f"a backup of engine {manifest.engine!r} is not supported")
