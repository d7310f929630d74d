"""Published baselines (BM25 flat, Anserini regressions) read from settings.REFERENCE_DIR.

The CSV is third-party material kept outside the repository; when it is absent there are simply no
published figures to show beside ours.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

FILENAME = "bm25_anserini_reference.csv"
# CSV column -> our metric name.
COLUMNS = {"bm25_ndcg@10": "ndcg@10", "bm25_recall@100": "recall@100", "bm25_recall@1000": "recall@1000"}
# |ours - published| at or under this counts as reproduced.
TOLERANCE = 0.005


@dataclass(frozen=True)
class Baseline:
    RETRIEVER = "bm25-flat"  # our reproduction of the published configuration

    dataset: str  # "<benchmark>/<dataset>"
    metrics: dict[str, float]
    source: str  # repository, path and commit of the published figure
    notes: str

    def check(self, ours: dict[str, float]) -> list[tuple[str, float, float | None, float | None, bool | None]]:
        """(metric, published, ours, delta, reproduced) for every published metric."""
        rows = []
        for metric, published in self.metrics.items():
            value = ours.get(metric)
            delta = None if value is None else value - published
            rows.append((metric, published, value, delta, None if delta is None else abs(delta) <= TOLERANCE))
        return rows


def _slug(text: str) -> str:
    return text.strip().lower().replace("_", "-")


@cache
def _read(path: Path) -> dict[str, Baseline]:
    if not path.is_file():
        return {}
    baselines = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = f"{_slug(row['benchmark'])}/{_slug(row['dataset'])}"
            baselines[key] = Baseline(
                dataset=key,
                metrics={ours: float(row[column]) for column, ours in COLUMNS.items() if row.get(column)},
                source=f"{row['source_repo']}/{row['source_path']}@{row['source_commit'][:10]}",
                notes=row.get("notes", ""),
            )
    return baselines


def published_baselines() -> dict[str, Baseline]:
    """Dataset key -> published figures; keys use our slug style (underscores as hyphens)."""
    return _read(Path(settings.REFERENCE_DIR) / FILENAME)


def baseline_for(dataset_key: str) -> Baseline | None:
    return published_baselines().get(_slug(dataset_key.split("/", 1)[0]) + "/" + _slug(dataset_key.split("/", 1)[1]))
