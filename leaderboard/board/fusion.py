"""What-if fusion on the compare page: RRF of two stored runs, scored against the dataset's judgments."""
from __future__ import annotations

import gzip
import tempfile
from dataclasses import dataclass

from datasets_registry.services import topics
from leaderboard.board.comparisons import PairStats, pair_stats
from leaderboard.board.scores import per_query
from leaderboard.models import Result
from leaderboard.visibility import visible_submissions
from runners.metrics import MAIN_METRIC, score_run
from runners.retrievers.hybrid.fusion import rrf
from runners.trec_run import Run, read_run, truncate

FUSION_DEPTH = 1000


@dataclass
class Fusion:
    dataset: str
    names: tuple[str, str]
    components: tuple[float, float]  # the stored main-metric means
    fused: dict[str, float]  # metric -> mean of the RRF fusion
    pairs: tuple[PairStats, PairStats]  # fused against each component

    @property
    def rows(self) -> list[tuple[str, float, PairStats]]:
        return list(zip(self.names, self.components, self.pairs))


def _stored_run(result: Result) -> Run:
    with result.run_file.open("rb") as handle, tempfile.NamedTemporaryFile(suffix=".trec") as plain:
        plain.write(gzip.decompress(handle.read()))
        plain.flush()
        return read_run(plain.name)


def fuse(user, slugs: tuple[str, str], dataset_key: str, k: int = 60) -> Fusion | None:
    """RRF of two stored runs scored against the dataset's judgments; None without runs or judgments."""
    benchmark, slug = dataset_key.split("/", 1)
    results = {r.evaluation.submission.slug: r for r in Result.objects.filter(
        is_current=True, evaluation__submission__in=visible_submissions(user).filter(slug__in=slugs),
        evaluation__dataset__benchmark__slug=benchmark, evaluation__dataset__slug=slug,
    ).select_related("evaluation__submission")}
    contents = topics(dataset_key)
    if len(results) < 2 or contents is None or not all(r.run_file for r in results.values()):
        return None
    pair = [results[s] for s in slugs]
    fused = score_run(contents[1], truncate(rrf([_stored_run(r) for r in pair], k), FUSION_DEPTH))
    fused_scores = {q: s[MAIN_METRIC] for q, s in fused.per_query.items()}
    scores = per_query((r.pk for r in pair), MAIN_METRIC)
    return Fusion(
        dataset=dataset_key, names=tuple(slugs), components=tuple(r.main_score for r in pair),
        fused=fused.mean, pairs=tuple(pair_stats(scores[r.pk], fused_scores) for r in pair),
    )
