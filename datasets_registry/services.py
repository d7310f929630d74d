"""Write paths for the registry: mirror the catalog into the database; fetch and load datasets."""
from __future__ import annotations

from pathlib import Path

from django.db import transaction

from datasets_registry import storage
from datasets_registry.catalog import DatasetRecord, load_catalog
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
        return loader(folder, name=record.key, split=record.split, checksum=checksum, options=record.options,
                      main_metric=record.main_metric)
    except DatasetFileError as exc:
        raise DatasetFileError(f"{record.key}: {exc}") from None


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
            raise DatasetFileError(f"{record.key}: the folder does not hold the expected {record.format} layout: {exc}") from None

    return storage.import_folder(record, folder, validate=validate)


def load_by_key(key: str, fetch: bool = True) -> RunnerDataset:
    return load(load_catalog().get(key), fetch=fetch)
