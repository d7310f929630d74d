"""Long documents: truncation (the default) or chunking with max-passage aggregation, for ANY retriever.

Spec params (any family):
    long_documents: "truncate" (default) | "chunk"
    chunk_words: passage length in whitespace words (default 256)
    stride: words between passage starts (default 192, i.e. 64 words of overlap; stride <= chunk_words)
    chunk_depth_factor: passages fetched per wanted document before aggregation (default 4; raised
        automatically for a query until it has k distinct documents or every passage was searched)

Truncation is what every encoder does on its own at its max_length (dense, SPLADE, sparse-LLM); BM25
indexes whole documents. Chunking wraps the family's retriever: each document is split into overlapping
passages (title repeated in each), the passages are indexed and searched, and a document scores the
maximum of its passages' scores (MaxP). Both settings are recorded in the result's provenance.
"""
from __future__ import annotations

from pathlib import Path

from runners.data import Corpus, Document
from runners.errors import UserInputError
from runners.trec_run import Run

MODES = ("truncate", "chunk")
SEPARATOR = "::p"


def settings_of(params: dict) -> dict:
    mode = params.get("long_documents", "truncate")
    if mode not in MODES:
        raise UserInputError(f"long_documents must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "truncate":
        return {"mode": "truncate", "max_length": params.get("max_length")}
    size = int(params.get("chunk_words", 256))
    stride = int(params.get("stride", 192))
    if size < 1 or not 1 <= stride <= size:
        raise UserInputError(f"chunking needs chunk_words >= 1 and 1 <= stride <= chunk_words (got {size}, {stride})")
    return {"mode": "chunk", "unit": "words", "chunk_words": size, "stride": stride, "aggregate": "max",
            "depth_factor": int(params.get("chunk_depth_factor", 4))}


def describe(spec) -> dict:
    """What the provenance says about long documents for this spec."""
    described = settings_of(spec.params)
    if described["mode"] == "truncate" and described["max_length"] is None:
        described["max_length"] = "none (whole document)" if spec.family == "bm25" else "model default"
    return described


def split_words(text: str, size: int, stride: int) -> list[str]:
    """Overlapping windows of `size` words starting every `stride` words; the last one reaches the end."""
    words = text.split()
    if len(words) <= size:
        return [" ".join(words)]
    starts = list(range(0, len(words) - size + 1, stride))
    if starts[-1] + size < len(words):
        starts.append(len(words) - size)
    return [" ".join(words[start:start + size]) for start in starts]


def passage_id(doc_id: str, number: int) -> str:
    return f"{doc_id}{SEPARATOR}{number}"


def document_of(pid: str) -> str:
    return pid.rsplit(SEPARATOR, 1)[0]


def passages(corpus: Corpus, size: int, stride: int) -> Corpus:
    def open_passages():
        for doc in corpus:
            for number, text in enumerate(split_words(doc.text, size, stride)):
                yield Document(passage_id(doc.doc_id, number), doc.title, text)

    count = sum(len(split_words(doc.text, size, stride)) for doc in corpus)
    return Corpus(open_passages, count)


def max_passage(hits: dict[str, float]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for pid, score in hits.items():
        doc_id = document_of(pid)
        if doc_id not in scores or score > scores[doc_id]:
            scores[doc_id] = score
    return scores


class ChunkingRetriever:
    """Index passages with the wrapped retriever; rank documents by their best passage."""

    def __init__(self, inner, params: dict):
        self.inner = inner
        self.settings = settings_of({**params, "long_documents": "chunk"})
        self.passage_count = 0
        self.document_count = 0

    def index(self, corpus: Corpus, workdir: Path) -> None:
        chunked = passages(corpus, self.settings["chunk_words"], self.settings["stride"])
        self.passage_count, self.document_count = len(chunked), len(corpus)
        self.inner.index(chunked, workdir)

    def index_bytes(self) -> int:
        return self.inner.index_bytes()

    def search(self, queries: dict[str, str], k: int) -> Run:
        run: Run = {}
        pending = dict(queries)
        depth = min(k * self.settings["depth_factor"], self.passage_count)
        while pending:
            hits = self.inner.search(pending, depth)
            short = {}
            for qid in pending:
                docs = max_passage(hits.get(qid, {}))
                if len(docs) < k and depth < self.passage_count and len(hits.get(qid, {})) >= depth:
                    short[qid] = pending[qid]
                else:
                    run[qid] = dict(sorted(docs.items(), key=lambda item: (-item[1], item[0]))[:k])
            pending = short
            depth = min(depth * 2, self.passage_count)
        return run

    def provenance(self) -> dict:
        inner = self.inner.provenance() if hasattr(self.inner, "provenance") else {}
        return {**inner, "long_documents": {**self.settings, "passages": self.passage_count,
                                            "documents": self.document_count}}

    def __getattr__(self, name):  # anything else (device, model info) comes from the wrapped retriever
        return getattr(self.inner, name)


def wrap(retriever, spec):
    """build_retriever's hook: the family's retriever, wrapped when the spec asks for chunking."""
    if settings_of(spec.params)["mode"] == "chunk":
        return ChunkingRetriever(retriever, spec.params)
    return retriever
