"""TREC run files (qid Q0 docid rank score tag) and the trec_eval ordering of a ranking."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from runners.errors import UserInputError

Run = dict[str, dict[str, float]]
# A score as C's atof() reads it whole. Python's float() also takes "1_5" (15.0; atof reads 1.0) and non-ASCII
# digits, which trec_eval would misread; nan and inf parse in both and are refused as not finite.
C_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?i:nan|inf|infinity)")


def trec_order(hits: dict[str, float]) -> list[tuple[str, float]]:
    """Order hits as trec_eval does: score descending as a 32-bit float (trec_eval reads scores into a `float`,
    so scores equal at that precision are ties), ties by doc id descending (string order)."""
    as_float32 = dict(zip(hits, np.array(list(hits.values()), dtype=np.float32).tolist()))
    return sorted(hits.items(), key=lambda item: (as_float32[item[0]], item[0]), reverse=True)


def truncate(run: Run, depth: int) -> Run:
    return {qid: dict(trec_order(hits)[:depth]) for qid, hits in run.items()}


def format_run(run: Run, tag: str = "retrievalboard") -> str:
    """TREC run text, queries in id order, hits in trec_eval order with exact scores."""
    return "".join(
        f"{qid} Q0 {doc_id} {rank} {score!r} {tag}\n"
        for qid in sorted(run)
        for rank, (doc_id, score) in enumerate(trec_order(run[qid]), start=1)
    )


def write_run(run: Run, path: Path | str, tag: str = "retrievalboard") -> None:
    Path(path).write_text(format_run(run, tag), encoding="utf-8")


def read_run(path: Path | str) -> Run:
    """Parse a TREC run file; every malformed line is reported with its number."""
    run: Run = {}
    name = Path(path).name
    with open(path, "rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UserInputError(f"{name}:{line_number}: not UTF-8 text") from None
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 6:
                raise UserInputError(
                    f"{name}:{line_number}: expected 6 columns 'qid Q0 docid rank score tag', got {len(parts)}"
                )
            qid, _, doc_id, _, score_text, _ = parts
            if not C_NUMBER.fullmatch(score_text):  # what float() and trec_eval's atof() would read differently
                raise UserInputError(f"{name}:{line_number}: score {score_text!r} is not a number")
            score = float(score_text)
            if score != score or score in (float("inf"), float("-inf")):
                raise UserInputError(f"{name}:{line_number}: score must be finite, got {score_text}")
            hits = run.setdefault(qid, {})
            if doc_id in hits:
                raise UserInputError(f"{name}:{line_number}: document {doc_id} listed twice for query {qid}")
            hits[doc_id] = score
    if not run:
        raise UserInputError(f"{name}: the run file is empty")
    return run
