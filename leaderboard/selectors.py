"""Read paths of the leaderboard: tables, model pages and comparisons, built from the database.

Every page costs a fixed number of queries whatever the number of rows: one for the submissions,
one for the current results (metric values pulled out of the JSON columns by PostgreSQL), one for
the per-query scores the significance tests need. Leaderboard tables are cached under a version
key that `invalidate_leaderboards()` bumps whenever a result or a submission changes.
"""
from __future__ import annotations

import gzip
import hashlib
import tempfile
import threading
import uuid
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np
from django.core.cache import cache
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from datasets_registry.aggregates import aggregate_label, aggregates
from datasets_registry.models import Benchmark
from leaderboard import stats
from leaderboard.baselines import Baseline, baseline_for
from leaderboard.models import Family, QueryScore, Result, Submission, metric_field
from runners.hybrid import rrf
from runners.metrics import MAIN_METRIC, METRICS
from runners.trec_run import Run, read_run, truncate

CACHE_VERSION_KEY = "leaderboard:version"
CACHE_SECONDS = 3600
# Per dataset, the best row is tested against this many runners-up; lower rows are not tested.
SIGNIFICANCE_DEPTH = 20
FUSION_DEPTH = 1000


# -- metrics offered by the picker -------------------------------------------------------------

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


def board_metric(name: str) -> BoardMetric:
    return BOARD_METRICS.get(name) or BOARD_METRICS[MAIN_METRIC]


# -- visibility and cache ----------------------------------------------------------------------

def visible_submissions(user) -> QuerySet[Submission]:
    """Public submissions and the viewer's own private ones; staff see everything."""
    if user.is_staff:
        return Submission.objects.all()
    if user.is_authenticated:
        return Submission.objects.filter(Q(is_public=True) | Q(owner=user))
    return Submission.objects.filter(is_public=True)


def scope(user) -> str:
    """Which cached tables a viewer may share: everyone without private submissions sees the public ones.
    Remembered on the user object and, per data version, in the cache: a submission changing starts a new
    version, so a viewer who makes a private one is never served the public scope."""
    if not hasattr(user, "_leaderboard_scope"):
        if user.is_staff:
            user._leaderboard_scope = "staff"
        elif user.is_authenticated:
            user._leaderboard_scope = cached(("scope", user.pk), lambda: f"user{user.pk}" if Submission.objects.filter(
                owner=user, is_public=False).exists() else "public", local=False)
        else:
            user._leaderboard_scope = "public"
    return user._leaderboard_scope


def invalidate_leaderboards() -> None:
    """Make every cached table stale; called whenever a result or a submission changes."""
    cache.set(CACHE_VERSION_KEY, uuid.uuid4().hex, None)


# Tables and pages are shared through the cache and kept, per process, in a small LRU so that a warm
# request reads one version token instead of unpickling thousands of rows.
_local: OrderedDict[str, object] = OrderedDict()
_local_lock = threading.Lock()
LOCAL_ENTRIES = 64


def cached(parts: tuple, build, local: bool = True):
    """build() once per data version and key parts; stale as soon as invalidate_leaderboards() runs.
    local=False keeps small per-viewer values out of the per-process LRU, which holds the big tables."""
    version = cache.get_or_set(CACHE_VERSION_KEY, lambda: uuid.uuid4().hex, None)
    key = "leaderboard:" + hashlib.sha1(repr((version, *parts)).encode()).hexdigest()
    with _local_lock:
        if key in _local:
            _local.move_to_end(key)
            return _local[key]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    if not local:
        return value
    with _local_lock:
        _local[key] = value
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return value


# -- filters -----------------------------------------------------------------------------------

SIZES = {  # label, bounds on n_parameters
    "none": ("no parameters (lexical) or unknown", None),
    "small": ("under 100M", (1, 10**8)),
    "medium": ("100M to 1B", (10**8, 10**9)),
    "large": ("over 1B", (10**9, None)),
}
KINDS = {"reference": "reference retrievers", "community": "community submissions"}


@dataclass(frozen=True)
class Filters:
    family: str = ""
    size: str = ""
    licence: str = ""
    open_weights: str = ""  # "yes" | "no"
    kind: str = ""  # a key of KINDS

    @classmethod
    def from_params(cls, params) -> "Filters":
        return cls(**{f.name: params.get(f.name, "").strip() for f in fields(cls)})

    def apply(self, submissions: QuerySet[Submission]) -> QuerySet[Submission]:
        if self.family:
            submissions = submissions.filter(family=self.family)
        if self.size in SIZES:
            bounds = SIZES[self.size][1]
            if bounds is None:
                submissions = submissions.filter(Q(n_parameters__isnull=True) | Q(n_parameters=0))
            else:
                submissions = submissions.filter(n_parameters__gte=bounds[0])
                if bounds[1]:
                    submissions = submissions.filter(n_parameters__lt=bounds[1])
        if self.licence:
            submissions = submissions.filter(licence=self.licence)
        if self.open_weights in ("yes", "no"):
            submissions = submissions.filter(open_weights=self.open_weights == "yes")
        if self.kind in KINDS:
            submissions = submissions.filter(is_reference=self.kind == "reference")
        return submissions

    def as_params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


# -- leaderboard table -------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    dataset_id: int
    key: str
    name: str
    members: int = 0  # an aggregate's number of member datasets (CQADupStack: 12)


@dataclass
class Cell:
    result_id: int
    value: float
    ci: tuple[float, float] | None = None
    verdict: stats.Verdict | None = None  # None: not tested against the best
    members: tuple[int, ...] = ()  # an aggregate's cell (CQADupStack): its members' result ids


@dataclass
class Row:
    submission_id: int
    slug: str
    name: str
    family: str
    n_parameters: int | None
    licence: str
    open_weights: bool
    is_reference: bool
    is_public: bool
    cells: dict[int, Cell] = field(default_factory=dict)  # dataset id -> cell
    mean: float | None = None
    latency: float | None = None  # mean p50 query latency (ms) over the row's datasets
    rank: int = 0  # position by mean over datasets

    @property
    def family_label(self) -> str:
        return Family(self.family).label if self.family in Family.values else self.family

    @property
    def count(self) -> int:
        return len(self.cells)


@dataclass
class Table:
    benchmark: Benchmark | None
    metric: BoardMetric
    test: str
    correction: str
    columns: list[Column]
    rows: list[Row]  # ranked by mean, best first
    licences: list[str]

    @property
    def has_aggregates(self) -> bool:
        return any(column.members for column in self.columns)

    def descending_by_default(self, sort: str) -> bool:
        """Best first for scores, most datasets first, names and sizes ascending."""
        return sort == "count" or ((sort == "mean" or sort.isdigit()) and self.metric.higher_is_better)

    def sorted_rows(self, sort: str = "mean", descending: bool | None = None) -> list[Row]:
        """Rows ordered by a column ("mean", "name", "count", "params" or a dataset id); missing last."""
        if descending is None:
            descending = self.descending_by_default(sort)

        def value(row: Row):
            if sort == "name":
                return row.name.lower()
            if sort == "count":
                return row.count
            if sort == "params":
                return row.n_parameters
            if sort.isdigit():
                cell = row.cells.get(int(sort))
                return cell.value if cell else None
            return row.mean

        present = [r for r in self.rows if value(r) is not None]
        missing = [r for r in self.rows if value(r) is None]
        return sorted(present, key=value, reverse=descending) + missing


def leaderboard(user, benchmark: str | None = None, metric: str = MAIN_METRIC, filters: Filters = Filters(),
                test: str = "t-test", correction: str = "holm") -> Table:
    """The table of one benchmark (or of every dataset), cached per viewer scope and options.

    Raises Benchmark.DoesNotExist for an unknown benchmark slug.
    """
    chosen = board_metric(metric)
    test = test if test in stats.TESTS else "t-test"
    correction = correction if correction in stats.CORRECTIONS else "holm"
    return cached(("table", scope(user), benchmark, chosen.name, filters, test, correction),
                   lambda: _build_table(user, benchmark, chosen, filters, test, correction))


def _build_table(user, benchmark_slug, metric: BoardMetric, filters: Filters, test: str, correction: str) -> Table:
    benchmark = Benchmark.objects.get(slug=benchmark_slug) if benchmark_slug else None
    submissions = filters.apply(visible_submissions(user))
    results = Result.objects.filter(is_current=True, evaluation__submission__in=submissions)
    if benchmark:
        results = results.filter(evaluation__dataset__benchmark=benchmark)
    values = results.annotate(value=metric.expression(), latency=LATENCY.expression()).values_list(
        "id", "evaluation__submission_id", "evaluation__dataset_id", "evaluation__dataset__benchmark__slug",
        "evaluation__dataset__slug", "evaluation__dataset__name", "value", "latency",
    )
    columns: dict[int, Column] = {}
    cells: dict[int, dict[int, Cell]] = defaultdict(dict)  # submission id -> dataset id -> cell
    latencies: dict[int, list[float]] = defaultdict(list)
    for result_id, submission_id, dataset_id, bench_slug, slug, name, value, latency in values:
        if value is None:
            continue
        columns.setdefault(dataset_id, Column(dataset_id, f"{bench_slug}/{slug}", name))
        cells[submission_id][dataset_id] = Cell(result_id, value)
        if latency:
            latencies[submission_id].append(latency)
    _collapse_aggregates(columns, cells)
    ranked = []
    for row in submissions.filter(pk__in=list(cells)).values(
        "id", "slug", "name", "family", "n_parameters", "licence", "open_weights", "is_reference", "is_public"
    ):
        submission_id = row.pop("id")
        found = cells[submission_id]
        if not found:  # only some of an aggregate's members: nothing to report on this board yet
            continue
        ranked.append(Row(
            submission_id=submission_id, **row, cells=found,
            mean=float(np.mean([c.value for c in found.values()])),
            latency=float(np.mean(latencies[submission_id])) if latencies[submission_id] else None,
        ))
    ranked.sort(key=lambda r: r.mean, reverse=metric.higher_is_better)
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
    if metric.per_query:
        _mark_significance(ranked, metric, test, correction)
    return Table(
        benchmark=benchmark, metric=metric, test=test, correction=correction,
        columns=sorted(columns.values(), key=lambda c: c.key), rows=ranked,
        licences=sorted({r.licence for r in ranked if r.licence}),
    )


def _collapse_aggregates(columns: dict[int, Column], cells: dict[int, dict[int, Cell]]) -> None:
    """Datasets reported as one figure (CQADupStack's 12 forums) become one column, as in BEIR's tables: a
    row's value is the mean over the members, shown only when the row has every member, so that the forums
    count once in the row's mean. The column takes the first member's id (its members' columns go away)."""
    by_key = {column.key: column for column in columns.values()}
    for name, members in aggregates().items():
        present = [by_key[key] for key in members if key in by_key]
        if not present:
            continue
        column = Column(present[0].dataset_id, name, f"{aggregate_label(name)} (mean of {len(members)})",
                        members=len(members))
        for found in cells.values():
            parts = [found.pop(member.dataset_id) for member in present if member.dataset_id in found]
            if len(parts) == len(members):
                found[column.dataset_id] = Cell(parts[0].result_id, float(np.mean([p.value for p in parts])),
                                                members=tuple(p.result_id for p in parts))
        for member in present:
            del columns[member.dataset_id]
        columns[column.dataset_id] = column


def _per_query(result_ids, metric_name: str) -> dict[int, dict[str, float]]:
    """result id -> {query id: score} in one query."""
    scores: dict[int, dict[str, float]] = defaultdict(dict)
    for result_id, query_id, value in QueryScore.objects.filter(result_id__in=list(result_ids)).values_list(
        "result_id", "query_id", metric_field(metric_name)
    ):
        scores[result_id][query_id] = value
    return scores


def _mark_significance(rows: list[Row], metric: BoardMetric, test: str, correction: str) -> None:
    """Per dataset: test the top rows against the best one; give each tested cell a 95% interval."""
    by_dataset: dict[int, list[Cell]] = defaultdict(list)
    for row in rows:
        for dataset_id, cell in row.cells.items():
            if not cell.members:  # an aggregate is a mean of means: no per-query test or interval
                by_dataset[dataset_id].append(cell)
    tested = {
        dataset_id: sorted(cells, key=lambda c: c.value, reverse=True)[:SIGNIFICANCE_DEPTH + 1]
        for dataset_id, cells in by_dataset.items()
    }
    scores = _per_query((c.result_id for cells in tested.values() for c in cells), metric.name)
    for cells in tested.values():
        arrays = stats.align({c.result_id: scores[c.result_id] for c in cells if scores.get(c.result_id)})
        if not arrays:
            continue
        verdicts = stats.ties_with_best(arrays, cells[0].result_id, test, correction) \
            if cells[0].result_id in arrays else {}
        for cell in cells:
            cell.verdict = verdicts.get(cell.result_id)
            if cell.result_id in scores:
                cell.ci = stats.bootstrap_ci(np.fromiter(scores[cell.result_id].values(), dtype=np.float64))


# -- efficiency plot ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    row: Row
    latency: float
    value: float
    on_frontier: bool


def efficiency_points(table: Table) -> list[Point]:
    """Rows with a latency, flagged when no other row is both faster and at least as effective."""
    candidates = sorted((r for r in table.rows if r.latency and r.mean is not None),
                        key=lambda r: (r.latency, -r.mean if table.metric.higher_is_better else r.mean))
    points, best = [], None
    for row in candidates:
        better = best is None or (row.mean > best if table.metric.higher_is_better else row.mean < best)
        if better:
            best = row.mean
        points.append(Point(row, row.latency, row.mean, better))
    return points


# -- model page --------------------------------------------------------------------------------

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


def model_detail(user, slug: str) -> ModelDetail:
    """Cached like the tables. Raises Submission.DoesNotExist when the viewer may not see it."""
    return cached(("model", scope(user), slug), lambda: _build_model_detail(user, slug))


def _build_model_detail(user, slug: str) -> ModelDetail:
    submission = visible_submissions(user).select_related("owner").get(slug=slug)
    results = list(Result.objects.filter(evaluation__submission=submission)
                   .select_related("evaluation__dataset__benchmark")
                   .order_by("evaluation__dataset__benchmark__slug", "evaluation__dataset__slug", "-attempt"))
    current = [r for r in results if r.is_current]
    scores = _per_query((r.pk for r in current), MAIN_METRIC)
    reproduces = submission.retriever == Baseline.RETRIEVER
    return ModelDetail(
        submission=submission,
        results=[ModelResult(r, stats.bootstrap_ci(np.fromiter(scores[r.pk].values(), dtype=np.float64))
                             if scores.get(r.pk) else None,
                             baseline_for(r.evaluation.dataset.key) if reproduces else None)
                 for r in current],
        history=sorted((r for r in results if not r.is_current), key=lambda r: r.created_at, reverse=True),
    )


def visible_result(user, pk: int) -> Result:
    """Raises Result.DoesNotExist when the viewer may not see it."""
    return Result.objects.select_related("evaluation__submission", "evaluation__dataset__benchmark").get(
        pk=pk, evaluation__submission__in=visible_submissions(user))


# -- comparison --------------------------------------------------------------------------------

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
    scores = _per_query((r.pk for r in results), chosen.name)
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
            pairs=[_pair(scores.get(base.pk), scores.get(other.pk)) if base and other else None
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


def _pair(base: dict[str, float] | None, other: dict[str, float] | None) -> PairStats | None:
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


@lru_cache(maxsize=32)
def _dataset_contents(key: str):
    """(queries, qrels) of a dataset from the registry's local copy, or None when there is none."""
    from datasets_registry.services import load_by_key

    try:
        dataset = load_by_key(key, fetch=False)
    except Exception:  # not in the catalog, not fetched here, unreadable: the pages show ids only
        return None
    return dataset.queries, dataset.qrels


def query_texts(key: str) -> dict[str, str]:
    contents = _dataset_contents(key)
    return contents[0] if contents else {}


# -- on-the-fly fusion -------------------------------------------------------------------------

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
    from runners.metrics import score_run

    benchmark, slug = dataset_key.split("/", 1)
    results = {r.evaluation.submission.slug: r for r in Result.objects.filter(
        is_current=True, evaluation__submission__in=visible_submissions(user).filter(slug__in=slugs),
        evaluation__dataset__benchmark__slug=benchmark, evaluation__dataset__slug=slug,
    ).select_related("evaluation__submission")}
    contents = _dataset_contents(dataset_key)
    if len(results) < 2 or contents is None or not all(r.run_file for r in results.values()):
        return None
    pair = [results[s] for s in slugs]
    fused = score_run(contents[1], truncate(rrf([_stored_run(r) for r in pair], k), FUSION_DEPTH))
    per_query = {q: s[MAIN_METRIC] for q, s in fused.per_query.items()}
    scores = _per_query((r.pk for r in pair), MAIN_METRIC)
    return Fusion(
        dataset=dataset_key, names=tuple(slugs), components=tuple(r.main_score for r in pair),
        fused=fused.mean, pairs=tuple(_pair(scores[r.pk], per_query) for r in pair),
    )


def has_reference_result(retriever: str, dataset_key: str) -> bool:
    benchmark, slug = dataset_key.split("/", 1)
    return Result.objects.filter(
        is_current=True,
        evaluation__submission__is_reference=True,
        evaluation__submission__retriever=retriever,
        evaluation__dataset__benchmark__slug=benchmark,
        evaluation__dataset__slug=slug,
    ).exists()


def results(user, *, current: bool = True, submission: str = "", dataset: str = "", benchmark: str = "") -> QuerySet:
    """Visible results for the read API, newest first, with what a listing shows joined in."""
    found = Result.objects.filter(evaluation__submission__in=visible_submissions(user)).select_related(
        "evaluation__submission", "evaluation__dataset__benchmark").order_by("-created_at", "-pk")
    if current:
        found = found.filter(is_current=True)
    if submission:
        found = found.filter(evaluation__submission__slug=submission)
    if dataset and "/" in dataset:
        bench, slug = dataset.split("/", 1)
        found = found.filter(evaluation__dataset__benchmark__slug=bench, evaluation__dataset__slug=slug)
    if benchmark:
        found = found.filter(evaluation__dataset__benchmark__slug=benchmark)
    return found


def query_scores(result: Result) -> list[dict]:
    return list(result.query_scores.order_by("query_id").values(
        "query_id", *(metric_field(m.name) for m in METRICS)))
