"""Shared test helpers: the bundled BEIR-layout collections as runners.data.Dataset objects, and runners caches of
a test run's (or a test's) own.

Kept in tests/ on purpose: the application's loader lives in datasets_registry/; these tests
need only a faithful, independent reading of the same files.
"""
from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

from django.conf import settings

from runners.cache import cache_dir
from runners.data import Corpus, Dataset, Document

DATASETS_ROOT = settings.MIRROR_DIR
# benchmark/dataset names of the bundled collections (see MANIFEST.md in the local mirror, RB_MIRROR_DIR).
BUNDLED = (
    "classic-ir/adi", "classic-ir/medline", "classic-ir/cisi", "classic-ir/cranfield",
    "classic-ir/cacm", "classic-ir/npl", "code/cosqa",
)


def _read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return qrels


def load_beir_dataset(name: str, root: Path = DATASETS_ROOT) -> Dataset:
    """Read <root>/<name>/{corpus,queries}.jsonl.gz and qrels/test.tsv into a Dataset."""
    folder = root / name
    documents = [
        Document(doc_id=str(d["_id"]), title=d.get("title") or "", text=d.get("text") or "")
        for d in _read_jsonl_gz(folder / "corpus.jsonl.gz")
    ]
    queries = {str(q["_id"]): q["text"] for q in _read_jsonl_gz(folder / "queries.jsonl.gz")}
    return Dataset(
        name=name,
        corpus=Corpus.from_documents(documents),
        queries=queries,
        qrels=read_qrels(folder / "qrels" / "test.tsv"),
    )


def runners_cache(folder: Path) -> Path:
    """A new RB_CACHE_DIR at `folder`: no embeddings in it. Converted GGUF models are the exception: keyed by the
    GGUF's checksum and written atomically, they are linked from the current cache (each takes a minute to make)."""
    models = cache_dir() / "models"
    models.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True)
    (folder / "models").symlink_to(models.resolve(), target_is_directory=True)
    return folder
