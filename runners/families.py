"""Retriever families, each described once (in the style of mteb's ModelMeta).

A record says what a family is called, where its model may come from, which parameters a submitter may
set (with types and bounds), whether its models want a GPU, and which class implements it. The submission
form and API, the worker and the docs read these records; adding a family is adding a record.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# A hybrid run naming a model submission instead of a reference retriever: "submission:<slug>".
SUBMISSION_PARTNER = "submission:"


@dataclass(frozen=True)
class Param:
    kind: type
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    max_chars: int = 200

    def coerce(self, value: Any) -> Any:
        """The value as this parameter's type, within its bounds; ValueError saying what is expected."""
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if str(value).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if self.kind is list:
            items = value if isinstance(value, list) else str(value).split(",")
            if not all(isinstance(v, str) for v in items) or len(items) > MAX_ITEMS:
                raise ValueError(f"expected up to {MAX_ITEMS} names")
            return [_text(v.strip(), self.max_chars) for v in items if v.strip()]
        if self.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError("expected a number")
            number = self.kind(value) if self.kind is float else int(str(value))
            if not math.isfinite(number):
                raise ValueError("expected a finite number")
            if self.low is not None and number < self.low or self.high is not None and number > self.high:
                raise ValueError(f"must be between {self.low:g} and {self.high:g}")
            return number
        if not isinstance(value, str):
            raise ValueError("expected text")
        text = _text(value, self.max_chars)
        if self.choices and text not in self.choices:
            raise ValueError(f"one of {', '.join(self.choices)}")
        return text


def _text(value: str, max_chars: int) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    if len(value) > max_chars:
        raise ValueError(f"at most {max_chars} characters")
    return value


MAX_ITEMS = 8  # fusion partners
PARAMS: dict[str, Param] = {
    "pooling": Param(str, "dense pooling", choices=("mean", "cls", "max", "last")),
    "normalize": Param(bool, "L2-normalise embeddings (cosine)"),
    "query_prefix": Param(str, "text put before each query (e.g. 'query: ')"),
    "passage_prefix": Param(str, "text put before each document (e.g. 'passage: ')"),
    "max_length": Param(int, "maximum tokens per text", 8, 32768),
    "batch_size": Param(int, "encoding batch size", 1, 4096),
    "search": Param(str, "vector search", choices=("flat", "hnsw", "ivf-pq")),
    "dims": Param(int, "embedding dimensions kept (Matryoshka truncation, re-normalised)", 8, 65_536),
    "quantization": Param(str, "stored embedding codes", choices=("float32", "float16", "int8", "binary")),
    "rescore": Param(int, "rescore the top k x r compressed-search candidates with float32 vectors", 1, 100),
    "doc_top_k": Param(int, "document terms kept (sparse)", 1, 100_000),
    "query_top_k": Param(int, "query terms kept (sparse)", 1, 100_000),
    "top_k": Param(int, "terms kept per text (sparse; sets doc_top_k and query_top_k)", 1, 100_000),
    "k1": Param(float, "BM25 k1", 0.0, 10.0),
    "b": Param(float, "BM25 b", 0.0, 1.0),
    "fields": Param(str, "BM25 fields", choices=("flat", "multifield")),
    "runs": Param(list, f"fusion partners: reference retrievers, or {SUBMISSION_PARTNER}<slug> for a model "
                        "submission of yours or a public one"),
    "method": Param(str, "fusion method", choices=("rrf", "convex")),
    "alpha": Param(float, "weight of the second run in convex fusion", 0.0, 1.0),
    "k": Param(int, "RRF k", 1, 10_000),
    "norm": Param(str, "score normalisation", choices=("min-max", "z-score")),
}

MODEL_SOURCES = ("reference", "archive", "model-id")
ENCODER_PARAMS = ("max_length", "batch_size", "doc_top_k", "query_top_k", "top_k")


@dataclass(frozen=True)
class FamilyRecord:
    name: str
    label: str
    sources: tuple[str, ...]  # where a submission of this family takes its model from
    params: tuple[str, ...]  # names in PARAMS a submitter may set
    retriever: str = ""  # "module:Class" implementing runners.retrievers.base.Retriever; "" for run files
    takes_model_dir: bool = False  # loads a model folder (uploaded archive or hub snapshot)
    # A model of this family goes to the gpu queue. Reference retrievers say so in their own spec; a hybrid
    # wants a GPU when one of its partners does.
    wants_gpu: bool = False
    # The search configuration every model of the family is also timed with (runners/evaluate.py), so that a
    # faster engine, an approximate index or compressed embeddings do not hide what the model itself costs
    # (None: the parameter unset, the family's default).
    standard_search: tuple[tuple[str, str | None], ...] = ()

    @property
    def param_records(self) -> dict[str, Param]:
        return {name: PARAMS[name] for name in self.params}


FAMILIES: dict[str, FamilyRecord] = {record.name: record for record in (
    FamilyRecord("bm25", "BM25 (lexical)", ("reference",), ("k1", "b", "fields"),
                 retriever="runners.retrievers.bm25.retriever:BM25Retriever"),
    FamilyRecord("dense", "Dense bi-encoder", MODEL_SOURCES,
                 ("pooling", "normalize", "query_prefix", "passage_prefix", "max_length", "batch_size", "search",
                  "dims", "quantization", "rescore"),
                 retriever="runners.retrievers.dense.retriever:DenseRetriever", takes_model_dir=True, wants_gpu=True,
                 standard_search=(("search", "flat"), ("dims", None), ("quantization", None), ("rescore", None))),
    FamilyRecord("learned-sparse", "Learned sparse (SPLADE)", MODEL_SOURCES, ENCODER_PARAMS,
                 retriever="runners.retrievers.learned_sparse.retriever:SparseRetriever", takes_model_dir=True,
                 wants_gpu=True, standard_search=(("index", "csr"),)),
    FamilyRecord("hybrid", "Hybrid fusion", ("reference",), ("runs", "method", "alpha", "k", "norm"),
                 retriever="runners.retrievers.hybrid.retriever:HybridRetriever"),
    FamilyRecord("sparse-llm", "Sparse LLM", MODEL_SOURCES, ENCODER_PARAMS,
                 retriever="runners.retrievers.sparse_llm.retriever:SparseLLMRetriever", takes_model_dir=True,
                 wants_gpu=True, standard_search=(("index", "csr"),)),
    FamilyRecord("run-file", "Run files", ("run-file",), ()),
)}
MODEL_FAMILIES = tuple(name for name, record in FAMILIES.items() if record.takes_model_dir)
RETRIEVER_FAMILIES = tuple(name for name, record in FAMILIES.items() if record.retriever)
