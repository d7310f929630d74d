"""Write paths for the registry: mirror the catalog into the database; fetch and load datasets."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from django.conf import settings
from django.db import transaction

from datasets_registry import storage
from datasets_registry.catalog import CatalogError, DatasetRecord, load_catalog
from datasets_registry.loaders import LOADERS
from datasets_registry.loaders.textfiles import DatasetFileError
from datasets_registry.models import Benchmark, Dataset
from runners.data import Dataset as RunnerDataset


@transaction.atomic
def sync_catalog() -> tuple[int, int]:
    """Upsert every benchmark and dataset of the catalog; return (benchmarks, datasets)."""
    catalog = load_catalog()
    benchmarks = {}
    for record in catalog.benchmarks.values():
        benchmarks[record.slug], _ = Benchmark.objects.update_or_create(
            slug=record.slug,
            defaults={"name": record.name, "description": record.description, "url": record.url,
                      "citation": record.citation},
        )
    for record in catalog.datasets.values():
        Dataset.objects.update_or_create(
            benchmark=benchmarks[record.benchmark],
            slug=record.slug,
            defaults={
                "name": record.name, "domain": record.domain, "split": record.split, "format": record.format,
                "source_url": record.source_url, "licence": record.licence, "citation": record.citation,
                "doc_count": record.counts.get("docs"),
                "query_count": record.counts.get("queries", record.counts.get("judged_queries")),
                "qrels_count": record.counts.get("qrels"), "files": record.files, "options": record.options,
                "main_metric": record.main_metric, "restricted": record.restricted, "mteb": record.mteb,
            },
        )
    return len(catalog.benchmarks), len(catalog.datasets)


def load(record: DatasetRecord, fetch: bool = True) -> RunnerDataset:
    """A verified local copy of the dataset in the runners' in-memory shape (fetched on first use)."""
    folder = storage.fetch(record) if fetch else storage.cache_dir(record)
    checksum = storage.local_checksum(record)
    try:
        loader = LOADERS[record.format]
    except KeyError:
        raise storage.FetchError(f"{record.key}: no loader for format {record.format!r}") from None
    try:
        dataset = loader(folder, name=record.key, split=record.split, checksum=checksum, options=record.options,
                         main_metric=record.main_metric)
    except DatasetFileError as exc:
        raise DatasetFileError(f"{record.key}: {exc}") from None
    _keep_topics(record, dataset)
    return dataset


def _topics_path(record: DatasetRecord) -> Path:
    return Path(settings.DATA_DIR) / "topics" / record.benchmark / f"{record.slug}.json"


def _keep_topics(record: DatasetRecord, dataset: RunnerDataset) -> None:
    """Leave the queries and judgments beside the cache, so pages can show query texts without the corpus."""
    path = _topics_path(record)
    if path.is_file() and json.loads(path.read_text(encoding="utf-8")).get("checksum") == dataset.checksum:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    staging.write_text(json.dumps({"checksum": dataset.checksum, "queries": dataset.queries,
                                   "qrels": dataset.qrels}), encoding="utf-8")
    os.replace(staging, path)  # atomic: a reader sees the old file or the new one, never half of one


def topics(key: str) -> tuple[dict[str, str], dict[str, dict[str, int]]] | None:
    """(queries, qrels) of a dataset without reading its corpus, from what the last load on this host kept;
    None when the dataset was never loaded here or was fetched again since."""
    try:
        record = load_catalog().get(key)
        data = json.loads(_topics_path(record).read_text(encoding="utf-8"))
        if data.get("checksum") != storage.local_checksum(record):
            return None
    except (CatalogError, storage.FetchError, OSError, ValueError):
        return None
    return data["queries"], data["qrels"]


def import_dataset(record: DatasetRecord, folder) -> Path:
    """Install a user-provided copy (restricted licences) after its format's loader read it cleanly."""
    try:
        loader = LOADERS[record.format]
    except KeyError:
        raise storage.FetchError(f"{record.key}: no loader for format {record.format!r}") from None

    def validate(staging):
        try:
            loader(staging, name=record.key, split=record.split, options=record.options)
        except DatasetFileError as exc:
            raise DatasetFileError(f"{record.key}: the folder does not hold the expected {record.format} layout: "
                                   f"{exc}") from None

    return storage.import_folder(record, folder, validate=validate)


def dataset_row(key: str) -> Dataset:
    benchmark, slug = key.split("/", 1)
    return Dataset.objects.select_related("benchmark").get(benchmark__slug=benchmark, slug=slug)


def dataset_rows(records) -> list[Dataset]:
    """The database rows of catalog records, in order; the catalog is synced first if some are missing."""
    keys = [record.key for record in records]

    def found() -> dict[str, Dataset]:
        return {row.key: row for row in Dataset.objects.select_related("benchmark") if row.key in keys}

    rows = found()
    if len(rows) < len(keys):
        sync_catalog()
        rows = found()
    return [rows[key] for key in keys]
