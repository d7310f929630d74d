"""Effectiveness metrics with trec_eval semantics, computed by ranx."""
from runners.metrics.catalog import MAIN_METRIC, METRICS, Metric
from runners.metrics.compute import Scores, score_run

__all__ = ["MAIN_METRIC", "METRICS", "Metric", "Scores", "score_run"]
