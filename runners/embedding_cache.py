"""Corpus vectors (dense embeddings, sparse term weights) cached on disk, keyed by model checksum, encoder
settings and corpus content.

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
from scipy import sparse

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


def cached_array(key: str, compute: Callable[[], np.ndarray | sparse.spmatrix]) -> tuple[object, bool, float]:
    """The array (dense, or a scipy sparse matrix) stored under `key`, computing and storing it if absent;
    whether it was a hit; and how many seconds computing it took (recorded beside the array, so a hit still
    knows its cold cost)."""
    folder = cache_dir() / "embeddings"
    cost = folder / f"{key}.json"
    if cost.is_file():  # an entry without its recorded cost is computed once more
        for suffix, read in ((".npy", np.load), (".npz", sparse.load_npz)):
            if (folder / f"{key}{suffix}").is_file():
                return read(folder / f"{key}{suffix}"), True, json.loads(cost.read_text())["seconds"]
    start = time.perf_counter()
    array = compute()
    seconds = time.perf_counter() - start
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(cost, lambda out: out.write(json.dumps({"seconds": seconds}).encode()))
    if sparse.issparse(array):  # the array last: a hit finds both
        _write_atomically(folder / f"{key}.npz", lambda out: sparse.save_npz(out, array))
    else:
        _write_atomically(folder / f"{key}.npy", lambda out: np.save(out, array))
    return array, False, seconds


def encode_through_cache(key: str, encode: Callable, build: Callable) -> tuple[bool, float | None]:
    """encode() the corpus through the cache, then build(vectors) the search index. Returns whether the vectors
    were a hit and, if so, the cold cost (recorded encoding time plus this build): what a rerun reports."""
    vectors, hit, encode_seconds = cached_array(key, encode)
    start = time.perf_counter()
    build(vectors)
    return hit, (encode_seconds + time.perf_counter() - start) if hit else None


def _write_atomically(path: Path, write: Callable) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
