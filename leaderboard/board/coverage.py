"""The catalog's datasets of a benchmark tab that have no result in its table: whether this host's workers can
run them (datasets_registry.storage.availability) and the published BM25 figure where the reference table has
one, shown as published, never as measured here. Read from files only: no database queries."""
from __future__ import annotations

from dataclasses import dataclass

from datasets_registry import storage
from datasets_registry.catalog import load_catalog
from leaderboard.board.baselines import baseline_for
from leaderboard.board.tables import Table


@dataclass(frozen=True)
class PendingDataset:
    key: str
    name: str
    status: str  # storage.Availability.status: "available", "not downloaded", "restricted" or "unavailable"
    detail: str  # what storage.availability says to do
    fetch_command: str
    restricted: str  # the catalog's reason it cannot be downloaded, and how to obtain it
    licence: str
    published: float | None  # the published BM25 figure for the table's metric
    published_source: str  # repository, path and commit of that figure


def pending_datasets(table: Table) -> list[PendingDataset]:
    """The benchmark's datasets without a result in the table, in catalog order; none on the overview."""
    if table.benchmark is None:
        return []
    pending = []
    for record in load_catalog().datasets.values():
        if record.benchmark != table.benchmark.slug or record.key in table.measured:
            continue
        state = storage.availability(record)
        baseline = baseline_for(record.key)
        published = baseline.metrics.get(table.metric.name) if baseline else None
        pending.append(PendingDataset(
            key=record.key, name=record.name, status=state.status, detail=state.detail,
            fetch_command=storage.fetch_command(record), restricted=record.restricted, licence=record.licence,
            published=published, published_source=baseline.source if published is not None else "",
        ))
    return pending
