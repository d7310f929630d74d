"""The efficiency view: each row's latency against its effectiveness, and the Pareto frontier."""
from __future__ import annotations

from dataclasses import dataclass

from leaderboard.board.tables import Row, Table


@dataclass(frozen=True)
class Point:
    row: Row
    latency: float
    value: float
    on_frontier: bool


def efficiency_points(table: Table) -> list[Point]:
    """Ranked rows (evaluated on the same datasets) with a latency, flagged when no other row is both faster and
    at least as effective."""
    candidates = sorted((r for r in table.rows if r.ranked and r.latency and r.mean is not None),
                        key=lambda r: (r.latency, -r.mean if table.metric.higher_is_better else r.mean))
    points, best = [], None
    for row in candidates:
        better = best is None or (row.mean > best if table.metric.higher_is_better else row.mean < best)
        if better:
            best = row.mean
        points.append(Point(row, row.latency, row.mean, better))
    return points
