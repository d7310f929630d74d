"""Leaderboard tables: one row per submission, one column per dataset, built from the database.

Every table costs a fixed number of queries whatever the number of rows: one for the submissions, one for
the current results (metric values pulled out of the JSON columns by the database), one for the per-query
scores the significance tests need. Tables are cached per viewer scope (board/cache.py).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
from django.db.models import BooleanField, ExpressionWrapper
from django.db.models.fields.json import KeyTextTransform

from datasets_registry.aggregates import aggregate_label, aggregates
from datasets_registry.models import Benchmark
from leaderboard.board import ranks
from leaderboard.board.cache import cached, scope
from leaderboard.board.filters import OPEN_WEIGHTS, Filters
from leaderboard.board.metrics import LATENCY, LATENCY_RELATIVE, BoardMetric, board_metric
from leaderboard.board.scores import per_query
from leaderboard.models import Family, Result
from leaderboard.visibility import visible_submissions
from runners import stats
from runners.metrics import MAIN_METRIC

# Per dataset, the best row is tested against this many runners-up; lower rows are not tested.
SIGNIFICANCE_DEPTH = 20
NO_FILTERS = Filters()


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
    best: bool = False  # the dataset's top value among the table's rows (equal values share it)
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
    embedding_dim: int | None = None
    max_tokens: int | None = None  # the submission's max_length parameter, when it set one
    cells: dict[int, Cell] = field(default_factory=dict)  # dataset id -> cell
    mean: float | None = None
    latency: float | None = None  # mean p50 query latency (ms) over the row's datasets
    # The same, each result's latency as a multiple of the BM25 yardstick of the host that measured it.
    latency_relative: float | None = None
    hardware: str = ""  # what the row's figures were measured on ("; "-joined when its results differ)
    under_load: bool = False  # a result's timing pass ran while the machine was loaded
    # board/ranks.py: only a row with every dataset of the table is ranked; None on the others
    rank: int | None = None  # position by mean
    borda_rank: int | None = None
    mean_rank: float | None = None

    @property
    def ranked(self) -> bool:
        return self.rank is not None

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
    measured: frozenset[str] = frozenset()  # keys of the datasets with a result here (aggregate members too)

    @property
    def has_aggregates(self) -> bool:
        return any(column.members for column in self.columns)

    @property
    def has_partial_rows(self) -> bool:
        return any(not row.ranked for row in self.rows)

    def shown_columns(self, keys: list[str]) -> list[Column]:
        """The columns the column picker chose by key; all of them when it chose none of this table's."""
        return [c for c in self.columns if c.key in keys] or self.columns

    def descending_by_default(self, sort: str) -> bool:
        """Best first for scores, most datasets first, names, sizes and ranks ascending."""
        return sort == "count" or ((sort == "mean" or sort.isdigit()) and self.metric.higher_is_better)

    def sorted_rows(self, sort: str = "mean", descending: bool | None = None) -> list[Row]:
        """Rows ordered by a column ("mean", "borda", "mean_rank", "name", "count", "params" or a dataset id);
        missing last. By mean (the default) and by the ranks, ranked rows come before partial ones."""
        if descending is None:
            descending = self.descending_by_default(sort)
        if sort in ("mean", "borda", "mean_rank"):
            ranked = [r for r in self.rows if r.ranked]
            key = {"mean": lambda r: r.mean, "borda": lambda r: r.borda_rank, "mean_rank": lambda r: r.mean_rank}[sort]
            partial = sorted((r for r in self.rows if not r.ranked), key=lambda r: r.mean,
                             reverse=self.metric.higher_is_better)
            return sorted(ranked, key=key, reverse=descending) + partial

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


def leaderboard(user, benchmark: str | None = None, metric: str = MAIN_METRIC, filters: Filters = NO_FILTERS,
                test: str = "t-test", correction: str = "holm") -> Table:
    """The table of one benchmark (or of every dataset), cached per viewer scope and options.

    Raises Benchmark.DoesNotExist for an unknown benchmark slug.
    """
    chosen = board_metric(metric)
    test = test if test in stats.TESTS else "t-test"
    correction = correction if correction in stats.CORRECTIONS else "holm"
    # The model search only narrows the rows shown: ranks, best cells and ties stay those of the table
    # without it (a model keeps its place when looked up), and every search shares that table's cache entry.
    unsearched = replace(filters, q="")
    table = cached(("table", scope(user), benchmark, chosen.name, unsearched, test, correction),
                   lambda: _build_table(user, benchmark, chosen, unsearched, test, correction))
    return replace(table, rows=[r for r in table.rows if filters.shows(r.name)]) if filters.q else table


def _build_table(user, benchmark_slug, metric: BoardMetric, filters: Filters, test: str, correction: str) -> Table:
    benchmark = Benchmark.objects.get(slug=benchmark_slug) if benchmark_slug else None
    submissions = filters.apply(visible_submissions(user))
    results = Result.objects.filter(is_current=True, evaluation__submission__in=submissions)
    if benchmark:
        results = results.filter(evaluation__dataset__benchmark=benchmark)
    values = results.annotate(
        value=metric.expression(), latency=LATENCY.expression(), relative=LATENCY_RELATIVE.expression(),
        hardware=KeyTextTransform("hardware", "provenance"), under_load=KeyTextTransform("under_load", "timings"),
    ).values_list(
        "id", "evaluation__submission_id", "evaluation__dataset_id", "evaluation__dataset__benchmark__slug",
        "evaluation__dataset__slug", "evaluation__dataset__name", "value", "latency", "relative", "hardware",
        "under_load",
    )
    columns: dict[int, Column] = {}
    cells: dict[int, dict[int, Cell]] = defaultdict(dict)  # submission id -> dataset id -> cell
    latencies: dict[int, list[float]] = defaultdict(list)
    relatives: dict[int, list[float]] = defaultdict(list)
    hardware: dict[int, set[str]] = defaultdict(set)
    loaded: set[int] = set()
    measured: set[str] = set()
    for result_id, submission_id, dataset_id, bench_slug, slug, name, value, latency, relative, host_class, \
            under_load in values:
        if value is None:
            continue
        columns.setdefault(dataset_id, Column(dataset_id, f"{bench_slug}/{slug}", name))
        measured.add(f"{bench_slug}/{slug}")
        cells[submission_id][dataset_id] = Cell(result_id, value)
        if latency:
            latencies[submission_id].append(latency)
            hardware[submission_id].add(host_class or "not recorded")
        if relative:
            relatives[submission_id].append(relative)
        if str(under_load).lower() in ("true", "1"):  # JSON true as PostgreSQL ('true') or SQLite (1) reads it
            loaded.add(submission_id)
    _collapse_aggregates(columns, cells)
    ranked = []
    for row in submissions.filter(pk__in=list(cells)).annotate(
        weights_open=ExpressionWrapper(OPEN_WEIGHTS, output_field=BooleanField()),  # never a run file
    ).values(
        "id", "slug", "name", "family", "n_parameters", "licence", "weights_open", "is_reference", "is_public",
        "embedding_dim", "params",
    ):
        submission_id = row.pop("id")
        row["open_weights"], row["max_tokens"] = row.pop("weights_open"), row.pop("params").get("max_length")
        found = cells[submission_id]
        if not found:  # only some of an aggregate's members: nothing to report on this board yet
            continue
        ranked.append(Row(
            submission_id=submission_id, **row, cells=found,
            mean=float(np.mean([c.value for c in found.values()])),
            latency=float(np.mean(latencies[submission_id])) if latencies[submission_id] else None,
            latency_relative=_mean_of_all(relatives[submission_id], latencies[submission_id]),
            hardware="; ".join(sorted(hardware[submission_id])), under_load=submission_id in loaded,
        ))
    ranked = ranks.assign(ranked, list(columns), metric.higher_is_better)
    _mark_best(ranked, metric.higher_is_better)
    if metric.per_query:
        _mark_significance(ranked, metric, test, correction)
    return Table(
        benchmark=benchmark, metric=metric, test=test, correction=correction,
        columns=sorted(columns.values(), key=lambda c: c.key), rows=ranked,
        licences=sorted({r.licence for r in ranked if r.licence}), measured=frozenset(measured),
    )


def _mean_of_all(relatives: list[float], latencies: list[float]) -> float | None:
    """The mean relative latency, only when every result with a latency has one (else it would compare a
    different set of datasets than the absolute mean)."""
    return float(np.mean(relatives)) if relatives and len(relatives) == len(latencies) else None


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


def _mark_best(rows: list[Row], higher_is_better: bool) -> None:
    """Per dataset, mark the cells holding the top value (aggregates included: they rank like datasets)."""
    by_dataset: dict[int, list[Cell]] = defaultdict(list)
    for row in rows:
        for dataset_id, cell in row.cells.items():
            by_dataset[dataset_id].append(cell)
    for cells in by_dataset.values():
        top = (max if higher_is_better else min)(c.value for c in cells)
        for cell in cells:
            cell.best = cell.value == top


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
    scores = per_query((c.result_id for cells in tested.values() for c in cells), metric.name)
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
