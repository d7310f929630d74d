"""The dense family: encode the corpus (cached on disk), then inner-product search."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from runners.data import Corpus
from runners.embedding_cache import cache_key, corpus_checksum, encode_through_cache
from runners.model_dir import resolve_model_path, validate_model_dir
from runners.retrievers.dense.compressed_index import CompressedIndex, Compression
from runners.retrievers.dense.encoder import DenseEncoder
from runners.retrievers.dense.vector_index import VectorIndex
from runners.trec_run import Run

COMPRESSION_PARAMS = ("dims", "quantization", "rescore")


def hits_to_run(qids: list[str], doc_ids: list[str], scores: np.ndarray, rows: np.ndarray) -> Run:
    """faiss/argpartition output -> run; row -1 (no hit) is skipped."""
    return {
        qid: {doc_ids[row]: float(score) for score, row in zip(q_scores, q_rows) if row >= 0}
        for qid, q_scores, q_rows in zip(qids, scores, rows)
    }


class DenseRetriever:
    def __init__(self, spec, device: str = "cpu"):
        params = spec.params
        self.model_dir = validate_model_dir(resolve_model_path(params["model"]), "dense")
        self.encoder = DenseEncoder(self.model_dir, params, device)
        self.vectors = self._vector_index(params)
        self.doc_ids: list[str] = []
        self.cache_hit = False
        self.cold_seconds: float | None = None

    def _vector_index(self, params: dict):
        """Plain float search, or a compressed one when the spec asks for fewer dimensions, quantized codes,
        rescoring or IVF-PQ (runners/retrievers/dense/compressed_index.py)."""
        if not any(params.get(key) for key in COMPRESSION_PARAMS) and params.get("search") != "ivf-pq":
            return VectorIndex(params.get("search", "flat"), params.get("hnsw"))
        return CompressedIndex(Compression(
            dims=int(params.get("dims") or self.encoder.dim), quantization=params.get("quantization", "float32"),
            index=params.get("search", "flat"), rescore=int(params.get("rescore") or 0),
        ))

    def index(self, corpus: Corpus, workdir: Path) -> None:
        self.doc_ids = [doc.doc_id for doc in corpus]
        key = cache_key(model=self.model_dir.checksum, corpus=corpus_checksum(corpus), **self.encoder.settings())
        self.cache_hit, self.cold_seconds = encode_through_cache(
            key, lambda: self.encoder.encode_passages([doc.contents for doc in corpus]), self.vectors.build)

    def build_seconds(self) -> float | None:
        """Encoding + vector index cost when the embeddings came from the cache (None: this run paid it)."""
        return self.cold_seconds

    def index_bytes(self) -> int:
        return self.vectors.nbytes()

    def search(self, queries: dict[str, str], k: int) -> Run:
        qids = list(queries)
        scores, rows = self.vectors.search(self.encoder.encode_queries([queries[q] for q in qids]), k)
        return hits_to_run(qids, self.doc_ids, scores, rows)

    def provenance(self) -> dict:
        return {
            "model_checksum": self.model_dir.checksum,
            "n_parameters": self.model_dir.n_parameters,
            "embedding_dim": self.encoder.dim,
            "embedding_cache_hit": self.cache_hit,
            **self.encoder.settings(),
            **self.vectors.provenance(),
        }
