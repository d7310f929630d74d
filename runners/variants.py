"""Variants of one dense encoding: the quality/cost frontier of dimensions x quantization x index.

`{"dims": [384, 128], "quantization": ["float32", "binary"], "search": ["flat"], "rescore": 4}` expands to one
parameter set per combination (rescoring applies to the quantized ones). The corpus is encoded once: every
variant reads the same cached embeddings (runners/embedding_cache.py) and only builds its index and searches.
Each variant's outcome also has recall@10/@100 against the parent, the exact float32 search at full dimension.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from runners.data import Dataset
from runners.errors import UserInputError
from runners.evaluate import Outcome, evaluate
from runners.retrievers.dense.compressed_index import INDEXES, QUANTIZATIONS
from runners.specs import RetrieverSpec
from runners.trec_run import Run, trec_order

MAX_VARIANTS = 24
AXES = {"dims": int, "quantization": str, "search": str}
RECALL_DEPTHS = (10, 100)


@dataclass
class VariantOutcome:
    name: str
    params: dict
    outcome: Outcome | None
    error: str = ""  # a variant that cannot run (e.g. IVF-PQ on too few documents) fails alone


def _values(variants: dict, axis: str) -> list:
    values = variants.get(axis)
    if values is None:
        return [None]
    values = values if isinstance(values, list) else [values]
    kind = AXES[axis]
    if not values or any(not isinstance(v, kind) or isinstance(v, bool) for v in values):
        raise UserInputError(f"variants.{axis}: a list of {kind.__name__} values")
    return values


def expand(variants: dict) -> list[dict]:
    """The parameter sets the variants object names, checked (UserInputError naming the field)."""
    if not isinstance(variants, dict):
        raise UserInputError("variants: an object with dims, quantization, search and rescore")
    unknown = sorted(set(variants) - set(AXES) - {"rescore"})
    if unknown:
        raise UserInputError(f"variants: unknown field(s) {', '.join(unknown)}")
    rescore = variants.get("rescore", 0)
    if not isinstance(rescore, int) or isinstance(rescore, bool) or not 0 <= rescore <= 100:
        raise UserInputError("variants.rescore: an integer factor from 0 (off) to 100")
    for value in _values(variants, "quantization"):
        if value is not None and value not in QUANTIZATIONS:
            raise UserInputError(f"variants.quantization: {value!r} is not one of {', '.join(QUANTIZATIONS)}")
    for value in _values(variants, "search"):
        if value is not None and value not in INDEXES:
            raise UserInputError(f"variants.search: {value!r} is not one of {', '.join(INDEXES)}")
    for value in _values(variants, "dims"):
        if value is not None and value < 8:
            raise UserInputError(f"variants.dims: {value} is below 8")
    combinations = list(itertools.product(*(_values(variants, axis) for axis in AXES)))
    if len(combinations) > MAX_VARIANTS:
        raise UserInputError(f"variants: {len(combinations)} combinations, at most {MAX_VARIANTS}")
    expanded = []
    for dims, quantization, search in combinations:
        params = {"dims": dims, "quantization": quantization, "search": search}
        if rescore and quantization not in (None, "float32"):
            params["rescore"] = rescore
        expanded.append({key: value for key, value in params.items() if value is not None})
    return expanded


def variant_name(params: dict) -> str:
    parts = [f"d{params['dims']}" if "dims" in params else "dfull", params.get("quantization", "float32"),
             params.get("search", "flat")]
    return "-".join(parts) + (f"-r{params['rescore']}" if params.get("rescore") else "")


def recall_against(run: Run, parent: Run, depth: int) -> float:
    """Mean over the parent's queries of |top-depth of run ∩ top-depth of parent| / |top-depth of parent|."""
    shares = []
    for qid, parent_hits in parent.items():
        wanted = {doc for doc, _ in trec_order(parent_hits)[:depth]}
        if wanted:
            found = {doc for doc, _ in trec_order(run.get(qid, {}))[:depth]}
            shares.append(len(found & wanted) / len(wanted))
    return sum(shares) / len(shares) if shares else 0.0


def evaluate_variants(spec: RetrieverSpec, dataset: Dataset, variants: dict, **options) -> list[VariantOutcome]:
    """The parent (exact float32 at full dimension) first, then each variant, each with recall against it."""
    sets = expand(variants)
    parent = evaluate(spec, dataset, **options)
    outcomes = [VariantOutcome("parent", {}, parent)]
    for params in sets:
        name = variant_name(params)
        try:
            outcome = evaluate(spec.with_params(**params), dataset, **options)
        except UserInputError as exc:
            outcomes.append(VariantOutcome(name, params, None, str(exc)))
            continue
        for depth in RECALL_DEPTHS:
            outcome.metrics[f"recall_vs_exact@{depth}"] = recall_against(outcome.run, parent.run, depth)
        outcomes.append(VariantOutcome(name, params, outcome))
    return outcomes
