"""The measures a leaderboard can rank by: effectiveness metrics and efficiency figures of a Result."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import FloatField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from runners.metrics import MAIN_METRIC, METRICS


@dataclass(frozen=True)
class BoardMetric:
    name: str
    label: str
    source: str  # the Result JSON column: "metrics" or "timings"
    key: str
    higher_is_better: bool = True
    scale: float = 1.0
    digits: int = 4

    @property
    def per_query(self) -> bool:
        """Effectiveness metrics have per-query scores, hence significance and intervals."""
        return self.source == "metrics"

    def expression(self):
        return Cast(KeyTextTransform(self.key, self.source), FloatField()) * self.scale


BOARD_METRICS: dict[str, BoardMetric] = {m.name: m for m in (
    *(BoardMetric(m.name, m.label, "metrics", m.name) for m in METRICS),
    BoardMetric("latency", "Query latency p50 (ms)", "timings", "latency_p50_ms", higher_is_better=False, digits=1),
    BoardMetric("qps", "Throughput (queries/s)", "timings", "batch_qps", digits=0),
    BoardMetric("index-size", "Index size (MB)", "timings", "index_bytes", higher_is_better=False, scale=1e-6,
                digits=2),
)}
LATENCY = BOARD_METRICS["latency"]
# Not a ranking measure: the latency as a multiple of the measuring host's BM25 yardstick (runners/yardstick.py).
LATENCY_RELATIVE = BoardMetric("latency-relative", "Latency p50 (x host BM25)", "timings", "latency_p50_vs_yardstick",
                               higher_is_better=False, digits=1)


def board_metric(name: str) -> BoardMetric:
    return BOARD_METRICS.get(name) or BOARD_METRICS[MAIN_METRIC]
