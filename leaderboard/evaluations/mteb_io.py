"""MTEB results-JSON interoperability: export our results in mteb's layout, import mteb files as
external (self-reported) leaderboard rows.

Layout (mteb >= 1.x TaskResult): <model_name with / as __>/<revision>/<TaskName>.json holding
{"dataset_revision", "task_name", "mteb_version", "evaluation_time", "kg_co2_emissions",
 "scores": {<split>: [{"hf_subset", "languages", "main_score", "ndcg_at_10", ...}]}}
plus model_meta.json. Our datasets map to mteb tasks through the catalog's `mteb` field
(task, dataset_path, revision[, subset]); BRIGHT domains are subsets of BrightRetrieval (split
"standard") / BrightLongRetrieval (split "long"), or the per-domain successor tasks.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from datasets_registry.catalog import DatasetRecord, load_catalog
from datasets_registry.services import sync_catalog
from leaderboard.evaluations.store import store_new_attempt
from leaderboard.models import Family, Result, Source, Submission
from runners.evaluate import Outcome
from runners.metrics import MAIN_METRIC, METRICS

# our metric name -> mteb score key
TO_MTEB = {"ndcg@10": "ndcg_at_10", "ndcg@100": "ndcg_at_100", "recall@100": "recall_at_100",
           "recall@1000": "recall_at_1000", "map@1000": "map_at_1000", "mrr@10": "mrr_at_10", "p@10": "precision_at_10"}
FROM_MTEB = {v: k for k, v in TO_MTEB.items()}
SPLITS = {"BrightRetrieval": "standard", "BrightLongRetrieval": "long"}
LANGUAGES = ["eng-Latn"]


class MtebFormatError(Exception):
    """A results file is not in mteb's layout, or names no task of the catalog."""


def _mteb_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mteb")
    except PackageNotFoundError:
        return "unknown"


def split_of(record: DatasetRecord, task: str | None = None) -> str:
    task = task or record.mteb["task"]
    if task in SPLITS:
        return SPLITS[task]
    if record.benchmark.startswith("bright"):
        return "long" if record.options.get("long_documents") else "standard"
    return record.split


def score_entry(record: DatasetRecord, metrics: dict[str, float]) -> dict:
    entry = {"hf_subset": record.mteb.get("subset", "default"), "languages": LANGUAGES,
             "main_score": metrics[MAIN_METRIC]}
    entry.update({TO_MTEB[name]: value for name, value in metrics.items() if name in TO_MTEB})
    return entry


def task_results(rows: list[tuple[DatasetRecord, dict[str, float], float | None]]) -> dict[str, dict]:
    """(record, metrics, seconds) rows -> {task name: TaskResult dict}; datasets without mteb task are left out."""
    tasks: dict[str, dict] = {}
    for record, metrics, seconds in rows:
        if not record.mteb.get("task"):
            continue
        task = record.mteb["task"]
        result = tasks.setdefault(task, {"dataset_revision": record.mteb.get("revision", ""), "task_name": task,
                                         "mteb_version": _mteb_version(), "evaluation_time": 0.0,
                                         "kg_co2_emissions": None, "scores": {}})
        result["scores"].setdefault(split_of(record), []).append(score_entry(record, metrics))
        result["evaluation_time"] += seconds or 0.0
    return tasks


def export_outcomes(outcomes: dict[str, Outcome], folder: Path, model_name: str,
                    revision: str = "no_revision_available") -> list[Path]:
    catalog = load_catalog()
    rows = [(catalog.get(key), o.metrics, o.timings.get("index_seconds", 0.0) + o.timings.get("search_seconds", 0.0))
            for key, o in outcomes.items()]
    return _write(task_results(rows), folder, model_name, revision)


def export_submission(submission: Submission, folder: Path) -> list[Path]:
    """Every current result of a submission, one mteb file per task."""
    catalog = load_catalog()
    rows = []
    results = Result.objects.filter(evaluation__submission=submission, is_current=True).select_related(
        "evaluation__dataset__benchmark")
    for result in results:
        record = catalog.datasets.get(result.evaluation.dataset.key)
        if record:
            seconds = result.timings.get("index_seconds", 0.0) + result.timings.get("search_seconds", 0.0)
            rows.append((record, result.metrics, seconds))
    revision = submission.model_checksum or submission.params.get("mteb_revision") or "no_revision_available"
    return _write(task_results(rows), folder, submission.model_id or submission.name, revision)


def _write(tasks: dict[str, dict], folder: Path, model_name: str, revision: str) -> list[Path]:
    target = Path(folder) / model_name.replace("/", "__") / revision
    target.mkdir(parents=True, exist_ok=True)
    (target / "model_meta.json").write_text(json.dumps({"name": model_name, "revision": revision}, indent=2))
    paths = []
    for task, result in sorted(tasks.items()):
        path = target / f"{task}.json"
        path.write_text(json.dumps(result, indent=2))
        paths.append(path)
    return paths


# -- import ---------------------------------------------------------------------------------------

@dataclass
class ImportedScore:
    dataset_key: str
    task: str
    split: str
    subset: str
    metrics: dict[str, float]


def records_for(task: str, subset: str) -> list[DatasetRecord]:
    catalog = load_catalog()
    found = []
    for record in catalog.datasets.values():
        mteb = record.mteb
        if task == mteb.get("task") and subset in (mteb.get("subset", "default"), "default") \
                and (subset != "default" or "subset" not in mteb):
            found.append(record)
        elif task == mteb.get("successor"):
            found.append(record)
    return found


def read_task_file(path: Path) -> list[ImportedScore]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MtebFormatError(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(data, dict) or "task_name" not in data or not isinstance(data.get("scores"), dict):
        raise MtebFormatError(f"{path}: not an mteb results file (needs task_name and scores)")
    task = data["task_name"]
    imported = []
    for split, entries in data["scores"].items():
        for entry in entries:
            subset = entry.get("hf_subset", "default")
            records = [r for r in records_for(task, subset) if split_of(r, task) == split]
            if not records:
                continue  # a task (or split) of a full mteb run that the catalog does not hold
            metrics = {FROM_MTEB[k]: float(v) for k, v in entry.items() if k in FROM_MTEB}
            if MAIN_METRIC not in metrics:
                raise MtebFormatError(f"{path}: {task}/{split}/{subset} has no ndcg_at_10")
            imported += [ImportedScore(r.key, task, split, subset, metrics) for r in records]
    return imported


def model_of(folder: Path) -> tuple[str, str]:
    """(model name, revision) from model_meta.json, else from the <model>/<revision>/ folder names."""
    meta = folder / "model_meta.json"
    if meta.is_file():
        data = json.loads(meta.read_text())
        return data.get("name") or folder.parent.name.replace("__", "/"), data.get("revision") or folder.name
    return folder.parent.name.replace("__", "/"), folder.name


@transaction.atomic
def import_results(path: Path, name: str | None = None) -> tuple[Submission, list[Result]]:
    """Import a results folder (or one task file) as an external, self-reported submission."""
    path = Path(path)
    files = sorted(p for p in path.glob("*.json") if p.name != "model_meta.json") if path.is_dir() else [path]
    folder = path if path.is_dir() else path.parent
    model, revision = model_of(folder)
    scores = [score for file in files for score in read_task_file(file)]
    if not scores:
        raise MtebFormatError(f"{path}: no result matches a dataset of the catalog")
    sync_catalog()
    label = name or f"{model} (self-reported, MTEB)"
    submission = Submission.objects.filter(source=Source.EXTERNAL, name=label).first() or Submission.objects.create(
        name=label, family=Family.DENSE, source=Source.EXTERNAL, model_id=model,
        description=f"Self-reported results imported from MTEB results JSON ({path.name}); not evaluated here.",
        params={"mteb_revision": revision, "self_reported": True}, is_reference=False,
    )
    results = []
    for score in scores:
        metrics = {m.name: score.metrics[m.name] for m in METRICS if m.name in score.metrics}
        provenance = {"source": "mteb-results-json", "self_reported": True, "mteb_task": score.task,
                      "mteb_split": score.split, "mteb_subset": score.subset, "model": model, "revision": revision}
        outcome = Outcome(metrics=metrics, per_query={}, run={}, timings={}, provenance=provenance)
        results.append(store_new_attempt(submission, score.dataset_key, outcome))
    return submission, results
