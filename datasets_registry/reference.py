"""Checks of a loaded collection against what is known about it independently of the download.

* counts: the catalog's official figures (docs, queries, judged_queries, qrels);
* reference: official test queries + qrels kept outside the repository (settings.REFERENCE_DIR, e.g. the
  anserini conversions of BEIR and BRIGHT): same query ids and the very same judgments.
Both return a list of problems, empty when the collection matches.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from datasets_registry.catalog import DatasetRecord
from datasets_registry.loaders.textfiles import find_file, json_records, numbered_lines
from runners.data import Dataset


@dataclass
class Check:
    name: str
    problems: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def actual_counts(dataset: Dataset) -> dict[str, int]:
    return {
        "docs": len(dataset.corpus),
        "queries": len(dataset.queries),
        "judged_queries": len(dataset.judged_queries),
        "qrels": sum(len(judged) for judged in dataset.qrels.values()),
    }


def check_counts(record: DatasetRecord, dataset: Dataset) -> Check:
    check = Check("counts")
    if not record.counts:
        check.skipped = "the catalog pins no counts"
        return check
    actual = actual_counts(dataset)
    for key, expected in record.counts.items():
        if key in actual and actual[key] != expected:
            check.problems.append(f"{key}: expected {expected:,}, found {actual[key]:,}")
    return check


def reference_folder(record: DatasetRecord) -> Path | None:
    if not record.reference:
        return None
    return Path(settings.REFERENCE_DIR) / "queries_qrels_only" / record.reference


def read_reference(folder: Path) -> tuple[dict[str, dict], dict[str, dict[str, int]]]:
    queries = {str(r["_id"]): r for _, r in json_records(find_file(folder, "queries.jsonl"))}
    qrels: dict[str, dict[str, int]] = {}
    for number, line in numbered_lines(folder / "qrels" / "test.tsv"):
        qid, doc_id, score = line.rstrip("\n").split("\t")
        if number == 1 and qid == "query-id":
            continue
        qrels.setdefault(qid, {})[doc_id] = int(score)
    return queries, qrels


def _sample(ids) -> str:
    ids = sorted(ids)
    return ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")


def check_reference(record: DatasetRecord, dataset: Dataset) -> Check:
    check = Check("reference")
    folder = reference_folder(record)
    if folder is None:
        check.skipped = "no reference queries/qrels for this dataset"
        return check
    if not folder.is_dir():
        check.skipped = f"reference folder {folder} is absent (RB_REFERENCE_DIR)"
        return check
    queries, qrels = read_reference(folder)
    missing = set(queries) - set(dataset.queries)
    if missing:
        check.problems.append(f"{len(missing)} official test query id(s) missing: {_sample(missing)}")
    if set(qrels) != set(dataset.qrels) and not record.options.get("long_documents"):
        extra, lost = set(dataset.qrels) - set(qrels), set(qrels) - set(dataset.qrels)
        check.problems.append(f"judged queries differ: {len(lost)} missing ({_sample(lost)}), "
                              f"{len(extra)} unexpected ({_sample(extra)})")
    if record.options.get("long_documents"):
        check.skipped = "qrels not compared: the reference holds the standard setting's gold_ids"
    else:
        differing = [qid for qid in qrels if qid in dataset.qrels and dataset.qrels[qid] != qrels[qid]]
        if differing:
            check.problems.append(f"judgments differ for {len(differing)} query(ies): {_sample(differing)}")
    excluded = {qid: frozenset(e for e in q.get("metadata", {}).get("excluded_ids", []) if e and e != "N/A")
                for qid, q in queries.items()}
    if any(excluded.values()):
        differing = [qid for qid, ids in excluded.items() if dataset.excluded_ids.get(qid, frozenset()) != ids]
        if differing:
            check.problems.append(f"excluded_ids differ for {len(differing)} query(ies): {_sample(differing)}")
    return check


def check_dataset(record: DatasetRecord, dataset: Dataset) -> list[Check]:
    return [check_counts(record, dataset), check_reference(record, dataset)]
