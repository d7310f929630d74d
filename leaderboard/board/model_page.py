"""A submission's page: its current result per dataset with intervals, published baselines and history."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaderboard.board.baselines import Baseline, baseline_for
from leaderboard.board.cache import cached, scope
from leaderboard.board.filters import has_open_weights
from leaderboard.board.scores import per_query
from leaderboard.models import Result, Submission
from leaderboard.visibility import visible_submissions
from runners import stats
from runners.metrics import MAIN_METRIC


@dataclass
class ModelResult:
    result: Result
    ci: tuple[float, float] | None
    baseline: Baseline | None

    @property
    def dataset(self):
        return self.result.evaluation.dataset

    @property
    def published(self) -> list:
        """(metric, published, ours, delta, reproduced) beside the published baseline, if any."""
        return self.baseline.check(self.result.metrics) if self.baseline else []


@dataclass
class ModelDetail:
    submission: Submission
    results: list[ModelResult]  # current, one per dataset
    history: list[Result]  # earlier attempts, newest first

    @property
    def has_baselines(self) -> bool:
        return any(m.baseline for m in self.results)

    @property
    def open_weights(self) -> bool:
        """As the tables say it: a run file never has open weights, whatever its submitter ticked."""
        return has_open_weights(self.submission)


def model_detail(user, slug: str) -> ModelDetail:
    """Cached like the tables. Raises Submission.DoesNotExist when the viewer may not see it."""
    return cached(("model", scope(user), slug), lambda: _build_model_detail(user, slug))


def _build_model_detail(user, slug: str) -> ModelDetail:
    submission = visible_submissions(user).select_related("owner").get(slug=slug)
    results = list(Result.objects.filter(evaluation__submission=submission)
                   .select_related("evaluation__dataset__benchmark")
                   .order_by("evaluation__dataset__benchmark__slug", "evaluation__dataset__slug", "-attempt"))
    current = [r for r in results if r.is_current]
    scores = per_query((r.pk for r in current), MAIN_METRIC)
    reproduces = submission.retriever == Baseline.RETRIEVER
    return ModelDetail(
        submission=submission,
        results=[ModelResult(r, stats.bootstrap_ci(np.fromiter(scores[r.pk].values(), dtype=np.float64))
                             if scores.get(r.pk) else None,
                             baseline_for(r.evaluation.dataset.key) if reproduces else None)
                 for r in current],
        history=sorted((r for r in results if not r.is_current), key=lambda r: r.created_at, reverse=True),
    )
