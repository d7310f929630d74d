import numpy as np
import pytest

from runners import stats


def test_holm_and_bonferroni_adjust_in_input_order():
    assert stats.adjust([0.01, 0.04, 0.03], "holm") == pytest.approx([0.03, 0.06, 0.06])
    assert stats.adjust([0.01, 0.04, 0.03], "bonferroni") == pytest.approx([0.03, 0.12, 0.09])
    assert stats.adjust([0.5, 0.9], "bonferroni") == [1.0, 1.0]


def test_identical_systems_are_tied_and_a_clearly_worse_one_is_not():
    rng = np.random.default_rng(0)
    best = rng.uniform(0.4, 0.9, size=40)
    same = best.copy()
    worse = best - 0.3 + rng.normal(0, 0.01, size=40)
    for test in stats.TESTS:
        verdicts = stats.ties_with_best({"best": best, "same": same, "worse": worse}, "best", test)
        assert verdicts["best"].tied and verdicts["same"].tied and verdicts["same"].p == 1.0
        assert not verdicts["worse"].tied and verdicts["worse"].p_adjusted < 0.01


def test_correction_can_turn_a_borderline_difference_into_a_tie():
    rng = np.random.default_rng(1)
    best = rng.uniform(0.3, 0.9, size=30)
    borderline = best - 0.02 + rng.normal(0, 0.055, size=30)
    p = stats.paired_p(best, borderline)
    assert 0.01 < p < 0.05
    many = {"best": best, "b": borderline, **{f"x{i}": best - 0.5 for i in range(4)}}
    assert not stats.ties_with_best({"best": best, "b": borderline}, "best")["b"].tied
    assert stats.ties_with_best(many, "best", correction="bonferroni")["b"].tied


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_more_queries():
    rng = np.random.default_rng(2)
    few, many = rng.uniform(0, 1, 20), rng.uniform(0, 1, 2000)
    low, high = stats.bootstrap_ci(few)
    assert low < few.mean() < high
    low_many, high_many = stats.bootstrap_ci(many)
    assert high_many - low_many < (high - low) / 3
    assert stats.bootstrap_ci(np.full(10, 0.5)) == (0.5, 0.5)


def test_align_keeps_common_queries_in_one_order():
    arrays = stats.align({"a": {"q2": 0.2, "q1": 0.1, "q3": 0.3}, "b": {"q1": 1.0, "q2": 2.0}})
    assert arrays["a"].tolist() == [0.1, 0.2] and arrays["b"].tolist() == [1.0, 2.0]


def test_many_t_tests_at_once_equal_ranx_one_by_one():
    from ranx.statistical_tests import paired_student_t_test

    rng = np.random.default_rng(3)
    control = rng.uniform(0, 1, 50)
    treatments = np.clip(control + rng.normal(0, 0.1, (6, 50)) + np.linspace(-0.05, 0.05, 6)[:, None], 0, 1)
    expected = [paired_student_t_test(control, t)[0] for t in treatments]
    assert stats.paired_ps(control, treatments).tolist() == pytest.approx(expected, rel=1e-12)
