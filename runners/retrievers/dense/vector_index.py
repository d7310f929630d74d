"""Inner-product search over dense vectors with faiss: exact (flat) or HNSW."""
from __future__ import annotations

import numpy as np

from runners.errors import UserInputError

SEARCH_KINDS = ("flat", "hnsw")
HNSW_DEFAULTS = {"m": 32, "ef_construction": 200, "ef_search": 128}


class VectorIndex:
    def __init__(self, kind: str = "flat", hnsw: dict | None = None):
        if kind not in SEARCH_KINDS:
            raise UserInputError(f"dense search {kind!r} is not one of {', '.join(SEARCH_KINDS)}")
        self.kind = kind
        self.hnsw = {**HNSW_DEFAULTS, **(hnsw or {})} if kind == "hnsw" else None
        self.index = None

    def build(self, vectors: np.ndarray) -> None:
        import faiss

        dim = vectors.shape[1]
        if self.kind == "flat":
            self.index = faiss.IndexFlatIP(dim)
        else:
            self.index = faiss.IndexHNSWFlat(dim, self.hnsw["m"], faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efConstruction = self.hnsw["ef_construction"]
            self.index.hnsw.efSearch = self.hnsw["ef_search"]
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row numbers [n_queries, min(k, n)]; HNSW may pad with row -1."""
        k = min(k, self.index.ntotal)
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def nbytes(self) -> int:
        import faiss

        return int(faiss.serialize_index(self.index).nbytes)

    def provenance(self) -> dict:
        return {"search": self.kind, **({"hnsw": self.hnsw} if self.hnsw else {})}
