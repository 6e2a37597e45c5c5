"""Multiplicity: simultaneous bootstrap intervals for paired differences, Holm for p-values.

A comparison of two runs asks one question per group and one on the average
(14 on ToxiGen). Read with its own 95% interval each, at least one of them
excludes zero by chance far more often than 5% of the time when nothing
changed (about one run in four on a 1,000-sentence subset: the groups share
sentences, so the rate is below the 1 - 0.95**14 = 51% of independent checks,
but well above 5%). Two corrections are here.

**Simultaneous intervals (the comparison's marks).** The studentised
max-statistic over the family, computed from the same paired bootstrap
resamples that give the per-check intervals:

    se_k = standard deviation of check k's B resampled differences
    T_b  = max over k of |D_kb - d_k| / se_k        (d_k: the point difference)
    c    = the `confidence` quantile of T_1 .. T_B
    interval_k = d_k -/+ c * se_k

Every interval holds its check's true change at once with probability about
`confidence`, so when nothing changed, the chance that *any* of them excludes
zero (any mark, any gate failure) is about 1 - confidence. Why this rather than
Holm on bootstrap p-values: the max-statistic uses the joint distribution of
the checks (a sentence about two groups moves both, and the average moves with
every group), so it is exact for the family rather than a worst-case bound, and
it gives each check an interval (a range of plausible changes that the pages
and the gate can show), where Holm gives only a yes/no per check and needs
p-values from the far tail of B resamples. Studentising makes the checks
comparable: the average's difference varies far less than a small group's, and
an unstudentised maximum would be dominated by the noisiest groups.

**Holm (the per-group Mann-Whitney p-values of one run).** `safety_scores`
reports each group's Holm-adjusted p-value beside the raw one. Holm controls
the family-wise error rate for any dependence between the tests and needs only
the p-values, which is all SafeNLP's rule has.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from audit.scoring._bootstrap import FloatArray

FAMILYWISE_PROCEDURE = "simultaneous bootstrap intervals (studentised max-|t| over the family)"
"""The procedure behind `GroupDifference.significant_drop` and `significant_change`, for pages."""

HOLM_PROCEDURE = "Holm step-down over the scored groups' Mann-Whitney p-values"
"""The procedure behind `GroupScore.p_value_holm`."""


def simultaneous_intervals(
    points: Sequence[float] | FloatArray, boot: FloatArray, confidence: float
) -> tuple[float | None, list[tuple[float, float] | None]]:
    """(critical value c, per check d -/+ c * se) of a family from shared bootstrap resamples.

    points: (K,) the point differences; boot: (K, B) each check's resampled
    differences, column b from the same resample of sentences for every check.
    NaN entries (a small group that drew no sentence of one label in a
    resample) take no part. A check whose resamples do not vary (se 0: the two
    runs agree on every sentence) gets the degenerate interval [d, d] and does
    not enter the maximum. None where no resample could be used.
    """
    point = np.asarray(points, dtype=np.float64)
    if boot.ndim != 2 or boot.shape[0] != point.size:
        raise ValueError(f"boot must be ({point.size}, B), got {boot.shape}")
    counts = np.sum(np.isfinite(boot), axis=1)
    se = np.full(point.size, np.nan)
    enough = counts >= 2
    if enough.any():
        se[enough] = np.nanstd(boot[enough], axis=1, ddof=1)
    varying = np.isfinite(se) & (se > 0)
    intervals: list[tuple[float, float] | None] = [None] * point.size
    for k in np.flatnonzero(np.isfinite(se) & ~varying):
        intervals[k] = (float(point[k]), float(point[k]))
    if not varying.any():
        return (0.0 if any(i is not None for i in intervals) else None), intervals
    t = np.abs(boot[varying] - point[varying, None]) / se[varying, None]
    usable = np.any(np.isfinite(t), axis=0)
    if not usable.any():
        return None, intervals
    with np.errstate(all="ignore"):
        maxima = np.nanmax(t[:, usable], axis=0)
    # "higher": with a few hundred resamples, round the critical value up, not down.
    critical = float(np.quantile(maxima, confidence, method="higher"))
    for k in np.flatnonzero(varying):
        half = critical * float(se[k])
        intervals[k] = (float(point[k]) - half, float(point[k]) + half)
    return critical, intervals


def holm_adjusted(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order.

    Sorted ascending, the i-th smallest (0-based) becomes min(1, (m - i) * p),
    made non-decreasing; a test is significant family-wise when its adjusted
    p-value is at most alpha.
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return []
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"p-values must lie in [0, 1], got {list(p_values)}")
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = stepped
    return [float(v) for v in adjusted]
