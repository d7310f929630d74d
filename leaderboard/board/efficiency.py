"""The efficiency view: each row's latency against its effectiveness, and the Pareto frontier; latencies measured
on different hardware are told apart (a filter, a column, and each relative to its host's yardstick)."""
from __future__ import annotations

from dataclasses import dataclass

from leaderboard.board.tables import Row, Table


@dataclass(frozen=True)
class Point:
    row: Row
    latency: float
    value: float
    on_frontier: bool


def hardware_classes(table: Table) -> list[str]:
    """The hardware the ranked rows' latencies were measured on (a row measured on several counts as its own)."""
    return sorted({r.hardware for r in table.rows if r.ranked and r.latency})


def efficiency_points(table: Table, hardware: str = "") -> list[Point]:
    """Ranked rows (evaluated on the same datasets) with a latency, measured on the given hardware class if one
    is given, flagged when no other row is both faster and at least as effective."""
    candidates = sorted((r for r in table.rows if r.ranked and r.latency and r.mean is not None
                         and (not hardware or r.hardware == hardware)),
                        key=lambda r: (r.latency, -r.mean if table.metric.higher_is_better else r.mean))
    points, best = [], None
    for row in candidates:
        better = best is None or (row.mean > best if table.metric.higher_is_better else row.mean < best)
        if better:
            best = row.mean
        points.append(Point(row, row.latency, row.mean, better))
    return points
