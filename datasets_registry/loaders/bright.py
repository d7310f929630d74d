"""BRIGHT (xlangai/BRIGHT): examples (id, query, gold_ids, gold_ids_long, excluded_ids) and documents (id, content).

Standard setting: documents/<domain> with gold_ids. Long-document setting (options.long_documents): the
long_documents/<domain> file (fetched as documents.parquet) with gold_ids_long. Per query, excluded_ids
(ids of documents the query was written from; "N/A" = none) leave the ranking before scoring, as BRIGHT's
own evaluation does; they may name documents absent from the corpus (harmless: never retrieved). Gold ids repeated
inside one query count once; a query whose every gold document is excluded stays judged (it scores 0),
exactly as upstream.
"""
from __future__ import annotations

from pathlib import Path

from datasets_registry.loaders.tables import find_table, rows
from datasets_registry.loaders.textfiles import DatasetFileError, checked_id
from runners.data import Corpus, Dataset, Document

EXAMPLE_SCHEMA = {"id": str, "query": str, "gold_ids": list, "excluded_ids": list}
DOCUMENT_SCHEMA = {"id": str, "content": str}
NO_EXCLUSION = "N/A"


def read_documents(path: Path) -> set[str]:
    ids: set[str] = set()
    for number, row in rows(path, DOCUMENT_SCHEMA):
        doc_id = checked_id(row["id"], path, number, "id")
        if doc_id in ids:
            raise DatasetFileError(f"{path.name}: row {number}: duplicate document id {doc_id!r}")
        ids.add(doc_id)
    if not ids:
        raise DatasetFileError(f"{path.name}: the corpus is empty")
    return ids


def stream_documents(path: Path, size: int) -> Corpus:
    def open_documents():
        for _, row in rows(path, DOCUMENT_SCHEMA):
            yield Document(str(row["id"]), "", row["content"])

    return Corpus(open_documents, size)


def load_bright(folder: Path, *, name: str, split: str = "test", checksum: str = "", options: dict | None = None,
                main_metric: str = "ndcg@10") -> Dataset:
    options = options or {}
    long = bool(options.get("long_documents", False))
    gold_column = "gold_ids_long" if long else "gold_ids"
    documents_path = find_table(folder, "documents")
    doc_ids = read_documents(documents_path)
    examples_path = find_table(folder, "examples")
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    excluded: dict[str, frozenset[str]] = {}
    for number, row in rows(examples_path, {**EXAMPLE_SCHEMA, gold_column: list}):
        qid = checked_id(row["id"], examples_path, number, "id")
        if qid in queries:
            raise DatasetFileError(f"{examples_path.name}: row {number}: duplicate query id {qid!r}")
        queries[qid] = row["query"]
        gold = [g for g in row[gold_column] if g]
        missing = [g for g in gold if g not in doc_ids]
        if missing:
            raise DatasetFileError(
                f"{examples_path.name}: row {number}: {gold_column} names unknown document(s) {', '.join(missing[:3])}"
            )
        if gold:
            qrels[qid] = dict.fromkeys(gold, 1)
        ids = frozenset(e for e in row["excluded_ids"] if e and e != NO_EXCLUSION)
        if ids:
            excluded[qid] = ids
    if not qrels:
        raise DatasetFileError(f"{examples_path.name}: no query has {gold_column}")
    return Dataset(
        name=name,
        corpus=stream_documents(documents_path, len(doc_ids)),
        queries=queries,
        qrels=qrels,
        checksum=checksum,
        excluded_ids=excluded,
        main_metric=main_metric,
    )
