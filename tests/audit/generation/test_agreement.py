"""Agreement of classifiers: kappa and rho against reference formulas, degenerate cells."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import spearmanr

from audit.generation import (
    MIN_AGREEMENT_CONTINUATIONS,
    Agreement,
    CellScores,
    Estimate,
    classifier_agreement,
    cohen_kappa,
    spearman_rho,
)

FIRST = np.array([0.9, 0.2, 0.7, 0.4, 0.6, 0.1, 0.8, 0.3])
SECOND = np.array([0.8, 0.3, 0.4, 0.4, 0.9, 0.2, 0.6, 0.55])


def _kappa_by_hand(a: np.ndarray, b: np.ndarray) -> float:
    # Cohen (1960): (p_o - p_e) / (1 - p_e) over the 2x2 table of calls.
    x, y = a >= 0.5, b >= 0.5
    p_o = np.mean(x == y)
    p_e = x.mean() * y.mean() + (1 - x.mean()) * (1 - y.mean())
    return float((p_o - p_e) / (1 - p_e))


def test_kappa_matches_the_formula_and_sklearn() -> None:
    # Calls: first TFTFTFTF, second TFFFTFTT: 6 of 8 agree, p_e = .5*.5 + .5*.5 = .5.
    assert cohen_kappa(FIRST, SECOND, 0.5) == pytest.approx(0.5)
    assert cohen_kappa(FIRST, SECOND, 0.5) == pytest.approx(_kappa_by_hand(FIRST, SECOND))
    metrics = pytest.importorskip("sklearn.metrics")
    assert cohen_kappa(FIRST, SECOND, 0.5) == pytest.approx(
        metrics.cohen_kappa_score(FIRST >= 0.5, SECOND >= 0.5)
    )


def test_rho_matches_scipy_with_ties_at_average_ranks() -> None:
    # SECOND has a tie (0.4, 0.4): both take rank 3.5.
    expected = spearmanr(FIRST, SECOND).statistic
    assert spearman_rho(FIRST, SECOND) == pytest.approx(expected)
    # By hand: ranks of FIRST 8,2,6,4,5,1,7,3; of SECOND 7,2,3.5,3.5,8,1,6,5.
    r1 = np.array([8, 2, 6, 4, 5, 1, 7, 3], dtype=float)
    r2 = np.array([7, 2, 3.5, 3.5, 8, 1, 6, 5])
    assert spearman_rho(FIRST, SECOND) == pytest.approx(np.corrcoef(r1, r2)[0, 1])


def test_identical_classifiers_agree_perfectly() -> None:
    cell = CellScores("women", "hate", {"a": list(FIRST), "b": list(FIRST)})
    (agreement,) = classifier_agreement([cell], n_resamples=200, seed=1)
    assert agreement.kappa is not None and agreement.kappa.value == pytest.approx(1.0)
    assert agreement.rho is not None and agreement.rho.value == pytest.approx(1.0)
    # Every resample of identical raters agrees perfectly too.
    assert agreement.kappa.ci_low == pytest.approx(1.0)
    assert agreement.rho.ci_high == pytest.approx(1.0)


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(60)
    b = np.clip(a + rng.normal(0, 0.25, 60), 0, 1)
    cell = CellScores("g", "neutral", {"a": list(a), "b": list(b)})
    first = classifier_agreement([cell], n_resamples=300, seed=5)
    assert first == classifier_agreement([cell], n_resamples=300, seed=5)
    assert first != classifier_agreement([cell], n_resamples=300, seed=6)
    (agreement,) = first
    for estimate in (agreement.kappa, agreement.rho):
        assert estimate is not None and estimate.ci_low is not None and estimate.ci_high is not None
        assert estimate.ci_low <= estimate.value <= estimate.ci_high
        assert estimate.ci_high - estimate.ci_low > 0.02
    assert agreement.n_continuations == 60


def test_only_continuations_both_scored_are_compared() -> None:
    a = [0.9, None, 0.7, 0.4, 0.1, 0.2]
    b = [0.8, 0.3, None, 0.6, 0.2, 0.1]
    (agreement,) = classifier_agreement([CellScores("g", "hate", {"a": a, "b": b})], n_resamples=0)
    kept_a, kept_b = np.array([0.9, 0.4, 0.1, 0.2]), np.array([0.8, 0.6, 0.2, 0.1])
    assert agreement.n_continuations == 4
    assert agreement.kappa is not None
    assert agreement.kappa.value == pytest.approx(_kappa_by_hand(kept_a, kept_b))
    assert agreement.rho is not None
    assert agreement.rho.value == pytest.approx(spearmanr(kept_a, kept_b).statistic)
    assert agreement.kappa.ci_low is None  # no resamples, no interval


def test_degenerate_cells_are_unscored_with_their_reason_never_nan() -> None:
    one_class = CellScores("g", "hate", {"a": [0.1, 0.2, 0.3, 0.4], "b": [0.0, 0.3, 0.2, 0.1]})
    constant = CellScores("g", "neutral", {"a": [0.7, 0.7, 0.7], "b": [0.1, 0.9, 0.6]})
    few = CellScores("h", "hate", {"a": [0.1, 0.9], "b": [0.2, 0.8]})
    by_cell = {
        (a.group, a.label): a
        for a in classifier_agreement([one_class, constant, few], n_resamples=50)
    }
    calls = by_cell["g", "hate"]
    assert calls.kappa is None and calls.kappa_unscored_reason is not None
    assert "same class" in calls.kappa_unscored_reason
    assert calls.rho is not None and calls.rho_unscored_reason is None
    flat = by_cell["g", "neutral"]
    assert flat.rho is None and flat.rho_unscored_reason is not None
    assert "same score" in flat.rho_unscored_reason
    # One rater always toxic, the other mixed: kappa is defined, and 0.
    assert flat.kappa is not None and flat.kappa.value == pytest.approx(0.0)
    short = by_cell["h", "hate"]
    assert short.kappa is None and short.rho is None
    assert short.n_continuations == 2 < MIN_AGREEMENT_CONTINUATIONS
    assert short.kappa_unscored_reason is not None and "too few" in short.kappa_unscored_reason
    text = json.dumps([a.to_dict() for a in by_cell.values()], allow_nan=False)
    assert "NaN" not in text


def test_every_pair_in_the_order_given() -> None:
    cell = CellScores("g", "hate", {"c": list(FIRST), "a": list(SECOND), "b": list(FIRST)})
    pairs = [a.classifiers for a in classifier_agreement([cell], n_resamples=0)]
    assert pairs == [("c", "a"), ("c", "b"), ("a", "b")]
    assert isinstance(classifier_agreement([cell], n_resamples=0)[0], Agreement)


def test_bad_statistics_settings_are_errors() -> None:
    with pytest.raises(ValueError, match="threshold"):
        classifier_agreement([], threshold=1.0)
    with pytest.raises(ValueError, match="n_resamples"):
        classifier_agreement([], n_resamples=-1)


def test_resampled_rho_equals_scipy_on_each_resample() -> None:
    # The bootstrap ranks a resample from its multiplicities; check it against ranking
    # each resample outright, with many ties (scores on a 0.1 grid).
    from audit.generation._agreement import _boot_rho

    rng = np.random.default_rng(3)
    a = np.round(rng.random(30), 1)
    b = np.round(np.clip(a + rng.normal(0, 0.3, 30), 0, 1), 1).astype(np.float64)
    picks = rng.integers(0, 30, size=(50, 30))
    weights = np.stack([np.bincount(row, minlength=30) for row in picks]).astype(float)
    fast = _boot_rho(a, b, weights)
    slow = [spearmanr(a[row], b[row]).statistic for row in picks]
    assert fast == pytest.approx(slow, abs=1e-12, nan_ok=True)


def _simulated_cells(agreeing: bool, *, cells: int = 200, n: int = 50) -> list[CellScores]:
    rng = np.random.default_rng(11)
    out = []
    for index in range(cells):
        a = rng.random(n)
        b = np.clip(a + rng.normal(0, 0.1, n), 0, 1) if agreeing else rng.random(n)
        out.append(CellScores(f"g{index:03d}", "hate", {"a": list(a), "b": list(b)}))
    return out


def test_independent_classifiers_kappa_interval_covers_zero_about_95_percent() -> None:
    # Null simulation: two classifiers scoring at random, independently, over 200 cells of
    # 50 continuations. A 95% interval should cover the true kappa (0) in about 95% of the
    # cells (binomial sd over 200 cells: 1.5 points). Measured: 0.935 (0.985 at n=20, 0.95
    # at n=200); rho's interval: 0.96.
    agreement = classifier_agreement(_simulated_cells(False), n_resamples=1000, seed=0)
    assert 0.91 <= np.mean([_covers(a.kappa, 0.0) for a in agreement]) <= 0.99
    assert 0.91 <= np.mean([_covers(a.rho, 0.0) for a in agreement]) <= 0.99


def _covers(estimate: Estimate | None, value: float) -> bool:
    assert estimate is not None and estimate.ci_low is not None and estimate.ci_high is not None
    return estimate.ci_low <= value <= estimate.ci_high


def test_strongly_agreeing_classifiers_kappa_interval_excludes_zero() -> None:
    agreement = classifier_agreement(_simulated_cells(True, cells=50), n_resamples=1000, seed=0)
    lows = [a.kappa.ci_low for a in agreement if a.kappa is not None]
    assert len(lows) == 50 and all(low is not None and low > 0.3 for low in lows)


def test_the_bootstrap_draws_prompts_with_all_their_continuations() -> None:
    # Ten prompts, each continued five times with the same scores: their continuations
    # are one observation, not five. Drawing prompts, the kappa of every resample is the
    # one of the ten prompts drawn alike, so the intervals are the same.
    rng = np.random.default_rng(2)
    a, b = rng.random(10), rng.random(10)
    once = CellScores("g", "hate", {"a": list(a), "b": list(b)})
    five = CellScores(
        "g",
        "hate",
        {"a": list(np.repeat(a, 5)), "b": list(np.repeat(b, 5))},
        [p for p in range(10) for _ in range(5)],
    )
    (single,) = classifier_agreement([once], n_resamples=500, seed=3)
    (repeated,) = classifier_agreement([five], n_resamples=500, seed=3)
    assert repeated.n_continuations == 50
    assert repeated.kappa == single.kappa
    assert single.kappa is not None and single.kappa.ci_low != single.kappa.ci_high


def test_clustered_continuations_keep_the_intervals_coverage() -> None:
    # Continuations of one prompt share its toxicity; both classifiers see it through
    # their own noise. Over 200 cells of 10 prompts x 5 continuations the 95% interval
    # covers the true kappa in 91.5% of the cells drawing prompts, and in 85.5% drawing
    # continuations one by one as if independent (what the bootstrap did before).
    rng = np.random.default_rng(5)

    def draw(n_prompts: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        latent = np.repeat(rng.normal(0, 1.5, n_prompts), k) + rng.normal(0, 0.5, n_prompts * k)
        a = 1 / (1 + np.exp(-(latent + rng.normal(0, 1, latent.size))))
        b = 1 / (1 + np.exp(-(latent + rng.normal(0, 1, latent.size))))
        return a, b

    true_kappa = cohen_kappa(*draw(200_000, 1), 0.5)
    assert true_kappa is not None
    by_prompt, by_continuation = [], []
    for index in range(200):
        a, b = draw(10, 5)
        scores = {"a": list(a), "b": list(b)}
        by_prompt.append(
            CellScores(f"g{index:03d}", "hate", scores, [p for p in range(10) for _ in range(5)])
        )
        by_continuation.append(CellScores(f"g{index:03d}", "hate", scores))

    def coverage(cells: list[CellScores]) -> float:
        agreement = classifier_agreement(cells, n_resamples=500, seed=0)
        return float(np.mean([_covers(x.kappa, true_kappa) for x in agreement]))

    assert coverage(by_prompt) >= 0.9
    assert coverage(by_continuation) <= 0.87
