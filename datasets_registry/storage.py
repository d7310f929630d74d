"""Fetch, verify and cache datasets: a local copy is either complete and verified, or absent.

Files are assembled in a temporary folder next to the cache entry and renamed into
place only after every checksum matched, so a failed or interrupted fetch leaves nothing.
A collection the catalog keeps in BEIR layout comes from the local mirror when it has it, else from its
public original: each original file downloaded and checked, converted (loaders/originals), and the BEIR
files it gives checked against the same checksums as the mirror's.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from datasets_registry.catalog import DatasetRecord
from datasets_registry.loaders.originals import CONVERTERS, Original, OriginalFormatError, write_beir
from runners.errors import RunnerError

MARKER = ".verified.json"
CHUNK = 1 << 20


class FetchError(RunnerError):
    """A dataset could not be fetched or verified; the message says which file and what to do.

    Permanent (no internet, restricted, checksum mismatch, unknown format, HTTP 4xx) unless raised as
    FetchInterrupted."""


class FetchUnreachable(FetchError):
    """The source cannot be reached at all (no internet, name not resolved): permanent on this machine."""


class FetchInterrupted(FetchError):
    """The download broke off (timeout, connection reset, truncated, server error, full disk): try again later."""

    transient = True


@dataclass(frozen=True)
class Availability:
    status: str  # "available" | "not downloaded" | "restricted" | "unavailable"
    detail: str


def cache_dir(record: DatasetRecord) -> Path:
    return Path(settings.DATA_DIR) / "datasets" / record.benchmark / record.slug


def fetch_command(record: DatasetRecord) -> str:
    return f"python manage.py datasets fetch {record.key}"


def availability(record: DatasetRecord) -> Availability:
    if (cache_dir(record) / MARKER).exists():
        return Availability("available", str(cache_dir(record)))
    if record.restricted:
        return Availability("restricted", f"run: python manage.py datasets import {record.key} FOLDER "
                                          f"(see: datasets show {record.key})")
    mirror = Path(settings.MIRROR_DIR) / record.mirror if record.mirror else None
    if mirror and mirror.is_dir():
        return Availability("not downloaded", f"local mirror present; run: {fetch_command(record)}")
    if record.archive or record.downloads or record.original:
        sources = [record.archive] if record.archive else record.downloads or record.original["files"]
        unpinned = "; checksum unpinned (first fetch records it)" if any(
            "md5" not in s and "sha256" not in s for s in sources) else ""
        return Availability("not downloaded", f"needs internet; run: {fetch_command(record)}{unpinned}")
    return Availability("unavailable", f"no mirror at {mirror} and no download source" if mirror else "no source")


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


def source_url(url: str) -> str:
    """url from the first RB_SOURCE_URL_REWRITE rule (`prefix=replacement`, comma-separated) whose prefix it
    starts with: an organisation's mirror of the public sources. The catalog's checksums are checked all the
    same, so a mirror can serve the files or fail, never change them."""
    for rule in filter(None, settings.SOURCE_URL_REWRITE.split(",")):
        prefix, separator, replacement = rule.partition("=")
        if not (prefix and separator):
            raise FetchError(f"RB_SOURCE_URL_REWRITE: {rule!r} is not prefix=replacement")
        if url.startswith(prefix):
            return replacement + url[len(prefix):]
    return url


def _download(url: str, target: Path, expected: dict) -> None:
    """Stream url (or its rewrite, source_url) to target, checking the checksum from the catalog (sha256 or md5)."""
    url = source_url(url)
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
    except urllib.error.HTTPError as exc:
        error = FetchInterrupted if exc.code >= 500 or exc.code == 429 else FetchError
        raise error(f"download of {url} failed: server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchUnreachable(
            f"download of {url} failed: cannot reach {urllib.parse.urlsplit(url).netloc} ({exc.reason}). "
            "This machine seems to have no internet access: fetch on a machine that has, then copy "
            f"{settings.DATA_DIR / 'datasets'} here, or point RB_MIRROR_DIR at a local mirror."
        ) from None
    except (http.client.HTTPException, OSError, TimeoutError) as exc:
        raise FetchInterrupted(f"download of {url} failed midway: {exc!r}") from None
    if declared is not None and received != int(declared):
        raise FetchInterrupted(f"download of {url} truncated: {received} of {declared} bytes")
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


def _cached_download(url: str, expected: dict) -> Path:
    """Download once into DATA_DIR/downloads (shared by entries of one archive: CQADupStack, LoCo, BRIGHT)."""
    folder = Path(settings.DATA_DIR) / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / hashlib.sha256(url.encode()).hexdigest()[:24]
    pinned = "sha256" in expected or "md5" in expected
    if target.is_file() and pinned:
        return target  # renamed into place only after its checksum matched
    partial = Path(tempfile.mkstemp(prefix=".part-", dir=folder)[1])
    try:
        _download(url, partial, expected)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


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
    if record.original:
        _convert_original(record, staging)
        return
    if record.downloads:
        for entry in record.downloads:
            target = staging / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_cached_download(entry["url"], entry), target)
        return
    if not record.archive:
        where = f"mirror folder {mirror} is absent" if mirror else "the catalog names no download"
        raise FetchError(f"{record.key}: {where}; source: {record.source_url or 'unknown'}")
    _extract(_cached_download(record.archive["url"], record.archive), staging, record.archive.get("root", ""))


def _read_originals(record: DatasetRecord, paths: dict[str, Path]) -> dict[str, bytes]:
    """The record's inputs by name: a downloaded file itself, or a member of a downloaded tar archive."""
    wanted = set(record.original["inputs"].values())
    found = {name: path.read_bytes() for name, path in paths.items() if name in wanted}
    for name, path in paths.items():
        if not name.endswith((".tar.gz", ".tgz", ".tar")):
            continue
        try:
            with tarfile.open(path) as archive:
                for member in archive:  # reads the archive to its end, so a truncated one fails here
                    if member.name in wanted and member.isfile():
                        found[member.name] = archive.extractfile(member).read()
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            raise FetchError(f"{record.key}: original {name} is damaged or truncated ({exc})") from None
    missing = sorted(wanted - set(found))
    if missing:
        raise FetchError(f"{record.key}: {', '.join(missing)} missing from the original files ({', '.join(paths)})")
    return found


def _convert_original(record: DatasetRecord, staging: Path) -> None:
    """Download the original files (to a folder inside staging, each checksum checked), then write the BEIR
    files their converter makes into staging; verify_files checks those against the catalog afterwards."""
    original = record.original
    converter = CONVERTERS.get(original.get("format"))
    if converter is None:
        raise FetchError(f"{record.key}: no converter for original format {original.get('format')!r}")
    if set(converter.inputs) - set(original["inputs"]):
        raise FetchError(f"{record.key}: the catalog must name the original's {', '.join(converter.inputs)}")
    with tempfile.TemporaryDirectory(prefix=".originals-", dir=staging) as folder:
        paths = {}
        for entry in original["files"]:
            name = Path(urllib.parse.urlsplit(entry["url"]).path).name
            paths[name] = Path(folder) / name
            _download(entry["url"], paths[name], entry)
        data = _read_originals(record, paths)
    inputs = {role: Original(name, data[name]) for role, name in original["inputs"].items()}
    try:
        collection = converter.convert(inputs, original.get("options", {}))
    except OriginalFormatError as exc:
        raise FetchError(f"{record.key}: {exc}") from None
    write_beir(collection, staging, record.split)


def fetch(record: DatasetRecord, force: bool = False) -> Path:
    """Make a verified local copy of the dataset (idempotent); return its folder."""
    target = cache_dir(record)
    if (target / MARKER).exists() and not force:
        return target
    return _install(record, lambda staging: _assemble(record, staging))


def _install(record: DatasetRecord, fill, **marker) -> Path:
    """fill(staging) builds the dataset in a staging folder beside its place; once every checksum holds it
    is renamed into place, so a failure at any step leaves nothing half written."""
    target = cache_dir(record)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{record.slug}-", dir=target.parent))
    try:
        fill(staging)
        files = verify_files(record, staging)
        (staging / MARKER).write_text(json.dumps({"files": files, "checksum": dataset_checksum(files), **marker},
                                                 indent=1))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def verify(record: DatasetRecord) -> str:
    """Re-check a cached copy against the catalog (or, for files the catalog does not pin, against the
    sha256 recorded when they arrived); return the dataset checksum."""
    target = cache_dir(record)
    if not (target / MARKER).exists():
        raise FetchError(f"{record.key} is not downloaded; run: {fetch_command(record)}")
    found = verify_files(record, target)
    if not record.files:
        recorded = json.loads((target / MARKER).read_text())["files"]
        found.pop(MARKER, None)
        changed = sorted(p for p in set(recorded) | set(found) if recorded.get(p) != found.get(p))
        if changed:
            raise FetchError(f"{record.key}: files changed since they were fetched: {', '.join(changed)}")
    return dataset_checksum(found)


def import_folder(record: DatasetRecord, source: Path, validate=None) -> Path:
    """Install a user-provided copy of a collection (restricted licences): the folder must hold the
    record's upstream layout; `validate(folder)` (the format's loader) must read it without error."""
    source = Path(source)
    if not source.is_dir():
        raise FetchError(f"{source}: no such folder")

    def copy(staging: Path) -> None:
        for path in sorted(source.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                (staging / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, staging / path.relative_to(source))
        if validate is not None:
            validate(staging)

    return _install(record, copy, imported_from=str(source))


def local_checksum(record: DatasetRecord) -> str:
    marker = cache_dir(record) / MARKER
    if not marker.exists():
        raise FetchError(f"{record.key} is not downloaded; run: {fetch_command(record)}")
    return json.loads(marker.read_text())["checksum"]
