"""Family parameters a submitter may set, with their types and bounds (validated, never passed raw)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from leaderboard.models import Family
from runners.specs import REFERENCE_SPECS


SUBMISSION_PARTNER = "submission:"  # a hybrid run naming a model submission instead of a reference retriever


@dataclass(frozen=True)
class Param:
    kind: type
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    max_chars: int = 200


PARAMS: dict[str, Param] = {
    "pooling": Param(str, "dense pooling", choices=("mean", "cls", "max", "last")),
    "normalize": Param(bool, "L2-normalise embeddings (cosine)"),
    "query_prefix": Param(str, "text put before each query (e.g. 'query: ')"),
    "passage_prefix": Param(str, "text put before each document (e.g. 'passage: ')"),
    "max_length": Param(int, "maximum tokens per text", 8, 32768),
    "batch_size": Param(int, "encoding batch size", 1, 4096),
    "search": Param(str, "vector search", choices=("flat", "hnsw")),
    "doc_top_k": Param(int, "document terms kept (sparse)", 1, 100_000),
    "query_top_k": Param(int, "query terms kept (sparse)", 1, 100_000),
    "top_k": Param(int, "terms kept per text (sparse; sets doc_top_k and query_top_k)", 1, 100_000),
    "k1": Param(float, "BM25 k1", 0.0, 10.0),
    "b": Param(float, "BM25 b", 0.0, 1.0),
    "fields": Param(str, "BM25 fields", choices=("flat", "multifield")),
    "runs": Param(list, "fusion partners: reference retrievers, or submission:<slug> for a model submission "
                        "of yours or a public one"),
    "method": Param(str, "fusion method", choices=("rrf", "convex")),
    "alpha": Param(float, "weight of the second run in convex fusion", 0.0, 1.0),
    "k": Param(int, "RRF k", 1, 10_000),
    "norm": Param(str, "score normalisation", choices=("min-max", "z-score")),
}

FAMILY_PARAMS: dict[str, tuple[str, ...]] = {
    Family.DENSE: ("pooling", "normalize", "query_prefix", "passage_prefix", "max_length", "batch_size", "search"),
    Family.LEARNED_SPARSE: ("max_length", "batch_size", "doc_top_k", "query_top_k", "top_k"),
    Family.SPARSE_LLM: ("max_length", "batch_size", "doc_top_k", "query_top_k", "top_k"),
    Family.BM25: ("k1", "b", "fields"),
    Family.HYBRID: ("runs", "method", "alpha", "k", "norm"),
    Family.RUN_FILE: (),
}


def _coerce(name: str, value: Any, param: Param) -> Any:
    if param.kind is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected true or false")
    if param.kind is list:
        items = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
        return [str(v) for v in items if str(v)]
    if param.kind in (int, float):
        if isinstance(value, bool):
            raise ValueError("expected a number")
        number = param.kind(value) if param.kind is float else int(str(value))
        if param.low is not None and number < param.low or param.high is not None and number > param.high:
            raise ValueError(f"must be between {param.low:g} and {param.high:g}")
        return number
    text = str(value)
    if len(text) > param.max_chars:
        raise ValueError(f"at most {param.max_chars} characters")
    if param.choices and text not in param.choices:
        raise ValueError(f"one of {', '.join(param.choices)}")
    return text


def clean_params(family: str, raw: dict | None) -> dict:
    """Typed, bounded parameters for the family; ValidationError({'params': [...]}) otherwise."""
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"params": ["parameters must be a JSON object, e.g. {\"pooling\": \"mean\"}"]})
    allowed = FAMILY_PARAMS.get(family, ())
    errors, cleaned = [], {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        if name not in allowed:
            hint = ", ".join(allowed) or "none"
            errors.append(f"{name!r} is not a parameter of the {family} family (allowed: {hint})")
            continue
        try:
            cleaned[name] = _coerce(name, value, PARAMS[name])
        except (TypeError, ValueError) as exc:
            errors.append(f"{name}: {exc or 'invalid value'}")
    if "top_k" in cleaned:
        top_k = cleaned.pop("top_k")
        cleaned.setdefault("doc_top_k", top_k)
        cleaned.setdefault("query_top_k", top_k)
    if family == Family.HYBRID and "runs" in cleaned:
        runs = cleaned["runs"]
        unknown = [r for r in runs if not r.startswith(SUBMISSION_PARTNER)  # checked against the owner in services
                   and (r not in REFERENCE_SPECS or REFERENCE_SPECS[r].family == "hybrid")]
        if len(runs) < 2:
            errors.append("runs: hybrid fusion needs at least two partners")
        if unknown:
            known = ", ".join(n for n, s in REFERENCE_SPECS.items() if s.family != "hybrid")
            errors.append(f"runs: unknown fusion partner(s) {', '.join(unknown)}; choose from {known}, "
                          "or submission:<slug>")
    if errors:
        raise ValidationError({"params": errors})
    return cleaned
