"""SPLADE search, side by side on the same vectors: exact inverted index (scipy CSR, our default),
brute-force scipy baseline (every document scored per query) and Lucene impact search (Anserini).

One query at a time, top 10, one thread; QPS and p95 latency over the collection's queries.
Repeat: .venv/bin/python benchmarks/sparse_search.py --dataset classic-ir/cranfield
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import runners  # noqa: E402
from runners.retrievers.learned_sparse.inverted_index import InvertedIndex, top_k_rows  # noqa: E402
from runners.retrievers.learned_sparse.lucene_impact import LuceneImpactIndex  # noqa: E402
from runners.retrievers.learned_sparse.retriever import SparseRetriever  # noqa: E402


class BruteForce:
    """Every document scored against the query (doc-major CSR times the query column)."""

    kind = "brute-force scipy"

    def build(self, docs, doc_ids, workdir):
        self.docs, self.doc_ids = docs, doc_ids

    def search(self, queries, qids, k):
        scores = (self.docs @ queries.T).T.tocsr()
        return {q: {self.doc_ids[c]: float(v) for c, v in zip(cols, vals)}
                for q, (cols, vals) in zip(qids, top_k_rows(scores, k))}


def time_queries(index, queries, qids, k=10):
    latencies = []
    for row, qid in enumerate(qids):
        start = time.perf_counter()
        index.search(queries[row], [qid], k)
        latencies.append(time.perf_counter() - start)
    return len(qids) / sum(latencies), float(np.percentile(np.array(latencies) * 1000, 95))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="classic-ir/cranfield")
    args = parser.parse_args()
    import django

    # tests.helpers reads the bundled collections' mirror path from the Django settings.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")  # a local measurement run: the development settings
    django.setup()
    from tests.helpers import load_beir_dataset

    dataset = load_beir_dataset(args.dataset)
    retriever = SparseRetriever(runners.get_spec("splade-tiny"))
    docs = retriever.encoder.encode_passages([d.contents for d in dataset.corpus])
    qids = list(dataset.judged_queries)
    queries = retriever.encoder.encode_queries([dataset.queries[q] for q in qids])
    doc_ids = [d.doc_id for d in dataset.corpus]
    print(f"{args.dataset}: {len(doc_ids)} docs, {len(qids)} queries, {docs.nnz / len(doc_ids):.0f} terms/doc")
    print("| engine | QPS | p95 ms |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for index in (InvertedIndex(), BruteForce(), LuceneImpactIndex(threads=1)):
            index.build(docs, doc_ids, Path(tmp))
            time_queries(index, queries, qids[:20])  # warm-up
            qps, p95 = time_queries(index, queries, qids)
            print(f"| {index.kind} | {qps:,.0f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
