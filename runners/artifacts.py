"""Get-or-build artifact folders (Lucene indexes, embeddings) in one store shared by every worker.

The store is configured once with RB_ARTIFACT_URL:

- a local path or ``file://`` URL (default ``file://<RB_DATA_DIR>/artifacts``), which may be a
  network mount (NFS, CephFS) shared by several machines. Builders of the same key serialise on a
  lock file (``fcntl.lockf``: POSIX record locks, which NFS forwards to the server); the artifact is
  built in a temporary folder beside its final place and published by one ``rename``, so a reader
  sees either nothing or the complete folder. A builder that dies leaves only its temporary
  folder, which the next holder of the lock removes.
- any other fsspec URL (``s3://bucket/prefix``, ``gcs://...``, ``memory://``): the artifact is
  uploaded as a tar under a unique name, then a small completion marker naming that tar is
  written; readers trust only the marker. Two machines may build the same key at once (object
  stores have no locks); both tars are complete and the marker names one, so nothing is corrupted.
  Each machine unpacks remote artifacts into a local store (RB_ARTIFACT_CACHE, default
  ``<tmp>/rb-artifacts``) used with the same lock-and-rename rules.
- ``off``: nothing is cached; every call builds into a fresh temporary folder.

A key is any string naming the artifact's inputs exactly (e.g. the corpus checksum, the index
variant and the indexer version); the folder name is derived from it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MARKER = ".artifact.json"
# build(folder) fills the empty folder; it may return the info to record instead of the default.
Builder = Callable[[Path], "dict | None"]


@dataclass(frozen=True)
class Artifact:
    """A complete artifact folder on this machine; `reused` is False when this call built it."""

    path: Path
    key: str
    reused: bool
    info: dict = field(default_factory=dict)  # what the builder recorded: host, seconds, bytes, time

    def provenance(self) -> dict:
        return {"key": self.key, "reused": self.reused, "built_by": self.info.get("host"),
                "build_seconds": self.info.get("seconds"), "built_at": self.info.get("built_at")}


def folder_name(key: str) -> str:
    """A readable, collision-free folder name: a slug of the key plus a hash of the whole key."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.")[:80]
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def default_url() -> str:
    data_dir = os.environ.get("RB_DATA_DIR") or Path(__file__).resolve().parent.parent / "var"
    return f"file://{Path(data_dir).resolve() / 'artifacts'}"


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _build_into(folder: Path, key: str, build: Builder) -> dict:
    start = time.perf_counter()
    recorded = build(folder)
    if isinstance(recorded, dict):
        info = recorded
    else:
        info = {"key": key, "host": socket.gethostname(), "pid": os.getpid(),
                "seconds": round(time.perf_counter() - start, 3), "bytes": _folder_bytes(folder),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (folder / MARKER).write_text(json.dumps(info, indent=1))
    return info


class LocalStore:
    """Artifacts as folders under `root` on a local or network file system."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / folder_name(key)

    def find(self, key: str) -> Artifact | None:
        marker = self.path(key) / MARKER
        if not marker.is_file():
            return None
        return Artifact(self.path(key), key, reused=True, info=json.loads(marker.read_text()))

    @contextmanager
    def lock(self, key: str):
        """Hold the build lock of `key` (blocks while another process, here or on another machine, holds it)."""
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / f"{folder_name(key)}.lock", "a+") as handle:
            fcntl.lockf(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)

    def get_or_build(self, key: str, build: Builder) -> Artifact:
        found = self.find(key)
        if found:
            return found
        with self.lock(key):
            found = self.find(key)  # built by whoever held the lock before us
            if found:
                return found
            final = self.path(key)
            for stale in self.root.glob(f".tmp-{final.name}-*"):  # left by a builder that died
                shutil.rmtree(stale, ignore_errors=True)
            if final.exists():  # a folder without marker is not ours to trust
                shutil.rmtree(final)
            staging = self.root / f".tmp-{final.name}-{socket.gethostname()}-{os.getpid()}"
            staging.mkdir(parents=True)
            try:
                info = _build_into(staging, key, build)
                os.rename(staging, final)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            return Artifact(final, key, reused=False, info=info)


class RemoteStore:
    """Artifacts as `<name>-<uuid>.tar` plus `<name>.complete` markers on an fsspec file system."""

    def __init__(self, url: str, local: LocalStore):
        import fsspec

        self.fs, self.root = fsspec.core.url_to_fs(url)
        self.root = self.root.rstrip("/")
        self.local = local

    def _marker(self, key: str) -> str:
        return f"{self.root}/{folder_name(key)}.complete"

    def _read_marker(self, key: str) -> dict | None:
        try:
            with self.fs.open(self._marker(key), "rb") as handle:
                return json.loads(handle.read())
        except FileNotFoundError:
            return None

    def _download(self, marker: dict, folder: Path) -> None:
        with self.fs.open(f"{self.root}/{marker['tar']}", "rb") as handle, \
                tarfile.open(fileobj=handle, mode="r|") as archive:
            archive.extractall(folder, filter="data")

    def _upload(self, key: str, folder: Path, info: dict) -> None:
        name = f"{folder_name(key)}-{uuid.uuid4().hex}.tar"
        buffer = tempfile.TemporaryFile()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            for item in sorted(folder.iterdir()):
                archive.add(item, arcname=item.name)
        buffer.seek(0)
        self.fs.makedirs(self.root, exist_ok=True)
        with buffer, self.fs.open(f"{self.root}/{name}", "wb") as out:
            shutil.copyfileobj(buffer, out, 1 << 20)
        # The marker goes last: whoever sees it finds a complete tar.
        with self.fs.open(self._marker(key), "wb") as out:
            out.write(json.dumps({**info, "tar": name}).encode())

    def get_or_build(self, key: str, build: Builder) -> Artifact:
        found = self.local.find(key)
        if found:
            return found
        fetched = []

        def fetch_or_build(folder: Path) -> dict:
            marker = self._read_marker(key)
            if marker:
                self._download(marker, folder)
                fetched.append(True)
                return {k: v for k, v in marker.items() if k != "tar"}
            start = time.perf_counter()
            build(folder)
            info = {"key": key, "host": socket.gethostname(), "seconds": round(time.perf_counter() - start, 3),
                    "bytes": _folder_bytes(folder), "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            self._upload(key, folder, info)
            return info

        artifact = self.local.get_or_build(key, fetch_or_build)
        if fetched:  # built on another machine: downloaded, not rebuilt
            return Artifact(artifact.path, key, reused=True, info=artifact.info)
        return artifact


class NoStore:
    """RB_ARTIFACT_URL=off: build every time, into a temporary folder removed at process exit."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="rb-artifact-")

    def get_or_build(self, key: str, build: Builder) -> Artifact:
        folder = Path(tempfile.mkdtemp(dir=self._tmp.name))
        return Artifact(folder, key, reused=False, info=_build_into(folder, key, build))


_NO_STORE: NoStore | None = None


def open_store(url: str | None = None) -> LocalStore | RemoteStore | NoStore:
    """The store named by `url`, else by RB_ARTIFACT_URL, else the default folder under RB_DATA_DIR."""
    global _NO_STORE
    url = url or os.environ.get("RB_ARTIFACT_URL") or default_url()
    if url == "off":
        _NO_STORE = _NO_STORE or NoStore()
        return _NO_STORE
    if "://" not in url:
        return LocalStore(url)
    if url.startswith("file://"):
        return LocalStore(url[len("file://"):])
    cache = os.environ.get("RB_ARTIFACT_CACHE") or Path(tempfile.gettempdir()) / "rb-artifacts"
    return RemoteStore(url, LocalStore(cache))


def get_or_build(key: str, build: Builder, url: str | None = None) -> Artifact:
    """The complete artifact folder for `key`, building it with build(folder) only if no one has."""
    return open_store(url).get_or_build(key, build)
