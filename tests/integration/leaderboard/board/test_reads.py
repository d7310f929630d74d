"""The board's reads (tables, efficiency, model pages, comparisons) against real PostgreSQL, on rows whose right
answers are known."""
import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser, User

from datasets_registry.aggregates import aggregates
from leaderboard.board import exports
from leaderboard.board.comparisons import compare
from leaderboard.board.efficiency import efficiency_points
from leaderboard.board.filters import Filters
from leaderboard.board.model_page import model_detail
from leaderboard.board.tables import leaderboard
from leaderboard.models import Submission
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()
QUERIES = 30


def scores(level: float, seed: int = 0, spread: float = 0.2) -> list[float]:
    rng = np.random.default_rng(seed)
    return np.clip(level + rng.uniform(-spread, spread, QUERIES), 0, 1).tolist()


def by_slug(table):
    return {row.slug: row for row in table.rows}


def test_means_cover_only_the_datasets_a_row_has_and_only_complete_rows_are_ranked():
    d1, d2 = f.dataset("bench/one"), f.dataset("bench/two")
    full, partial = f.submission("Full"), f.submission("Partial")
    f.result(full, d1, [0.6] * QUERIES)
    f.result(full, d2, [0.2] * QUERIES)
    f.result(partial, d1, [0.5] * QUERIES)
    table = leaderboard(ANONYMOUS, "bench")
    rows = by_slug(table)
    assert [c.key for c in table.columns] == ["bench/one", "bench/two"]
    assert rows["full"].mean == pytest.approx(0.4) and rows["full"].count == 2
    assert rows["partial"].mean == pytest.approx(0.5) and rows["partial"].count == 1
    assert d2.pk not in rows["partial"].cells
    # The partial row's mean is higher, but it lacks a dataset: listed below the complete row, unranked.
    assert [r.slug for r in table.rows] == ["full", "partial"] and [r.rank for r in table.rows] == [1, None]
    # Sorting by a dataset column puts rows without a result there last, in both directions.
    assert [r.slug for r in table.sorted_rows(str(d2.pk))] == ["full", "partial"]
    assert [r.slug for r in table.sorted_rows(str(d2.pk), descending=False)] == ["full", "partial"]
    assert [r.slug for r in table.sorted_rows("name")] == ["full", "partial"]


def test_rows_not_significantly_worse_than_the_best_are_tied_for_first():
    data = f.dataset("bench/one")
    best = scores(0.6)
    shuffled = best[1:] + best[:1]  # same scores on other queries: a small, non-significant difference
    rows = {"best": best, "noisy": shuffled, "worse": [max(0.0, s - 0.3) for s in best]}
    for name, values in rows.items():
        f.result(f.submission(name), data, values)
    table = leaderboard(ANONYMOUS, "bench")
    verdicts = {r.slug: r.cells[data.pk].verdict for r in table.rows}
    assert table.rows[0].slug in ("best", "noisy")
    assert verdicts["best"].tied and verdicts["noisy"].tied
    assert not verdicts["worse"].tied and verdicts["worse"].p_adjusted < 0.001
    low, high = by_slug(table)["best"].cells[data.pk].ci
    assert low < np.mean(best) < high


def test_only_current_results_count_and_history_stays_on_the_model_page():
    data = f.dataset("bench/one")
    row = f.submission("Rerun")
    f.result(row, data, [0.9] * QUERIES, attempt=1, is_current=False)
    f.result(row, data, [0.4] * QUERIES, attempt=2)
    assert by_slug(leaderboard(ANONYMOUS))["rerun"].mean == pytest.approx(0.4)
    detail = model_detail(ANONYMOUS, "rerun")
    assert [r.result.attempt for r in detail.results] == [2]
    assert [r.attempt for r in detail.history] == [1]


def test_private_rows_show_to_their_owner_and_staff_only():
    data = f.dataset("bench/one")
    owner = User.objects.create_user("owner")
    staff = User.objects.create_user("staff", is_staff=True)
    other = User.objects.create_user("other")
    f.result(f.submission("Public"), data, [0.5] * QUERIES)
    f.result(f.submission("Secret", owner=owner, is_public=False), data, [0.7] * QUERIES)

    def names(user):
        return {r.slug for r in leaderboard(user).rows}

    assert names(ANONYMOUS) == names(other) == {"public"}
    assert names(owner) == names(staff) == {"public", "secret"}
    with pytest.raises(Submission.DoesNotExist):
        model_detail(other, "secret")


def test_filters_and_metric_picker():
    data = f.dataset("bench/one")
    f.result(f.submission("Lexical", family="bm25", n_parameters=None, is_reference=True, licence="Apache-2.0"),
             data, [0.3] * QUERIES, latency=2.0)
    f.result(f.submission("Big", family="dense", n_parameters=2 * 10**9, open_weights=False), data,
             [0.6] * QUERIES, latency=200.0)
    f.result(f.submission("Small", family="dense", n_parameters=10**7), data, [0.5] * QUERIES, latency=20.0)

    def names(**filters):
        return [r.slug for r in leaderboard(ANONYMOUS, filters=Filters(**filters)).rows]

    assert names(family="dense") == ["big", "small"]
    assert names(size="large") == ["big"] and names(size="small") == ["small"] and names(size="none") == ["lexical"]
    assert names(open_weights="no") == ["big"] and names(kind="reference") == ["lexical"]
    assert names(kind="community", licence="MIT") == ["big", "small"]
    latency = leaderboard(ANONYMOUS, metric="latency")
    assert [r.slug for r in latency.rows] == ["lexical", "small", "big"]  # lower is better
    assert all(c.verdict is None for r in latency.rows for c in r.cells.values())
    points = efficiency_points(leaderboard(ANONYMOUS))
    assert {p.row.slug: p.on_frontier for p in points} == {"lexical": True, "small": True, "big": True}


def test_pareto_frontier_drops_rows_beaten_on_both_axes():
    data = f.dataset("bench/one")
    f.result(f.submission("Fast good"), data, [0.6] * QUERIES, latency=5.0)
    f.result(f.submission("Slow worse"), data, [0.5] * QUERIES, latency=50.0)
    f.result(f.submission("Slow best"), data, [0.7] * QUERIES, latency=500.0)
    points = {p.row.slug: p.on_frontier for p in efficiency_points(leaderboard(ANONYMOUS))}
    assert points == {"fast-good": True, "slow-worse": False, "slow-best": True}


@pytest.mark.usefixtures("shipped_cache")
def test_a_new_result_invalidates_the_cached_table(django_capture_on_commit_callbacks):
    data = f.dataset("bench/one")
    with django_capture_on_commit_callbacks(execute=True):
        f.result(f.submission("First"), data, [0.5] * QUERIES)
    assert [r.slug for r in leaderboard(ANONYMOUS).rows] == ["first"]
    with django_capture_on_commit_callbacks(execute=True):
        f.result(f.submission("Second"), data, [0.6] * QUERIES)
    assert [r.slug for r in leaderboard(ANONYMOUS).rows] == ["second", "first"]


def test_compare_reports_deltas_p_values_and_biggest_per_query_differences():
    data = f.dataset("bench/one")
    base = [0.5] * QUERIES
    other = [0.5] * QUERIES
    other[3], other[7] = 0.9, 0.1
    f.result(f.submission("A"), data, base)
    f.result(f.submission("B"), data, other)
    comparison = compare(ANONYMOUS, ["a", "b"])
    [row] = comparison.datasets
    assert row.pairs[0].delta == pytest.approx(0.0) and row.pairs[0].p_t > 0.5
    assert (row.pairs[0].wins, row.pairs[0].losses, row.pairs[0].ties) == (1, 1, QUERIES - 2)
    assert [(q.query_id, round(q.delta, 3)) for q in comparison.gains] == [("q3", 0.4)]
    assert [(q.query_id, round(q.delta, 3)) for q in comparison.losses] == [("q7", -0.4)]


def test_published_baseline_beside_the_reproduction(settings, tmp_path):
    (tmp_path / "bm25_anserini_reference.csv").write_text(
        "benchmark,dataset,official_corpus_docs,official_test_queries,bm25_ndcg@10,bm25_recall@100,"
        "bm25_recall@1000,source_repo,source_path,source_commit,notes\n"
        "beir,scifact,5183,300,0.6789,0.9253,0.9767,castorini/anserini,x.yaml,af6fb20059bb,flat\n"
        "bright,earth_science,1,1,0.2791,0.5955,0.8101,castorini/anserini,y.yaml,2c66c90d3302,flat\n")
    settings.REFERENCE_DIR = tmp_path
    row = f.submission("BM25 flat", retriever="bm25-flat", is_reference=True, family="bm25")
    f.result(row, f.dataset("beir/scifact"), [0.6791] * QUERIES, metrics={"recall@100": 0.90, "recall@1000": 0.9767})
    f.result(row, f.dataset("bright/earth-science"), [0.2791] * QUERIES)
    f.result(row, f.dataset("classic-ir/adi"), [0.4] * QUERIES)
    detail = model_detail(ANONYMOUS, row.slug)
    published = {m.dataset.key: m.published for m in detail.results}
    assert published["classic-ir/adi"] == []
    scifact = {metric: (delta, ok) for metric, _, _, delta, ok in published["beir/scifact"]}
    assert scifact["ndcg@10"][0] == pytest.approx(0.0002) and scifact["ndcg@10"][1] is True
    assert scifact["recall@100"][0] == pytest.approx(-0.0253) and scifact["recall@100"][1] is False
    assert published["bright/earth-science"][0][4] is True


def test_cqadupstack_forums_count_as_one_dataset_reported_as_their_mean():
    forums = [key for key in aggregates()["beir/cqadupstack"]]
    assert len(forums) == 12
    scifact = f.dataset("beir/scifact")
    complete, partial = f.submission("Complete"), f.submission("Partial")
    for i, key in enumerate(forums):
        f.result(complete, f.dataset(key), [0.1 + 0.05 * i] * QUERIES)  # forum means 0.10 ... 0.65
    for key in forums[:3]:
        f.result(partial, f.dataset(key), [0.9] * QUERIES)
    f.result(complete, scifact, [0.7] * QUERIES)
    f.result(partial, scifact, [0.5] * QUERIES)
    table = leaderboard(ANONYMOUS, "beir")
    assert [(c.key, c.name, c.members) for c in table.columns] == [
        ("beir/cqadupstack", "CQADupStack (mean of 12)", 12), ("beir/scifact", "Scifact", 0)]
    assert table.has_aggregates and not leaderboard(ANONYMOUS, "beir", filters=Filters(
        family="bm25")).has_aggregates  # no row left: no aggregate column
    rows = by_slug(table)
    forum_mean = sum(0.1 + 0.05 * i for i in range(12)) / 12  # 0.375
    aggregate = rows["complete"].cells[table.columns[0].dataset_id]
    assert aggregate.value == pytest.approx(forum_mean) and len(aggregate.members) == 12
    assert aggregate.verdict is None and aggregate.ci is None  # a mean of means is not tested per query
    assert rows["complete"].count == 2 and rows["complete"].mean == pytest.approx((forum_mean + 0.7) / 2)
    # Three forums of twelve are no CQADupStack figure: the row counts only SciFact.
    assert rows["partial"].count == 1 and rows["partial"].mean == pytest.approx(0.5)
    exported = exports.leaderboard_data(table, table.rows)
    cell = next(r for r in exported["rows"] if r["submission"] == "complete")["scores"]["beir/cqadupstack"]
    assert cell["value"] == pytest.approx(forum_mean) and len(cell["member_results"]) == 12
