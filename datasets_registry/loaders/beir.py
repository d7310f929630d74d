"""BEIR layout: corpus.jsonl, queries.jsonl, qrels/<split>.tsv (plain or gzip)."""
from __future__ import annotations

from pathlib import Path

from datasets_registry.loaders.textfiles import DatasetFileError, checked_id, find_file, json_records, numbered_lines
from runners.data import Corpus, Dataset, Document


def _corpus_ids(path: Path) -> set[str]:
    """One validating pass over the corpus: ids unique, fields well typed."""
    ids: set[str] = set()
    for line_number, record in json_records(path):
        doc_id = checked_id(record.get("_id"), path, line_number, "_id")
        if doc_id in ids:
            raise DatasetFileError(f"{path.name}:{line_number}: duplicate document id {doc_id!r}")
        if not isinstance(record.get("text", ""), str) or not isinstance(record.get("title", ""), str):
            raise DatasetFileError(f"{path.name}:{line_number}: title and text must be strings")
        ids.add(doc_id)
    if not ids:
        raise DatasetFileError(f"{path.name}: the corpus is empty")
    return ids


def stream_corpus(path: Path, size: int) -> Corpus:
    def open_documents():
        for _, record in json_records(path):
            yield Document(str(record["_id"]), record.get("title") or "", record.get("text") or "")

    return Corpus(open_documents, size)


def read_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    for line_number, record in json_records(path):
        qid = checked_id(record.get("_id"), path, line_number, "_id")
        if qid in queries:
            raise DatasetFileError(f"{path.name}:{line_number}: duplicate query id {qid!r}")
        text = record.get("text")
        if not isinstance(text, str):
            raise DatasetFileError(f"{path.name}:{line_number}: query text must be a string")
        queries[qid] = text
    return queries


def read_qrels(path: Path, queries: dict[str, str], doc_ids: set[str]) -> dict[str, dict[str, int]]:
    """query-id, corpus-id, score (header optional); every id must exist."""
    qrels: dict[str, dict[str, int]] = {}
    for line_number, line in numbered_lines(path):
        parts = line.rstrip("\n").split("\t")
        if line_number == 1 and parts[0] == "query-id":
            continue
        if len(parts) != 3:
            raise DatasetFileError(f"{path.name}:{line_number}: expected 3 tab-separated columns, got {len(parts)}")
        qid, doc_id, score = (p.strip() for p in parts)
        if qid not in queries:
            raise DatasetFileError(f"{path.name}:{line_number}: unknown query id {qid!r}")
        if doc_id not in doc_ids:
            raise DatasetFileError(f"{path.name}:{line_number}: unknown document id {doc_id!r}")
        try:
            qrels.setdefault(qid, {})[doc_id] = int(score)
        except ValueError:
            raise DatasetFileError(f"{path.name}:{line_number}: relevance {score!r} is not an integer") from None
    if not qrels:
        raise DatasetFileError(f"{path.name}: no judgments")
    return qrels


def load_beir(folder: Path, *, name: str, split: str = "test", checksum: str = "", options: dict | None = None,
              main_metric: str = "ndcg@10") -> Dataset:
    options = options or {}
    corpus_path = find_file(folder, "corpus.jsonl")
    doc_ids = _corpus_ids(corpus_path)
    queries = read_queries(find_file(folder, "queries.jsonl"))
    qrels = read_qrels(find_file(folder / "qrels", f"{split}.tsv"), queries, doc_ids)
    return Dataset(
        name=name,
        corpus=stream_corpus(corpus_path, len(doc_ids)),
        queries=queries,
        qrels=qrels,
        checksum=checksum,
        remove_self_matches=bool(options.get("remove_self_matches", False)),
        main_metric=main_metric,
    )
