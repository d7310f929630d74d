"""Home, leaderboard, model, comparison and efficiency pages; the board's read modules do the reading."""
from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from datasets_registry.models import Benchmark
from leaderboard.board import charts, exports
from leaderboard.board.cache import cached, scope
from leaderboard.board.comparisons import compare
from leaderboard.board.coverage import pending_datasets
from leaderboard.board.efficiency import efficiency_points, hardware_classes
from leaderboard.board.filters import KINDS, SIZES, Filters
from leaderboard.board.fusion import fuse
from leaderboard.board.metrics import BOARD_METRICS
from leaderboard.board.model_page import model_detail
from leaderboard.board.results import visible_result
from leaderboard.board.tables import Table, leaderboard
from leaderboard.models import Family, Result, Submission
from leaderboard.visibility import visible_submissions
from runners import stats

ROWS_PER_PAGE = 50


def home(request):
    return render(request, "leaderboard/home.html", {"benchmarks": Benchmark.objects.all()})


def same_for_every_visitor(view):
    """Anonymous visitors with no pending messages all get the same HTML: cache it under the data version."""
    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.user.is_authenticated or kwargs.get("fmt") or len(messages.get_messages(request)):
            return view(request, *args, **kwargs)
        return HttpResponse(cached(("page", request.get_full_path()),
                                             lambda: view(request, *args, **kwargs).content))
    return cached_view


def _table(request, benchmark: str | None) -> Table:
    try:
        return leaderboard(
            request.user, benchmark, metric=request.GET.get("metric", ""),
            filters=Filters.from_params(request.GET),
            test=request.GET.get("test", ""), correction=request.GET.get("correction", ""),
        )
    except Benchmark.DoesNotExist:
        raise Http404(f"no benchmark {benchmark!r}") from None


@same_for_every_visitor
def leaderboard_page(request, benchmark: str | None = None, fmt: str | None = None):
    table = _table(request, benchmark)
    sort = request.GET.get("sort", "mean")
    direction = request.GET.get("dir")
    descending = table.descending_by_default(sort) if direction not in ("asc", "desc") else direction == "desc"
    if fmt:
        rows = table.sorted_rows(sort, descending)
        name = f"leaderboard-{benchmark or 'all'}-{table.metric.name}"
        return exports.download(fmt, name, exports.leaderboard_data(table, rows), exports.leaderboard_csv(table, rows))
    # Everything below the site's navigation depends only on the data, the viewer's scope and the URL, so it
    # is cached like the table; a signed-in viewer's request only renders the frame (user name, CSRF token).
    body = cached(
        ("body", scope(request.user), request.get_full_path()),
        lambda: render_to_string("leaderboard/_leaderboard_body.html", {
            "table": table, "sort": sort, "descending": descending,
            "columns": table.shown_columns(request.GET.getlist("cols")), "details": request.GET.get("details") == "1",
            "pending": pending_datasets(table),
            "page": Paginator(table.sorted_rows(sort, descending), ROWS_PER_PAGE).get_page(request.GET.get("page")),
            "metrics": BOARD_METRICS.values(), "tests": stats.TESTS, "corrections": stats.CORRECTIONS,
            "families": Family.choices, "sizes": SIZES, "kinds": KINDS,
            "filters": Filters.from_params(request.GET), "benchmarks": Benchmark.objects.all(),
        }, request),
    )
    return render(request, "leaderboard/leaderboard.html", {"table": table, "body": body})


@same_for_every_visitor
def efficiency_page(request, benchmark: str | None = None):
    table = _table(request, benchmark)
    hardware = request.GET.get("hardware", "")
    points = efficiency_points(table, hardware)
    chart = cached(
        ("pareto", scope(request.user), request.get_full_path()),
        lambda: charts.pareto(points, "query latency p50 (ms, log scale)", f"mean {table.metric.label}"),
    )
    return render(request, "leaderboard/efficiency.html", {
        "table": table, "points": points, "metrics": BOARD_METRICS.values(), "chart": chart,
        "hardware": hardware, "hardware_classes": hardware_classes(table),
    })


@same_for_every_visitor
def model_page(request, slug: str, fmt: str | None = None):
    try:
        detail = model_detail(request.user, slug)
    except Submission.DoesNotExist:
        raise Http404(f"no visible submission {slug!r}") from None
    if fmt:
        return exports.download(fmt, f"model-{slug}", exports.model_data(detail), exports.model_csv(detail))
    return render(request, "leaderboard/model.html", {
        "detail": detail, "submission": detail.submission,
        "chart": charts.bars([(m.dataset.name, m.result.main_score, m.ci) for m in detail.results], "nDCG@10"),
    })


def compare_page(request, fmt: str | None = None):
    slugs = [s for s in request.GET.getlist("rows") if s]
    comparison = compare(request.user, slugs, metric=request.GET.get("metric", ""),
                                   focus=request.GET.get("dataset"))
    if fmt:
        return exports.download(fmt, "compare-" + "-vs-".join(slugs[:4]), exports.comparison_data(comparison),
                                exports.comparison_csv(comparison))
    fusion = None
    if request.GET.get("fuse") and comparison.focus and len(comparison.submissions) > 1:
        fusion = fuse(request.user, tuple(s.slug for s in comparison.submissions[:2]), comparison.focus)
    return render(request, "leaderboard/compare.html", {
        "comparison": comparison, "fusion": fusion, "fusion_asked": bool(request.GET.get("fuse")),
        "choices": visible_submissions(request.user).order_by("name").values_list("slug", "name"),
        "selected": slugs, "metrics": [m for m in BOARD_METRICS.values() if m.per_query],
    })


def run_download(request, pk: int):
    try:
        result = visible_result(request.user, pk)
    except Result.DoesNotExist:
        raise Http404("no such result") from None
    if not result.run_file:
        raise Http404("this result has no stored run")
    name = f"{result.evaluation.submission.slug}__{result.evaluation.dataset.key.replace('/', '__')}" \
           f"__attempt{result.attempt}.trec.gz"
    return FileResponse(result.run_file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/gzip")
