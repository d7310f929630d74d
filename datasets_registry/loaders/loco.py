"""LoCoV1 (hazyresearch/LoCoV1-Queries, LoCoV1-Documents): one table of queries (qid, query, answer_pids,
dataset) and one of documents (pid, passage, dataset) shared by the 12 tasks; a task keeps the rows whose
`dataset` column names it (options.task). Judgments: every answer pid, relevance 1."""
from __future__ import annotations

from pathlib import Path

from datasets_registry.loaders.tables import find_table, rows
from datasets_registry.loaders.textfiles import DatasetFileError, checked_id
from runners.data import Corpus, Dataset, Document

QUERY_SCHEMA = {"qid": str, "query": str, "answer_pids": list, "dataset": str}
DOCUMENT_SCHEMA = {"pid": str, "passage": str, "dataset": str}


def _task_documents(path: Path, task: str) -> set[str]:
    ids: set[str] = set()
    for number, row in rows(path, DOCUMENT_SCHEMA):
        if row["dataset"] != task:
            continue
        pid = checked_id(row["pid"], path, number, "pid")
        if pid in ids:
            raise DatasetFileError(f"{path.name}: row {number}: duplicate document id {pid!r}")
        ids.add(pid)
    if not ids:
        raise DatasetFileError(f"{path.name}: no document of task {task!r}")
    return ids


def load_loco(folder: Path, *, name: str, split: str = "test", checksum: str = "", options: dict | None = None,
              main_metric: str = "ndcg@10") -> Dataset:
    options = options or {}
    task = options.get("task") or name.rsplit("/", 1)[-1]
    documents_path = find_table(folder, "documents")
    doc_ids = _task_documents(documents_path, task)
    queries_path = find_table(folder, "queries")
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for number, row in rows(queries_path, QUERY_SCHEMA):
        if row["dataset"] != task:
            continue
        qid = checked_id(row["qid"], queries_path, number, "qid")
        if qid in queries:
            raise DatasetFileError(f"{queries_path.name}: row {number}: duplicate query id {qid!r}")
        missing = [p for p in row["answer_pids"] if p not in doc_ids]
        if missing:
            raise DatasetFileError(
                f"{queries_path.name}: row {number}: answer_pids name unknown document(s) {', '.join(missing[:3])}"
            )
        queries[qid] = row["query"]
        if row["answer_pids"]:
            qrels[qid] = dict.fromkeys(row["answer_pids"], 1)
    if not qrels:
        raise DatasetFileError(f"{queries_path.name}: no judged query of task {task!r}")

    def open_documents():
        for _, row in rows(documents_path, DOCUMENT_SCHEMA):
            if row["dataset"] == task:
                yield Document(str(row["pid"]), "", row["passage"])

    return Dataset(name=name, corpus=Corpus(open_documents, len(doc_ids)), queries=queries, qrels=qrels,
                   checksum=checksum, main_metric=main_metric)
