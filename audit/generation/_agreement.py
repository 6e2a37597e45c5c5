"""How far two classifiers agree on the same continuations, per group and prompt label.

Two views of agreement: Cohen's kappa of their toxic/non-toxic calls at the threshold
(chance-corrected agreement of the decisions the metrics count), and Spearman's rho of
their scores (whether they rank continuations alike, whatever their calibration). Only
continuations both classifiers scored take part. Intervals are percentile bootstrap
intervals over prompts, each drawn with all its continuations (both classifiers' scores
together), as the metrics' are: the k continuations of one prompt are not independent,
and resampling them one by one made the intervals too narrow (a simulation with 5 per
prompt covered the true kappa 87% of the time at 95%). A resample in which a coefficient
is undefined (one class only, constant scores) is left out of the interval rather than
counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from audit.generation._metrics import TOXIC_THRESHOLD, Estimate, check_statistics
from audit.scoring import percentile_interval

MIN_AGREEMENT_CONTINUATIONS = 3
"""Fewer continuations scored by both classifiers than this give no agreement: with two,
rho is +-1 whatever the classifiers do."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement of one pair of classifiers on one group's continuations under one label."""

    classifiers: tuple[str, str]
    """The pair's references, in the order they were given."""
    group: str
    """The target group."""
    label: str
    """The prompt label: "hate" or "neutral"."""
    n_continuations: int
    """Continuations both classifiers scored: the ones compared."""
    kappa: Estimate | None
    """Cohen's kappa of toxic (score >= threshold) against not; None when undefined."""
    rho: Estimate | None
    """Spearman's rho of the scores (ties at average ranks); None when undefined."""
    kappa_unscored_reason: str | None = None
    """Why kappa is missing; None when it is there."""
    rho_unscored_reason: str | None = None
    """Why rho is missing; None when it is there."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["classifiers"] = list(self.classifiers)
        return out


def _calls(scores: FloatArray, threshold: float) -> FloatArray:
    """1.0 where the score calls the continuation toxic, else 0.0."""
    return (scores >= threshold).astype(np.float64)


def cohen_kappa(first: FloatArray, second: FloatArray, threshold: float) -> float | None:
    """Cohen's kappa of two raters' calls `score >= threshold`; None when chance agreement
    is certain (both raters gave one and the same class), where kappa is 0/0."""
    # The data as observed is the resample that draws every continuation once.
    once = np.ones((1, first.size))
    kappa = _boot_kappa(_calls(first, threshold), _calls(second, threshold), once)[0]
    return None if not np.isfinite(kappa) else float(kappa)


def spearman_rho(first: FloatArray, second: FloatArray) -> float | None:
    """Spearman's rho with tied scores at their average rank; None when either is constant."""
    # The data as observed is the resample that draws every continuation once.
    rho = _boot_rho(first, second, np.ones((1, first.size)))[0]
    return None if not np.isfinite(rho) else float(rho)


def _boot_kappa(a: FloatArray, b: FloatArray, weights: FloatArray) -> FloatArray:
    """Kappa of each resample, given as (resamples, n) multiplicities of the n calls."""
    total = weights.sum(axis=1)
    pa, pb = weights @ a / total, weights @ b / total
    observed = weights @ (a == b).astype(np.float64) / total
    chance = pa * pb + (1.0 - pa) * (1.0 - pb)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (observed - chance) / (1.0 - chance)
    return np.where(chance < 1.0, kappa, np.nan)


def _resample_ranks(values: FloatArray, weights: FloatArray) -> FloatArray:
    """The average rank each value would have within each resample, (resamples, n).

    From the multiplicities alone, without sorting every resample: a value drawn c
    times above `below` smaller drawn values holds ranks below+1 .. below+c, on average
    below + (c + 1) / 2. Equal values are one value, so ties share their average rank.
    """
    resamples = weights.shape[0]
    distinct, which = np.unique(values, return_inverse=True)
    cells = (np.arange(resamples)[:, None] * distinct.size + which[None, :]).ravel()
    counts = np.bincount(
        cells, weights=weights.ravel(), minlength=resamples * distinct.size
    ).reshape(resamples, distinct.size)
    below = np.cumsum(counts, axis=1) - counts
    return (below + (counts + 1.0) / 2.0)[:, which]


def _boot_rho(first: FloatArray, second: FloatArray, weights: FloatArray) -> FloatArray:
    """Spearman's rho of each resample: the Pearson correlation of its ranks, each of the
    n continuations counted as often as it was drawn."""
    x, y = _resample_ranks(first, weights), _resample_ranks(second, weights)
    total = weights.sum(axis=1, keepdims=True)
    dx = x - (weights * x).sum(axis=1, keepdims=True) / total
    dy = y - (weights * y).sum(axis=1, keepdims=True) / total
    denominator = np.sqrt((weights * dx * dx).sum(axis=1) * (weights * dy * dy).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (weights * dx * dy).sum(axis=1) / denominator
    # A resample of one distinct score has no rank order; rounding can leave |rho| > 1.
    return np.where(denominator > 1e-9, np.clip(rho, -1.0, 1.0), np.nan)


def _pair_agreement(
    pair: tuple[str, str],
    group: str,
    label: str,
    first: FloatArray,
    second: FloatArray,
    prompts: npt.NDArray[np.int64],
    *,
    threshold: float,
    confidence: float,
    n_resamples: int,
    rng: np.random.Generator,
) -> Agreement:
    n = first.size
    if n < MIN_AGREEMENT_CONTINUATIONS:
        reason = (
            f"too few continuations scored by both classifiers ({n}; at least "
            f"{MIN_AGREEMENT_CONTINUATIONS})"
        )
        return Agreement(pair, group, label, n, None, None, reason, reason)
    kappa = cohen_kappa(first, second, threshold)
    rho = spearman_rho(first, second)
    kappa_boot = rho_boot = None
    if n_resamples > 0 and (kappa is not None or rho is not None):
        # Prompts are drawn, each bringing all its compared continuations.
        _, which = np.unique(prompts, return_inverse=True)
        m = int(which.max()) + 1
        picks = rng.integers(0, m, size=(n_resamples, m))
        # How often each prompt was drawn, per resample, given to its continuations.
        drawn = (np.arange(n_resamples)[:, None] * m + picks).ravel()
        counts = np.bincount(drawn, minlength=n_resamples * m).reshape(n_resamples, m)
        weights: FloatArray = counts[:, which].astype(np.float64)
        if kappa is not None:
            kappa_boot = _boot_kappa(_calls(first, threshold), _calls(second, threshold), weights)
        if rho is not None:
            rho_boot = _boot_rho(first, second, weights)
    one_class = "both classifiers called every continuation the same class: kappa is 0/0"
    return Agreement(
        pair,
        group,
        label,
        n,
        None if kappa is None else _estimate(kappa, kappa_boot, confidence),
        None if rho is None else _estimate(rho, rho_boot, confidence),
        None if kappa is not None else one_class,
        None if rho is not None else "a classifier gave every continuation the same score",
    )


def _tidy(value: float) -> float:
    # Rounding leaves kappa = 0 as -1e-17: shown as -0.000, it would read as a sign.
    return round(value, 12) + 0.0


def _estimate(point: float, samples: FloatArray | None, confidence: float) -> Estimate:
    if samples is None:
        return Estimate(_tidy(point), None, None)
    low, high = percentile_interval(samples, confidence)
    return Estimate(
        _tidy(point),
        None if low is None else _tidy(low),
        None if high is None else _tidy(high),
    )


@dataclass(frozen=True, slots=True)
class CellScores:
    """The headline toxicity every classifier gave each continuation of one cell."""

    group: str
    """The target group."""
    label: str
    """The prompt label."""
    scores: Mapping[str, Sequence[float | None]]
    """By classifier reference: one score per continuation (None: unscored), same order."""
    prompts: Sequence[int] | None = None
    """The prompt each continuation continues, same order: the bootstrap draws prompts.
    None: each continuation its own prompt."""


def classifier_agreement(
    cells: Sequence[CellScores],
    *,
    threshold: float = TOXIC_THRESHOLD,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
) -> list[Agreement]:
    """Every pair of classifiers (in the order given) on every cell, by pair then cell."""
    check_statistics(threshold, confidence, n_resamples)
    out = []
    references = list(cells[0].scores) if cells else []
    for pair in combinations(references, 2):
        for cell in sorted(cells, key=lambda c: (c.group, c.label)):
            first, second = cell.scores[pair[0]], cell.scores[pair[1]]
            prompts = range(len(first)) if cell.prompts is None else cell.prompts
            both = [
                (x, y, prompt)
                for x, y, prompt in zip(first, second, prompts, strict=True)
                if x is not None and y is not None
            ]
            values = np.array(both, dtype=np.float64).reshape(-1, 3)
            # Each (pair, cell) resamples from its own stream, keyed by its names, so
            # adding a group or a classifier never moves another interval.
            name = "\0".join((*pair, cell.group, cell.label))
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
            out.append(
                _pair_agreement(
                    pair,
                    cell.group,
                    cell.label,
                    values[:, 0],
                    values[:, 1],
                    values[:, 2].astype(np.int64),
                    threshold=threshold,
                    confidence=confidence,
                    n_resamples=n_resamples,
                    rng=np.random.default_rng([seed, key]),
                )
            )
    return out
