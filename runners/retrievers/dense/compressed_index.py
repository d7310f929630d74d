"""Compressed dense search: Matryoshka truncation, quantized codes and approximate indexes, all through faiss.

A compression keeps the first `dims` components (re-normalised when it cuts: cosine of the kept part, as
sentence-transformers' `truncate_dim` ranks), stores them as float32, float16, int8 (faiss scalar quantizers) or
sign bits (faiss binary indexes, Hamming distance, as sentence-transformers' `quantize_embeddings(binary)`), in a
flat, HNSW or IVF-PQ index, and may rescore the top k x `rescore` candidates with the kept float32 vectors.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runners.errors import UserInputError

QUANTIZATIONS = ("float32", "float16", "int8", "binary")
INDEXES = ("flat", "hnsw", "ivf-pq")
HNSW_DEFAULTS = {"m": 32, "ef_construction": 200, "ef_search": 128}
PQ_BITS = 8  # 256 centroids per sub-quantizer: faiss needs at least that many training documents


@dataclass(frozen=True)
class Compression:
    dims: int
    quantization: str = "float32"
    index: str = "flat"
    rescore: int = 0  # 0: no rescoring; r: the top k x r candidates are rescored with float32 vectors

    def check(self, model_dims: int) -> None:
        if not 8 <= self.dims <= model_dims:
            raise UserInputError(f"dims: {self.dims} is outside 8..{model_dims} (the model's dimensions)")
        if self.quantization not in QUANTIZATIONS:
            raise UserInputError(f"quantization {self.quantization!r} is not one of {', '.join(QUANTIZATIONS)}")
        if self.index not in INDEXES:
            raise UserInputError(f"search {self.index!r} is not one of {', '.join(INDEXES)}")
        if self.quantization == "binary" and self.dims % 8:
            raise UserInputError(f"dims: binary codes need a multiple of 8 dimensions, not {self.dims}")
        if self.index == "ivf-pq" and (self.quantization != "float32" or self.dims % 8):
            raise UserInputError("search 'ivf-pq' is its own quantization: use quantization float32 and dims "
                                 "divisible by 8")
        if self.index == "hnsw" and self.quantization in ("float16", "int8"):
            raise UserInputError("search 'hnsw' takes float32 or binary codes")

    @property
    def bytes_per_doc(self) -> float:
        """The stored code of one document (without an index's graph or lists)."""
        if self.index == "ivf-pq":
            return self.dims // 8 * PQ_BITS / 8
        return self.dims * {"float32": 4, "float16": 2, "int8": 1, "binary": 1 / 8}[self.quantization]

    def describe(self) -> dict:
        return {"dims": self.dims, "quantization": self.quantization, "search": self.index,
                "rescore": self.rescore, "bytes_per_doc": self.bytes_per_doc}


def truncate(vectors: np.ndarray, dims: int) -> np.ndarray:
    """The first `dims` components, re-normalised when that cuts anything (the full vectors are kept as they are)."""
    if dims >= vectors.shape[1]:
        return np.ascontiguousarray(vectors, dtype=np.float32)
    kept = np.ascontiguousarray(vectors[:, :dims], dtype=np.float32)
    norms = np.linalg.norm(kept, axis=1, keepdims=True)
    return kept / np.where(norms > 0, norms, 1.0)


def sign_bits(vectors: np.ndarray) -> np.ndarray:
    """One bit per component, set where the component is positive, packed 8 per byte."""
    return np.packbits(vectors > 0, axis=1)


class CompressedIndex:
    def __init__(self, compression: Compression):
        self.compression = compression
        self.index = None
        self.float_vectors: np.ndarray | None = None  # for rescoring

    def build(self, vectors: np.ndarray) -> None:
        import faiss

        c = self.compression
        c.check(vectors.shape[1])
        kept = truncate(vectors, c.dims)
        if c.quantization == "binary":
            self.index = faiss.IndexBinaryHNSW(c.dims, HNSW_DEFAULTS["m"]) if c.index == "hnsw" \
                else faiss.IndexBinaryFlat(c.dims)
            self.index.add(sign_bits(kept))
        elif c.index == "hnsw":
            self.index = faiss.IndexHNSWFlat(c.dims, HNSW_DEFAULTS["m"], faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efConstruction = HNSW_DEFAULTS["ef_construction"]
            self.index.hnsw.efSearch = HNSW_DEFAULTS["ef_search"]
            self.index.add(kept)
        elif c.index == "ivf-pq":
            lists = max(1, int(np.sqrt(len(kept))))
            self.index = faiss.IndexIVFPQ(faiss.IndexFlatIP(c.dims), c.dims, lists, c.dims // 8, PQ_BITS,
                                          faiss.METRIC_INNER_PRODUCT)
            if len(kept) < 2 ** PQ_BITS:
                raise UserInputError(f"search 'ivf-pq' needs at least {2 ** PQ_BITS} documents to train its "
                                     f"quantizer; the corpus has {len(kept)}")
            self.index.train(kept)
            self.index.nprobe = max(1, lists // 4)
            self.index.add(kept)
        elif c.quantization == "float32":
            self.index = faiss.IndexFlatIP(c.dims)
            self.index.add(kept)
        else:
            kind = faiss.ScalarQuantizer.QT_fp16 if c.quantization == "float16" else faiss.ScalarQuantizer.QT_8bit
            self.index = faiss.IndexScalarQuantizer(c.dims, kind, faiss.METRIC_INNER_PRODUCT)
            self.index.train(kept)
            self.index.add(kept)
        self.float_vectors = kept if c.rescore else None

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores (higher is better) and row numbers [n_queries, min(k, n)]; -1 rows are misses."""
        c = self.compression
        kept = truncate(queries, c.dims)
        k = min(k, self.index.ntotal)
        depth = min(k * c.rescore, self.index.ntotal) if c.rescore else k
        if c.quantization == "binary":
            distances, rows = self.index.search(sign_bits(kept), depth)
            scores = (c.dims - 2 * distances).astype(np.float32)  # agreements minus disagreements
        else:
            scores, rows = self.index.search(kept, depth)
        if not c.rescore:
            return scores, rows
        return self._rescore(kept, rows, k)

    def _rescore(self, queries: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner products of the candidates with the kept float32 vectors; the best k of them."""
        exact = np.einsum("qd,qcd->qc", queries, self.float_vectors[np.maximum(rows, 0)])
        exact[rows < 0] = -np.inf
        order = np.argsort(-exact, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(exact, order, axis=1), np.take_along_axis(rows, order, axis=1)

    def nbytes(self) -> int:
        import faiss

        serialize = faiss.serialize_index_binary if self.compression.quantization == "binary" \
            else faiss.serialize_index
        stored = int(serialize(self.index).nbytes)
        return stored + (self.float_vectors.nbytes if self.float_vectors is not None else 0)

    def provenance(self) -> dict:
        return {"compression": self.compression.describe()}
