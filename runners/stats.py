"""Significance and uncertainty over per-query scores.

Paired tests (Student's t as ranx runs it, with scipy; Fisher's randomisation from ranx) compare two systems on the
same queries; Holm's step-down method corrects a family of such tests; a percentile bootstrap over
queries gives a confidence interval for a mean.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import ttest_rel

from runners.ranx_lock import RANX_KERNELS

TESTS = {"t-test": "paired t-test", "randomisation": "randomisation test"}
CORRECTIONS = {"holm": "Holm", "bonferroni": "Bonferroni"}
ALPHA = 0.05
PERMUTATIONS = 1000
BOOTSTRAP_SAMPLES = 1000
SEED = 42


def paired_p(control: np.ndarray, treatment: np.ndarray, test: str = "t-test") -> float:
    """Two-sided p-value of a paired test; identical score vectors give p = 1."""
    return float(paired_ps(control, treatment[np.newaxis, :], test)[0])


def paired_ps(control: np.ndarray, treatments: np.ndarray, test: str = "t-test") -> np.ndarray:
    """p-values of `control` against each row of `treatments` (systems x queries)."""
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; one of {', '.join(TESTS)}")
    if len(control) < 2:
        return np.ones(len(treatments))
    if test == "t-test":
        return _t_tests(control, treatments)
    from ranx.statistical_tests import fisher_randomization_test  # numba kernel, cached on disk

    control = control.astype(np.float64)
    with RANX_KERNELS:
        return np.array([fisher_randomization_test(control, t.astype(np.float64), PERMUTATIONS, ALPHA, SEED)[0]
                         for t in treatments])


def _t_tests(control: np.ndarray, treatments: np.ndarray) -> np.ndarray:
    """What ranx's paired_student_t_test computes (scipy's ttest_rel), for many systems in one call."""
    differences = treatments - control
    constant = np.ptp(differences, axis=1) <= 1e-12
    with warnings.catch_warnings():  # constant differences: handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        p = ttest_rel(np.broadcast_to(control, treatments.shape), treatments, axis=1).pvalue
    # The same change on every query leaves no variance to test: p = 0, or 1 when there is no change.
    p = np.where(constant, np.where(np.abs(differences[:, 0]) <= 1e-12, 1.0, 0.0), p)
    return np.nan_to_num(p, nan=1.0)


def adjust(p_values: list[float], method: str = "holm") -> list[float]:
    """Family-wise adjusted p-values (Holm step-down or Bonferroni), in the input order."""
    m = len(p_values)
    if method == "bonferroni":
        return [min(1.0, p * m) for p in p_values]
    if method != "holm":
        raise ValueError(f"unknown correction {method!r}; one of {', '.join(CORRECTIONS)}")
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class Verdict:
    p: float  # raw p-value against the best (1.0 for the best itself)
    p_adjusted: float
    tied: bool  # not significantly worse than the best


def ties_with_best(scores: dict, best, test: str = "t-test", correction: str = "holm",
                   alpha: float = ALPHA) -> dict:
    """Test every system against `best` on aligned per-query arrays; key -> Verdict."""
    others = [key for key in scores if key != best]
    raw = paired_ps(scores[best], np.array([scores[key] for key in others]), test).tolist() if others else []
    verdicts = {best: Verdict(1.0, 1.0, True)}
    for key, p, p_adj in zip(others, raw, adjust(raw, correction)):
        verdicts[key] = Verdict(p, p_adj, p_adj >= alpha)
    return verdicts


def bootstrap_ci(scores: np.ndarray, level: float = 0.95, samples: int = BOOTSTRAP_SAMPLES,
                 seed: int = SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, resampling queries with replacement."""
    if len(scores) == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = scores[rng.integers(0, len(scores), size=(samples, len(scores)))].mean(axis=1)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(low), float(high)


def align(per_query: dict[object, dict[str, float]]) -> dict[object, np.ndarray]:
    """Per-system {query: score} -> arrays over the queries every system has, in one order."""
    if not per_query:
        return {}
    common = sorted(set.intersection(*(set(s) for s in per_query.values())))
    return {key: np.array([s[q] for q in common], dtype=np.float64) for key, s in per_query.items()}
