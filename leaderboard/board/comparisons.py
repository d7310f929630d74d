"""Comparing submissions: per-dataset values with paired tests, and per-query wins and losses with query text."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from datasets_registry.services import topics
from leaderboard.board.metrics import BOARD_METRICS, BoardMetric, board_metric
from leaderboard.board.scores import per_query
from leaderboard.models import Result, Submission
from leaderboard.visibility import visible_submissions
from runners import stats
from runners.metrics import MAIN_METRIC


@dataclass
class PairStats:
    delta: float
    p_t: float
    p_randomisation: float
    wins: int
    losses: int
    ties: int


@dataclass
class CompareDataset:
    key: str
    name: str
    values: list[float | None]  # one per compared submission, in order
    pairs: list[PairStats | None]  # each submission after the first against the first


@dataclass
class QueryDelta:
    query_id: str
    text: str
    baseline: float
    other: float

    @property
    def delta(self) -> float:
        return self.other - self.baseline


@dataclass
class Comparison:
    submissions: list[Submission]
    metric: BoardMetric
    datasets: list[CompareDataset]
    focus: str | None  # dataset key of the per-query view (first two submissions)
    gains: list[QueryDelta]  # queries where the second beats the first most
    losses: list[QueryDelta]


def compare(user, slugs: list[str], metric: str = MAIN_METRIC, focus: str | None = None,
            top: int = 5) -> Comparison:
    chosen = board_metric(metric)
    if not chosen.per_query:
        chosen = BOARD_METRICS[MAIN_METRIC]
    found = {s.slug: s for s in visible_submissions(user).filter(slug__in=slugs)}
    submissions = [found[s] for s in dict.fromkeys(slugs) if s in found]
    results = list(Result.objects.filter(is_current=True, evaluation__submission__in=submissions)
                   .annotate(submission_id=F("evaluation__submission_id"))
                   .select_related("evaluation__dataset__benchmark"))
    scores = per_query((r.pk for r in results), chosen.name)
    by_dataset: dict[str, dict[int, Result]] = defaultdict(dict)
    for result in results:
        by_dataset[result.evaluation.dataset.key][result.submission_id] = result
    datasets = []
    for key in sorted(by_dataset):
        found_results = [by_dataset[key].get(s.pk) for s in submissions]
        values = [r.metrics.get(chosen.name) if r else None for r in found_results]
        base = found_results[0]
        datasets.append(CompareDataset(
            key=key, name=next(r for r in found_results if r).evaluation.dataset.name, values=values,
            pairs=[pair_stats(scores.get(base.pk), scores.get(other.pk)) if base and other else None
                   for other in found_results[1:]],
        ))
    comparable = [d.key for d in datasets if len(submissions) > 1 and d.values[0] is not None
                  and d.values[1] is not None]
    focus = focus if focus in comparable else (comparable[0] if comparable else None)
    gains, losses = [], []
    if focus:
        first, second = (by_dataset[focus][s.pk].pk for s in submissions[:2])
        texts = query_texts(focus)
        deltas = [QueryDelta(q, texts.get(q, ""), scores[first][q], scores[second][q])
                  for q in sorted(set(scores[first]) & set(scores[second]))]
        deltas.sort(key=lambda d: d.delta)
        gains = [d for d in reversed(deltas[-top:]) if d.delta > 0]
        losses = [d for d in deltas[:top] if d.delta < 0]
    return Comparison(submissions, chosen, datasets, focus, gains, losses)


def pair_stats(base: dict[str, float] | None, other: dict[str, float] | None) -> PairStats | None:
    if not base or not other:
        return None
    arrays = stats.align({"base": base, "other": other})
    a, b = arrays["base"], arrays["other"]
    return PairStats(
        delta=float(b.mean() - a.mean()),
        p_t=stats.paired_p(a, b, "t-test"),
        p_randomisation=stats.paired_p(a, b, "randomisation"),
        wins=int((b > a).sum()), losses=int((b < a).sum()), ties=int((b == a).sum()),
    )


def query_texts(key: str) -> dict[str, str]:
    """Query texts from the dataset's kept topics (never its corpus); empty when this host has none."""
    found = topics(key)
    return found[0] if found else {}
