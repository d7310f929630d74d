"""The declarative dataset catalog: one TOML file per benchmark in catalog/.

Every record says where a collection comes from (public source URL, optional local
mirror path), its format, licence, official counts and the checksum of each file.
Records are plain dataclasses so the CLI, workers and tests read them without a database.
"""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from runners.errors import UserInputError

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"


class CatalogError(UserInputError):
    """An unknown dataset, benchmark or suite, or a catalog file that does not parse."""


@dataclass(frozen=True)
class BenchmarkRecord:
    slug: str
    name: str
    description: str = ""
    url: str = ""
    citation: str = ""


@dataclass(frozen=True)
class DatasetRecord:
    benchmark: str
    slug: str
    name: str
    format: str  # a key of datasets_registry.loaders.LOADERS
    domain: str = ""
    split: str = "test"
    licence: str = ""
    citation: str = ""
    source_url: str = ""  # the public source a machine with internet fetches from
    mirror: str = ""  # path under settings.MIRROR_DIR holding the same files
    archive: dict = field(default_factory=dict)  # {"url", "sha256" | "md5", "root"} for a zip/tar source
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 of the usable files
    counts: dict[str, int] = field(default_factory=dict)  # official docs / queries / qrels
    options: dict = field(default_factory=dict)  # remove_self_matches, excluded_ids, ...
    main_metric: str = "ndcg@10"
    restricted: str = ""  # why it cannot be downloaded and how to obtain it
    mteb: dict = field(default_factory=dict)  # {"task", "dataset_path", "revision"[, "subset"]}
    # Separate files fetched one by one (BRIGHT, LoCo parquet): [{"url", "path", "md5" | "sha256"}].
    downloads: list = field(default_factory=list)
    # Grouping across benchmarks by subject ("medical", "legal", "finance", "code", ...): the domain suite.
    domain_group: str = ""
    # Folder under settings.REFERENCE_DIR/queries_qrels_only with official queries + qrels to check against.
    reference: str = ""
    # The public original a collection converted to BEIR layout comes from (fetched when the mirror lacks it):
    # {"format": a key of loaders.originals.CONVERTERS, "files": [{"url", "sha256"}], "inputs": {role: file name
    # or tar member}, "options": {...}}; `files` above stay the checksums of the converted BEIR files.
    original: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.benchmark}/{self.slug}"


@dataclass(frozen=True)
class Catalog:
    benchmarks: dict[str, BenchmarkRecord]
    datasets: dict[str, DatasetRecord]  # key "<benchmark>/<slug>" -> record
    suites: dict[str, tuple[str, ...]]

    def get(self, key: str) -> DatasetRecord:
        try:
            return self.datasets[key]
        except KeyError:
            close = difflib.get_close_matches(key, self.datasets, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise CatalogError(f"unknown dataset {key!r}.{hint} See: python manage.py datasets list") from None

    def in_domain_group(self, group: str) -> list[DatasetRecord]:
        return [r for r in self.datasets.values() if r.domain_group == group]

    def suite_choices(self) -> list[tuple[str, str]]:
        """(name, label) of every named suite, for forms and CLI help."""
        return [(name, f"{name} ({len(keys)} datasets)") for name, keys in sorted(self.suites.items())]

    def resolve(self, names: str | list[str]) -> list[DatasetRecord]:
        """Dataset keys, benchmark slugs, suite names and domain:<group> (comma-separated) -> records, in order."""
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        records: list[DatasetRecord] = []
        for name in names:
            if name in self.suites:
                records += [self.get(key) for key in self.suites[name]]
            elif name in self.benchmarks:
                records += [r for r in self.datasets.values() if r.benchmark == name]
            elif name.startswith("domain:") and self.in_domain_group(name.split(":", 1)[1]):
                records += self.in_domain_group(name.split(":", 1)[1])
            else:
                records.append(self.get(name))
        return list({r.key: r for r in records}.values())


def _read_file(path: Path) -> tuple[BenchmarkRecord | None, list[DatasetRecord], dict]:
    """A file holds one benchmark with its datasets, and/or named suites."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path.name}: {exc}") from None
    if "benchmark" not in data:
        return None, [], data.get("suites", {})
    benchmark = BenchmarkRecord(**data["benchmark"])
    try:
        datasets = [DatasetRecord(benchmark=benchmark.slug, **entry) for entry in data.get("datasets", [])]
    except TypeError as exc:
        raise CatalogError(f"{path.name}: {exc}") from None
    return benchmark, datasets, data.get("suites", {})


@cache
def load_catalog(directory: Path = CATALOG_DIR) -> Catalog:
    benchmarks: dict[str, BenchmarkRecord] = {}
    datasets: dict[str, DatasetRecord] = {}
    suites: dict[str, tuple[str, ...]] = {}
    for path in sorted(directory.glob("*.toml")):
        benchmark, records, file_suites = _read_file(path)
        if benchmark:
            benchmarks[benchmark.slug] = benchmark
        for record in records:
            if record.key in datasets:
                raise CatalogError(f"{path.name}: dataset {record.key} is listed twice")
            datasets[record.key] = record
        suites.update({name: tuple(keys) for name, keys in file_suites.items()})
    for name, keys in suites.items():
        unknown = [k for k in keys if k not in datasets]
        if unknown:
            raise CatalogError(f"suite {name!r} names unknown datasets: {', '.join(unknown)}")
    return Catalog(benchmarks=benchmarks, datasets=datasets, suites=suites)
