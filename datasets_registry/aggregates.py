"""Datasets reported as one figure: CQADupStack's 12 forums are reported as the mean over the forums.

Records name their aggregate in options.aggregate; an aggregate score exists only when every member has one.
"""
from __future__ import annotations

import os
from statistics import fmean

from datasets_registry.catalog import Catalog, load_catalog


def aggregates(catalog: Catalog | None = None) -> dict[str, list[str]]:
    """aggregate name -> member dataset keys, in catalog order."""
    catalog = catalog or load_catalog()
    groups: dict[str, list[str]] = {}
    for record in catalog.datasets.values():
        name = record.options.get("aggregate")
        if name:
            groups.setdefault(f"{record.benchmark}/{name}", []).append(record.key)
    return groups


def aggregate_scores(scores: dict[str, float], catalog: Catalog | None = None) -> dict[str, float]:
    """{dataset key: score} -> {aggregate key: mean over its members}, for complete aggregates only."""
    return {name: fmean(scores[key] for key in members)
            for name, members in aggregates(catalog).items() if all(key in scores for key in members)}


def aggregate_label(name: str, catalog: Catalog | None = None) -> str:
    """What the members' names share: "CQADupStack" for beir/cqadupstack."""
    catalog = catalog or load_catalog()
    names = [catalog.datasets[key].name for key in aggregates(catalog)[name]]
    return os.path.commonprefix(names).strip() or name
