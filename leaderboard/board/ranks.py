"""Fair ranks (MTEB's rule): only rows evaluated on every dataset of a table are ranked, by their mean, and get a
Borda rank and a mean rank beside it; rows with a subset of the datasets are listed below, unranked, so that
nobody takes the top spot by submitting only the easiest dataset."""
from __future__ import annotations

from collections.abc import Sequence


def per_dataset_points(values: Sequence[float], higher_is_better: bool) -> list[tuple[float, int]]:
    """(Borda points, rank) of each value among the others: a point per row it beats, half a point per tie;
    the rank is 1 + the number of rows strictly better (ties share the best rank)."""
    sign = 1 if higher_is_better else -1
    result = []
    for value in values:
        better = sum(1 for other in values if sign * other > sign * value)
        worse = sum(1 for other in values if sign * other < sign * value)
        ties = len(values) - better - worse - 1
        result.append((worse + ties / 2, better + 1))
    return result


def competition_ranks(scores: Sequence[float], higher_is_better: bool = True) -> list[int]:
    """1 + the number of scores strictly better, for each score (equal scores share a rank)."""
    sign = 1 if higher_is_better else -1
    return [1 + sum(1 for other in scores if sign * other > sign * score) for score in scores]


def assign(rows: list, dataset_ids: Sequence[int], higher_is_better: bool) -> list:
    """Set rank, borda_rank and mean_rank on the rows that have every dataset (None on the others) and return
    the rows in board order: ranked rows by mean, best first, then the partial rows by mean."""
    complete = [row for row in rows if all(d in row.cells for d in dataset_ids)]
    partial = [row for row in rows if row not in complete]
    for ordered in (complete, partial):
        ordered.sort(key=lambda row: row.mean, reverse=higher_is_better)
    points = {id(row): 0.0 for row in complete}
    ranks = {id(row): [] for row in complete}
    for dataset_id in dataset_ids:
        values = [row.cells[dataset_id].value for row in complete]
        for row, (earned, rank) in zip(complete, per_dataset_points(values, higher_is_better)):
            points[id(row)] += earned
            ranks[id(row)].append(rank)
    borda = competition_ranks([points[id(row)] for row in complete])
    for position, row in enumerate(complete, start=1):
        row.rank, row.borda_rank = position, borda[position - 1]
        row.mean_rank = sum(ranks[id(row)]) / len(dataset_ids) if dataset_ids else None
    for row in partial:
        row.rank = row.borda_rank = row.mean_rank = None
    return complete + partial
