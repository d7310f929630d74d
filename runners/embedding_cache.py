"""Corpus embeddings cached on disk, keyed by model checksum, encoder settings and corpus content.

A rerun of the same model on the same data loads the vectors instead of encoding again.
Writes are atomic (temporary file, then os.replace) so concurrent workers never read half a file.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from runners.cache import cache_dir
from runners.data import Corpus


def corpus_checksum(corpus: Corpus) -> str:
    """sha256 over every document's id, title and text, in corpus order."""
    digest = hashlib.sha256()
    for doc in corpus:
        digest.update("\0".join((doc.doc_id, doc.title, doc.text, "\n")).encode("utf-8"))
    return "sha256:" + digest.hexdigest()


def cache_key(**parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cached_array(key: str, compute: Callable[[], np.ndarray]) -> tuple[np.ndarray, bool, float]:
    """The array stored under `key`, computing and storing it if absent; whether it was a hit; and how many
    seconds computing it took (recorded beside the array, so a hit still knows its cold cost)."""
    path = cache_dir() / "embeddings" / f"{key}.npy"
    cost = path.with_suffix(".json")
    if path.is_file() and cost.is_file():  # an entry without its recorded cost is computed once more
        return np.load(path), True, json.loads(cost.read_text())["seconds"]
    start = time.perf_counter()
    array = compute()
    seconds = time.perf_counter() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(cost, lambda out: out.write(json.dumps({"seconds": seconds}).encode()))
    _write_atomically(path, lambda out: np.save(out, array))  # the array last: a hit finds both
    return array, False, seconds


def _write_atomically(path: Path, write: Callable) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
