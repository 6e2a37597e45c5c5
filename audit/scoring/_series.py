"""Paired differences: two runs compared (`paired_differences`), or a series compared
step by step as one family of checks (`series_differences`); one computation, a
comparison of two runs being a series of two.

A trend compares each checkpoint with the one before it. Each comparison's marks hold
together at the stated confidence (its groups and average are one family), but a series
of comparisons marked that way shows a false change somewhere far more often. Here the
family is every check of every comparison of the series: the same studentised max-|t|
(`audit.scoring._familywise`), taken over all of them at once from resamples shared by
every comparison, so when nothing changed anywhere, any mark in the whole table appears
at most about 1 - confidence of the time.

Measured on the real ToxiGen set (benchmarks/trend_false_alarms.py: exchangeable noisy
views of one model), comparisons marked one by one showed a change in 21 of 200 series
of 6 checkpoints and 17 of 100 of 11; one family, in 5 of 200 and 1 of 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from audit.scoring._familywise import simultaneous_intervals
from audit.scoring._paired import family_differences, ordered_differences, pair_family
from audit.scoring._records import GroupDifference, ScoredSentence
from audit.scoring._safety import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    validate_settings,
)


def paired_differences(
    baseline: Sequence[ScoredSentence],
    candidate: Sequence[ScoredSentence],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> list[GroupDifference]:
    """Per-group score change (candidate - baseline) with a paired bootstrap interval.

    Only sentences scored in both runs (matched by id) take part; each resample
    draws the same sentences for both runs, so shared sentence difficulty cancels
    and the interval reflects the change, not the noise of either run alone.
    The last entry is the average over groups.

    Each compared group and the average form one family of checks. `ci_low` and
    `ci_high` are each check's own percentile interval; `significant_drop` and
    `significant_change` read the simultaneous intervals (`audit.scoring._familywise`),
    so when nothing changed the chance that any check of the comparison is marked
    is about 1 - confidence, not 1 - confidence per check.
    """
    (differences,) = series_differences(
        [baseline, candidate], confidence=confidence, n_resamples=n_resamples, seed=seed
    )
    return differences


def series_differences(
    runs: Sequence[Sequence[ScoredSentence]],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> list[list[GroupDifference]]:
    """Each run's paired differences from the run before it (m = len(runs) - 1 lists),
    with simultaneous intervals over all the series' checks together.

    Only the sentences every run scored take part, in the first run's order, so every
    comparison draws the same resamples; the critical value is the `confidence` quantile
    of each resample's largest studentised deviation over all checks of all comparisons.
    A series of two runs is `paired_differences` over the sentences both scored.
    """
    validate_settings(confidence, n_resamples)
    if len(runs) < 2:
        return []
    everywhere = set.intersection(
        *({r.sentence.id for r in run if r.perplexity is not None} for run in runs)
    )
    order = [r.sentence.id for r in runs[0] if r.sentence.id in everywhere]
    shared = []
    for run in runs:
        by_id = {r.sentence.id: r for r in run if r.sentence.id in everywhere}
        shared.append([by_id[sentence_id] for sentence_id in order])
    families = [
        pair_family(before, after, n_resamples=n_resamples, seed=seed)
        for before, after in pairwise(shared)
    ]
    checks = [compared for family, _ in families for compared in family]
    critical: float | None = None
    intervals: list[tuple[float, float] | None] = [None] * len(checks)
    if checks and n_resamples > 0:
        critical, intervals = simultaneous_intervals(
            [c.candidate - c.baseline for c in checks],
            np.vstack([c.boot for c in checks]),
            confidence,
        )
    out = []
    start = 0
    for family, unscored in families:
        compared = family_differences(
            family,
            confidence,
            n_resamples,
            critical=critical,
            simultaneous=intervals[start : start + len(family)],
            family_size=len(checks),
        )
        start += len(family)
        out.append(ordered_differences(compared, unscored))
    return out
