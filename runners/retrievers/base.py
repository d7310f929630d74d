"""The Retriever protocol every family implements."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from runners.data import Corpus
from runners.trec_run import Run


class Retriever(Protocol):
    def index(self, corpus: Corpus, workdir: Path) -> None:
        """Build the index of the corpus under workdir (encoding included)."""

    def index_bytes(self) -> int:
        """Size of the index on disk (or in memory for in-process indexes)."""

    def search(self, queries: dict[str, str], k: int) -> Run:
        """Batch search: every query, top k hits each."""

    def provenance(self) -> dict:
        """Model checksum/revision, parameters actually used, library versions of the family."""


# Optional: `build_seconds() -> float | None`, the recorded cost of building the index from nothing when this
# run reused a cached index or cached embeddings (None when this run built it).


def cold_seconds(retriever, measured: float) -> float:
    """What building the retriever's index costs from nothing: the time recorded by whoever built a cached
    index or embeddings, else the time this run measured."""
    recorded = retriever.build_seconds() if hasattr(retriever, "build_seconds") else None
    return measured if recorded is None else recorded
