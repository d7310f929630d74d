"""Ranks on a hand-computed example: only complete rows are ranked; Borda and mean ranks as MTEB computes them."""
import pytest

from leaderboard.board import ranks
from leaderboard.board.tables import Cell, Row

SCORES = {  # dataset 1, 2, 3
    "a": (0.9, 0.1, 0.5),
    "b": (0.8, 0.7, 0.5),
    "c": (0.1, 0.6, 0.6),
    "easy-only": (0.99, None, None),
}


def rows() -> list[Row]:
    made = []
    for n, (slug, values) in enumerate(SCORES.items()):
        cells = {d: Cell(result_id=10 * n + d, value=v) for d, v in enumerate(values, start=1) if v is not None}
        made.append(Row(submission_id=n, slug=slug, name=slug, family="dense", n_parameters=None, licence="",
                        open_weights=True, is_reference=False, is_public=True, cells=cells,
                        mean=sum(c.value for c in cells.values()) / len(cells)))
    return made


def test_only_rows_with_every_dataset_are_ranked_and_partial_rows_come_last():
    ordered = ranks.assign(rows(), [1, 2, 3], higher_is_better=True)
    # Means: b 0.667, a 0.5, c 0.433; easy-only 0.99 on its one dataset, but it lacks two.
    assert [r.slug for r in ordered] == ["b", "a", "c", "easy-only"]
    assert [r.rank for r in ordered] == [1, 2, 3, None]


def test_borda_and_mean_rank_match_the_hand_computation():
    by_slug = {r.slug: r for r in ranks.assign(rows(), [1, 2, 3], higher_is_better=True)}
    # Points: dataset 1 a beats b,c (2), b beats c (1), c 0; dataset 2 b 2, c 1, a 0; dataset 3 c 2, a and b tie:
    # 0.5 each. Totals a 2.5, b 3.5, c 3.0 -> Borda ranks b 1, c 2, a 3.
    assert {s: r.borda_rank for s, r in by_slug.items()} == {"a": 3, "b": 1, "c": 2, "easy-only": None}
    # Per-dataset ranks: a 1, 3, 2 (tied second on dataset 3); b 2, 1, 2; c 3, 2, 1.
    assert by_slug["a"].mean_rank == pytest.approx(2.0)
    assert by_slug["b"].mean_rank == pytest.approx(5 / 3)
    assert by_slug["c"].mean_rank == pytest.approx(2.0)


def test_lower_is_better_metrics_rank_the_other_way():
    ordered = ranks.assign(rows(), [1, 2, 3], higher_is_better=False)
    assert [r.slug for r in ordered][:3] == ["c", "a", "b"] and ordered[0].borda_rank == 2
