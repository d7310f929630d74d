"""Uploaded model archives (zip or tar) of an HF-format model directory.

Every entry is checked before a byte is written: no absolute paths, no `..`, no links or
devices, no pickle weights, and a bounded unpacked size. The archive is unpacked once per
content checksum under <models dir>/<sha256>/ (written to a temporary folder and renamed into
place), then runners.model_dir validates the directory for the family: safetensors only, no
trust_remote_code / auto_map, a tokenizer, a parameter count under the limit. The caller (the
submission checks, the worker) passes the folder and the limits from its settings.
"""
from __future__ import annotations

import errno
import hashlib
import lzma
import os
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from runners.errors import UserInputError
from runners.model_dir import CHECKSUM_SUFFIXES, PICKLE_SUFFIXES, ModelDir, validate_model_dir

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
MAX_ENTRIES = 10_000
MAX_RATIO = 10
MAX_DEPTH = 32  # folders in an entry's name (a model folder has a few)
MIN_UNPACKED_LIMIT = 1 << 20  # a tiny archive of JSON files may compress well
# Errors of a name the file system refuses: a part over 255 bytes or a path over 4,096, a file and a folder of one name.
NAME_ERRNOS = (errno.ENAMETOOLONG, errno.EEXIST, errno.EISDIR, errno.ENOTDIR)


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    is_dir: bool


def sha256_file(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe_name(name: str, archive: str) -> str:
    if not name or "\x00" in name:
        raise UserInputError(f"{archive}: an entry has an empty or invalid name")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UserInputError(f"{archive}: entry {name!r} has an absolute path; archive the folder with relative paths")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        raise UserInputError(f"{archive}: entry {name!r} climbs out of the folder ('..'); such archives are refused")
    if len(parts) > MAX_DEPTH:  # unpacking and checking thousands of nested folders would hold the request for minutes
        raise UserInputError(f"{archive}: entry {name[:60]!r}... is nested more than {MAX_DEPTH} folders deep; refused")
    return "/".join(p for p in parts if p not in (".", ""))


def _zip_entries(path: Path, archive: str) -> list[Entry]:
    entries = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = _safe_name(info.filename, archive)
            if info.header_offset < 0:  # a damaged directory: the entry would be read from before the file's start
                raise UserInputError(f"{archive}: entry {info.filename!r} has a damaged header; archive the folder "
                                     "again")
            mode = (info.external_attr >> 16) & 0o170000
            if mode and mode not in (0o100000, 0o040000):  # only regular files and folders
                raise UserInputError(f"{archive}: entry {info.filename!r} is a link or special file; refused")
            entries.append(Entry(name, info.file_size, info.is_dir()))
    return entries


def kept(entry: Entry) -> bool:
    """Only what the loaders read is unpacked (configs, weights, tokenizer); READMEs, images and padding are not."""
    return not entry.is_dir and entry.name.lower().endswith(CHECKSUM_SUFFIXES)


def bounded_size(path: Path, unpacked_limit: int) -> int:
    """The most bytes an archive may unpack to: a multiple of its own size (model weights hardly compress, so
    more is a zip bomb), within the platform's limit."""
    return min(unpacked_limit, max(MAX_RATIO * path.stat().st_size, MIN_UNPACKED_LIMIT))


def _tar_entries(path: Path, archive: str) -> list[Entry]:
    entries = []
    with tarfile.open(path) as tf:
        for member in tf.getmembers():
            name = _safe_name(member.name, archive)
            if not (member.isfile() or member.isdir()):
                raise UserInputError(f"{archive}: entry {member.name!r} is a link or special file; refused")
            entries.append(Entry(name, member.size, member.isdir()))
    return entries


def list_entries(path: Path | str, unpacked_limit: int, archive_name: str | None = None) -> list[Entry]:
    """The archive's entries after the safety checks; raises UserInputError naming the bad entry."""
    path = Path(path)
    archive = archive_name or path.name
    if zipfile.is_zipfile(path):
        try:
            entries = _zip_entries(path, archive)
        except zipfile.BadZipFile as exc:  # an end record is found but the directory before it is damaged
            raise UserInputError(f"{archive}: not a readable zip archive ({exc}); archive the folder again") from None
    else:
        try:
            if not tarfile.is_tarfile(path):
                raise tarfile.TarError("not a tar file")
            entries = _tar_entries(path, archive)
        except (tarfile.TarError, EOFError, OSError):
            raise UserInputError(
                f"{archive}: not a zip or tar archive; upload the model folder as .zip or .tar.gz"
            ) from None
    if len(entries) > MAX_ENTRIES:
        raise UserInputError(f"{archive}: {len(entries)} entries, more than the limit of {MAX_ENTRIES}")
    limit = bounded_size(path, unpacked_limit)
    total = sum(e.size for e in entries if kept(e))
    if total > limit:
        raise UserInputError(f"{archive}: unpacks to {total:,} bytes, above the limit of {limit:,} (at most "
                             f"{MAX_RATIO}x the archive's size, and {unpacked_limit:,} in all)")
    pickles = [e.name for e in entries if not e.is_dir and e.name.lower().endswith(PICKLE_SUFFIXES)]
    if pickles:
        raise UserInputError(
            f"{archive}: contains pickle weights ({', '.join(pickles[:3])}), which are refused because loading them "
            "can run code; save with safe_serialization=True and upload model.safetensors"
        )
    files = [e for e in entries if not e.is_dir]
    if not any(PurePosixPath(e.name).name == "config.json" for e in files):
        raise UserInputError(f"{archive}: no config.json inside; archive the folder written by save_pretrained()")
    return [e for e in entries if kept(e)]


def model_root(folder: Path) -> Path:
    """The folder holding config.json: the archive's root or its single top-level folder."""
    if (folder / "config.json").is_file():
        return folder
    children = [p for p in folder.iterdir()]
    if len(children) == 1 and children[0].is_dir() and (children[0] / "config.json").is_file():
        return children[0]
    raise UserInputError("config.json must be at the archive's top level or inside one top-level folder")


def _extract(path: Path, target: Path, entries: list[Entry], limit: int, archive: str) -> None:
    """Write each checked entry below target (names were validated; links never created), never more bytes in
    all than `limit` whatever the archive declares."""
    wanted = {e.name for e in entries}
    budget = [limit]

    def copy(source, name: str) -> None:
        out = target / name
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            sink = open(out, "wb")
        except OSError as exc:  # a name the checks let through that the file system refuses
            source.close()
            if exc.errno not in NAME_ERRNOS:
                raise
            raise UserInputError(f"{archive}: entry {name!r} cannot be unpacked ({exc.strerror}); keep names short "
                                 "and never use one name for a file and a folder") from None
        with source, sink:
            for block in iter(lambda: source.read(1 << 20), b""):
                budget[0] -= len(block)
                if budget[0] < 0:
                    raise UserInputError(f"{archive}: {name} unpacks to more than the archive declares")
                sink.write(block)

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    name = _safe_name(info.filename, archive)
                    if name in wanted and not info.is_dir():
                        copy(zf.open(info), name)
        else:
            with tarfile.open(path) as tf:
                for member in tf.getmembers():
                    name = _safe_name(member.name, archive)
                    if name in wanted and member.isfile():
                        copy(tf.extractfile(member), name)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error,
            lzma.LZMAError, OSError) as exc:
        # encrypted members, unknown compression methods, bad CRCs, truncated streams, corrupt bz2/gzip/xz data
        # (an OSError without errno); an OSError with one is the server's (a full disk), not the archive's
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise UserInputError(f"{archive}: cannot unpack ({exc}); archive the folder again without a password, "
                             "with zip's default compression") from None
    resolved = target.resolve()
    for file in target.rglob("*"):
        if file.is_symlink() or not file.resolve().is_relative_to(resolved):
            raise UserInputError(f"{archive}: entry {file.name!r} escapes the model folder")


def unpack(path: Path | str, models_dir: Path, unpacked_limit: int, checksum: str | None = None,
           archive_name: str | None = None) -> Path:
    """Unpack once to <models_dir>/<sha256>/ and return the model folder inside it."""
    path = Path(path)
    checksum = checksum or sha256_file(path)
    final = Path(models_dir) / checksum
    if final.is_dir():
        return model_root(final)
    entries = list_entries(path, unpacked_limit, archive_name)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{checksum[:12]}-", dir=final.parent))
    try:
        _extract(path, tmp, entries, bounded_size(path, unpacked_limit), archive_name or path.name)
        model_root(tmp)
        try:
            os.rename(tmp, final)
        except OSError:  # another process unpacked the same archive meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return model_root(final)


def unpack_and_validate(path: Path | str, family: str, models_dir: Path, unpacked_limit: int, max_parameters: int,
                        archive_name: str | None = None) -> tuple[str, ModelDir]:
    """(archive sha256, validated model directory); the unpacked copy is removed if it is not valid."""
    checksum = sha256_file(path)
    folder = unpack(path, models_dir, unpacked_limit, checksum, archive_name)
    try:
        model = validate_model_dir(folder, family, max_parameters)
    except UserInputError as exc:
        shutil.rmtree(Path(models_dir) / checksum, ignore_errors=True)
        # Name the archive, not the server's folder.
        message = str(exc).replace(str(folder), archive_name or Path(path).name)
        raise UserInputError(message) from None
    return checksum, model
