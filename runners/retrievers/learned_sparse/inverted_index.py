"""Exact in-process inverted index over sparse term weights (scipy CSR, term-major).

Row t of `postings` is term t's posting list. A query-by-postings sparse product visits
only the posting lists of the query's terms (term-at-a-time), so scores are exact dot
products; documents sharing no term with the query are not retrieved, as in any inverted index.
At the sizes here this beats Lucene impact search (see FINDINGS.md and benchmarks/RESULTS.md).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse

from runners.trec_run import Run


def top_k_rows(scores: sparse.csr_matrix, k: int):
    """Per row: (column indices, values) of the k largest stored values, best first."""
    for row in range(scores.shape[0]):
        start, end = scores.indptr[row], scores.indptr[row + 1]
        values, columns = scores.data[start:end], scores.indices[start:end]
        if len(values) > k:
            keep = np.argpartition(-values, k - 1)[:k]
            values, columns = values[keep], columns[keep]
        best = np.argsort(-values, kind="stable")
        yield columns[best], values[best]


class InvertedIndex:
    kind = "csr"

    def __init__(self):
        self.postings: sparse.csr_matrix | None = None
        self.doc_ids: list[str] = []

    def build(self, docs: sparse.csr_matrix, doc_ids: list[str], workdir: Path) -> None:
        self.postings = docs.T.tocsr()
        self.doc_ids = doc_ids

    def search(self, queries: sparse.csr_matrix, qids: list[str], k: int) -> Run:
        scores = (queries @ self.postings).tocsr()
        return {
            qid: {self.doc_ids[c]: float(v) for c, v in zip(columns, values)}
            for qid, (columns, values) in zip(qids, top_k_rows(scores, k))
        }

    def nbytes(self) -> int:
        return int(self.postings.data.nbytes + self.postings.indices.nbytes + self.postings.indptr.nbytes)
