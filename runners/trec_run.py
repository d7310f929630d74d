"""TREC run files (qid Q0 docid rank score tag) and the trec_eval ordering of a ranking."""
from __future__ import annotations

from pathlib import Path

from runners.errors import UserInputError

Run = dict[str, dict[str, float]]


def trec_order(hits: dict[str, float]) -> list[tuple[str, float]]:
    """Order hits as trec_eval does: score descending, ties by doc id descending (string order)."""
    return sorted(hits.items(), key=lambda item: (item[1], item[0]), reverse=True)


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
            try:
                score = float(score_text)
            except ValueError:
                raise UserInputError(f"{name}:{line_number}: score {score_text!r} is not a number") from None
            if score != score or score in (float("inf"), float("-inf")):
                raise UserInputError(f"{name}:{line_number}: score must be finite, got {score_text}")
            hits = run.setdefault(qid, {})
            if doc_id in hits:
                raise UserInputError(f"{name}:{line_number}: document {doc_id} listed twice for query {qid}")
            hits[doc_id] = score
    if not run:
        raise UserInputError(f"{name}: the run file is empty")
    return run
