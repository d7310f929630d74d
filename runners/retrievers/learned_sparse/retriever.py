"""The learned-sparse family: encode documents to term weights, search an inverted index.

The sparse-LLM family reuses this class with another encoder (runners/retrievers/sparse_llm/).
"""
from __future__ import annotations

from pathlib import Path

from runners.data import Corpus
from runners.embedding_cache import cache_key, corpus_checksum, encode_through_cache
from runners.errors import UserInputError
from runners.model_dir import resolve_model_path, validate_model_dir
from runners.retrievers.learned_sparse.encoder import SpladeEncoder
from runners.retrievers.learned_sparse.inverted_index import InvertedIndex
from runners.retrievers.learned_sparse.lucene_impact import LuceneImpactIndex
from runners.trec_run import Run

INDEXES = {"csr": InvertedIndex, "lucene": LuceneImpactIndex}


class SparseRetriever:
    encoder_class = SpladeEncoder

    def __init__(self, spec, device: str = "cpu"):
        params = spec.params
        family = self.encoder_class.family
        self.model_dir = validate_model_dir(resolve_model_path(params["model"]), family)
        self.encoder = self.encoder_class(self.model_dir, params, device)
        kind = params.get("index", "csr")
        if kind not in INDEXES:
            raise UserInputError(f"sparse index {kind!r} is not one of {', '.join(INDEXES)}")
        self.inverted_index = INDEXES[kind]()
        self.postings_count = 0
        self.cache_hit = False
        self.cold_seconds: float | None = None

    def index(self, corpus: Corpus, workdir: Path) -> None:
        doc_ids = [doc.doc_id for doc in corpus]

        def build(docs) -> None:
            self.postings_count = int(docs.nnz)
            self.inverted_index.build(docs, doc_ids, workdir)

        key = cache_key(family=self.encoder_class.family, model=self.model_dir.checksum,
                        corpus=corpus_checksum(corpus), **self.encoder.settings())
        self.cache_hit, self.cold_seconds = encode_through_cache(
            key, lambda: self.encoder.encode_passages([doc.contents for doc in corpus]), build)

    def build_seconds(self) -> float | None:
        """Encoding + inverted index cost when the term weights came from the cache (None: this run paid it)."""
        return self.cold_seconds

    def index_bytes(self) -> int:
        return self.inverted_index.nbytes()

    def search(self, queries: dict[str, str], k: int) -> Run:
        qids = list(queries)
        return self.inverted_index.search(self.encoder.encode_queries([queries[q] for q in qids]), qids, k)

    def provenance(self) -> dict:
        return {
            "model_checksum": self.model_dir.checksum,
            "n_parameters": self.model_dir.n_parameters,
            "vocabulary_size": self.encoder.vocabulary_size,
            "index": self.inverted_index.kind,
            "postings": self.postings_count,
            "vector_cache_hit": self.cache_hit,
            **self.encoder.settings(),
        }
