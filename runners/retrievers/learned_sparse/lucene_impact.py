"""Lucene impact index (Anserini) over the same sparse vectors, the engine learned-sparse runs usually use.

Anserini stores impacts as integers: weights are multiplied by `scale` and rounded. Search goes
through the Java SimpleImpactSearcher directly, because pyserini's wrapper silently drops query
terms whose idf is <= 0 (FINDINGS.md). Terms are written as "t<vocabulary id>" so no analyzer touches them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from scipy import sparse

from runners.java import ensure_jvm
from runners.measure import directory_bytes
from runners.trec_run import Run

DEFAULT_SCALE = 100


def quantized_terms(row: sparse.csr_matrix, scale: float) -> dict[str, int]:
    weights = np.rint(row.data * scale).astype(int)
    return {f"t{term}": int(w) for term, w in zip(row.indices, weights) if w > 0}


class LuceneImpactIndex:
    kind = "lucene"

    def __init__(self, scale: float = DEFAULT_SCALE, threads: int | None = None):
        ensure_jvm()
        self.scale = scale
        self.threads = threads or os.cpu_count() or 1
        self.index_dir: Path | None = None
        self.searcher = None

    def build(self, docs: sparse.csr_matrix, doc_ids: list[str], workdir: Path) -> None:
        from jnius import autoclass

        source = workdir / "vectors"
        source.mkdir(parents=True)
        with open(source / "docs.jsonl", "w", encoding="utf-8") as out:
            for doc_id, row in zip(doc_ids, docs):
                out.write(json.dumps({"id": doc_id, "contents": "", "vector": quantized_terms(row, self.scale)}) + "\n")
        self.index_dir = workdir / "impact-index"
        autoclass("io.anserini.index.IndexCollection").main([
            "-collection", "JsonVectorCollection", "-generator", "DefaultLuceneDocumentGenerator",
            "-input", str(source), "-index", str(self.index_dir), "-impact", "-pretokenized",
            "-threads", str(self.threads), "-quiet",
        ])
        (source / "docs.jsonl").unlink()
        self.searcher = autoclass("io.anserini.search.SimpleImpactSearcher")(str(self.index_dir))

    def _java_query(self, row: sparse.csr_matrix):
        from jnius import autoclass

        query = autoclass("java.util.HashMap")()
        integer = autoclass("java.lang.Integer")
        for term, weight in quantized_terms(row, self.scale).items():
            query.put(term, integer(weight))
        return query

    def search(self, queries: sparse.csr_matrix, qids: list[str], k: int) -> Run:
        from jnius import autoclass

        if len(qids) == 1:
            hits = {qids[0]: self.searcher.search(self._java_query(queries[0]), k)}
        else:
            java_queries, java_qids = autoclass("java.util.ArrayList")(), autoclass("java.util.ArrayList")()
            for qid, row in zip(qids, queries):
                java_queries.add(self._java_query(row))
                java_qids.add(qid)
            results = self.searcher.batch_search(java_queries, java_qids, k, self.threads)
            hits = {entry.getKey(): entry.getValue() for entry in results.entrySet().toArray()}
        # Integer impacts: scale back so scores are comparable to the exact index's.
        return {qid: {hit.docid: hit.score / (self.scale * self.scale) for hit in found} for qid, found in hits.items()}

    def nbytes(self) -> int:
        return directory_bytes(self.index_dir) if self.index_dir else 0
