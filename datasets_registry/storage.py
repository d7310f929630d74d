"""Fetch, verify and cache datasets: a local copy is either complete and verified, or absent.

Files are assembled in a temporary folder next to the cache entry and renamed into
place only after every checksum matched, so a failed or interrupted fetch leaves nothing.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from datasets_registry.catalog import DatasetRecord

MARKER = ".verified.json"
CHUNK = 1 << 20


class FetchError(Exception):
    """A dataset could not be fetched or verified; the message says which file and what to do."""


@dataclass(frozen=True)
class Availability:
    status: str  # "available" | "not downloaded" | "restricted"
    detail: str


def cache_dir(record: DatasetRecord) -> Path:
    return Path(settings.DATA_DIR) / "datasets" / record.benchmark / record.slug


def fetch_command(record: DatasetRecord) -> str:
    return f"python manage.py datasets fetch {record.key}"


def availability(record: DatasetRecord) -> Availability:
    if (cache_dir(record) / MARKER).exists():
        return Availability("available", str(cache_dir(record)))
    if record.restricted:
        return Availability("restricted", record.restricted)
    return Availability("not downloaded", f"run: {fetch_command(record)}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_checksum(files: dict[str, str]) -> str:
    """One checksum for the whole dataset: sha256 over its sorted (path, sha256) pairs."""
    lines = "".join(f"{path}\t{digest}\n" for path, digest in sorted(files.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def verify_files(record: DatasetRecord, folder: Path) -> dict[str, str]:
    """Check each catalogued file; return {path: sha256} of the files present."""
    found: dict[str, str] = {}
    for relative, expected in record.files.items():
        path = folder / relative
        if not path.is_file():
            raise FetchError(f"{record.key}: file {relative} is missing")
        actual = sha256_of(path)
        if actual != expected:
            raise FetchError(
                f"{record.key}: checksum mismatch for {relative} (expected {expected[:12]}..., got {actual[:12]}...)"
            )
        found[relative] = actual
    if not record.files:  # archives whose inner files are not catalogued: record what arrived
        found = {str(p.relative_to(folder)): sha256_of(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    return found


def _download(url: str, target: Path, expected: dict) -> None:
    """Stream url to target, checking the archive checksum from the catalog (sha256 or md5)."""
    algorithm = "sha256" if "sha256" in expected else "md5" if "md5" in expected else None
    digest = hashlib.new(algorithm) if algorithm else None
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
            declared = response.headers.get("Content-Length")
            received = 0
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                received += len(block)
                if digest:
                    digest.update(block)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise FetchError(f"download of {url} failed: {exc}. Check the network or use a local mirror.") from None
    if declared is not None and received != int(declared):
        raise FetchError(f"download of {url} truncated: {received} of {declared} bytes")
    if digest and digest.hexdigest() != expected[algorithm]:
        raise FetchError(f"{url}: {algorithm} mismatch (expected {expected[algorithm]}, got {digest.hexdigest()})")


def _safe_members(names: list[str], archive: str) -> None:
    for name in names:
        if name.startswith("/") or ".." in Path(name).parts:
            raise FetchError(f"{archive}: unsafe path {name!r} in archive")


def _extract(archive_path: Path, folder: Path, root: str) -> None:
    """Unpack an archive and move its `root` folder's contents into folder."""
    unpacked = folder / "_unpacked"
    if zipfile.is_zipfile(archive_path):
        with zipfile.ZipFile(archive_path) as archive:
            _safe_members(archive.namelist(), archive_path.name)
            archive.extractall(unpacked)
    elif tarfile.is_tarfile(archive_path):
        with tarfile.open(archive_path) as archive:
            _safe_members(archive.getnames(), archive_path.name)
            archive.extractall(unpacked, filter="data")
    else:
        raise FetchError(f"{archive_path.name}: not a zip or tar archive")
    source = unpacked / root if root else unpacked
    if not source.is_dir():
        raise FetchError(f"{archive_path.name}: expected folder {root!r} inside the archive")
    for item in source.iterdir():
        shutil.move(str(item), folder / item.name)
    shutil.rmtree(unpacked)


def _assemble(record: DatasetRecord, staging: Path) -> None:
    mirror = Path(settings.MIRROR_DIR) / record.mirror if record.mirror else None
    if mirror and mirror.is_dir():
        for relative in record.files:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            if (mirror / relative).is_file():
                shutil.copyfile(mirror / relative, staging / relative)
        return
    if record.restricted:
        raise FetchError(f"{record.key} cannot be downloaded: {record.restricted}")
    if not record.archive:
        where = f"mirror folder {mirror} is absent" if mirror else "the catalog names no download"
        raise FetchError(f"{record.key}: {where}; source: {record.source_url or 'unknown'}")
    archive_path = staging / "_download"
    _download(record.archive["url"], archive_path, record.archive)
    _extract(archive_path, staging, record.archive.get("root", ""))
    archive_path.unlink()


def fetch(record: DatasetRecord, force: bool = False) -> Path:
    """Make a verified local copy of the dataset (idempotent); return its folder."""
    target = cache_dir(record)
    if (target / MARKER).exists() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{record.slug}-", dir=target.parent))
    try:
        _assemble(record, staging)
        files = verify_files(record, staging)
        (staging / MARKER).write_text(json.dumps({"files": files, "checksum": dataset_checksum(files)}, indent=1))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def verify(record: DatasetRecord) -> str:
    """Re-check a cached copy against the catalog; return the dataset checksum."""
    target = cache_dir(record)
    if not (target / MARKER).exists():
        raise FetchError(f"{record.key} is not downloaded; run: {fetch_command(record)}")
    return dataset_checksum(verify_files(record, target))


def local_checksum(record: DatasetRecord) -> str:
    marker = cache_dir(record) / MARKER
    if not marker.exists():
        raise FetchError(f"{record.key} is not downloaded; run: {fetch_command(record)}")
    return json.loads(marker.read_text())["checksum"]
