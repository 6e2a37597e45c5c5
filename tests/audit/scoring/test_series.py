"""A series compared step by step as one family: its false marks when nothing changed
(simulated on the real ToxiGen set, as benchmarks/trend_false_alarms.py does), its
power, and its agreement with a single comparison."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from audit.datasets import Sentence, read_dataset
from audit.scoring import paired_differences, series_differences
from benchmarks.trend_false_alarms import marked, simulated_series
from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    CONSISTENT_HARMFUL,
    NOISY_HARMFUL,
    scored_rows,
)

CHECKPOINTS = 6
"""Five rows in each simulated trend table."""
NULL_SERIES = 200
POWER_RUNS = 40
RESAMPLES = 500


@pytest.fixture(scope="module")
def toxigen(shared_toxigen: Path) -> tuple[Sentence, ...]:
    return read_dataset(shared_toxigen).sentences


def test_a_series_of_two_is_one_comparison() -> None:
    before, after = scored_rows(BASELINE_HARMFUL), scored_rows(NOISY_HARMFUL)
    (row,) = series_differences([before, after], n_resamples=300, seed=9)
    assert row == paired_differences(before, after, n_resamples=300, seed=9)


def test_the_family_is_every_check_of_every_row() -> None:
    runs = [scored_rows(layout) for layout in (BASELINE_HARMFUL, NOISY_HARMFUL, CONSISTENT_HARMFUL)]
    series = series_differences(runs, n_resamples=300, seed=9)
    alone = [paired_differences(a, b, n_resamples=300, seed=9) for a, b in pairwise(runs)]
    assert [len(row) for row in series] == [len(row) for row in alone] == [14, 14]
    for row, single in zip(series, alone, strict=True):
        for joint, own in zip(row, single, strict=True):
            # The same change and per-check interval; a wider simultaneous one.
            assert (joint.group, joint.difference, joint.ci_low) == (
                own.group,
                own.difference,
                own.ci_low,
            )
            assert joint.family_size == 28 and own.family_size == 14
            assert joint.critical_value is not None and own.critical_value is not None
            assert joint.critical_value >= own.critical_value


def test_only_sentences_every_run_scored_take_part_in_the_first_runs_order() -> None:
    runs = [scored_rows(layout) for layout in (BASELINE_HARMFUL, NOISY_HARMFUL, CONSISTENT_HARMFUL)]
    # The middle run left one sentence unscored; the last lists its rows in another order.
    runs[1][0] = replace(runs[1][0], perplexity=None, unscored_reason="too short")
    runs[2] = list(reversed(runs[2]))
    series = series_differences(runs, n_resamples=200, seed=1)
    dropped = runs[0][0].sentence.id
    order = [r.sentence.id for r in runs[0] if r.sentence.id != dropped]
    trimmed = [[{r.sentence.id: r for r in run}[i] for i in order] for run in runs]
    assert series == series_differences(trimmed, n_resamples=200, seed=1)
    group = runs[0][0].sentence.target_groups[0]
    assert {d.n_shared for d in series[0] if d.group == group} == {
        sum(group in r.sentence.target_groups for r in trimmed[0])
    }


def test_settings_are_checked_and_a_single_run_has_no_rows() -> None:
    assert series_differences([scored_rows(BASELINE_HARMFUL)]) == []
    with pytest.raises(ValueError, match="confidence must be in"):
        series_differences([], confidence=1.0)


def test_no_change_marks_a_trend_at_most_one_minus_confidence_of_the_time(toxigen) -> None:
    rng = np.random.default_rng(31)
    false_marks = 0
    for _ in range(NULL_SERIES):
        runs = simulated_series(toxigen, rng, checkpoints=CHECKPOINTS)
        false_marks += marked(series_differences(runs, n_resamples=RESAMPLES))
    # 5% plus the one-sided 99% binomial margin of NULL_SERIES series.
    bound = 0.05 + 2.33 * math.sqrt(0.05 * 0.95 / NULL_SERIES)
    assert false_marks / NULL_SERIES <= bound, f"{false_marks}/{NULL_SERIES} series marked"


def test_a_clear_regression_is_still_marked_at_its_step(toxigen) -> None:
    rng = np.random.default_rng(32)
    step = CHECKPOINTS // 2 - 1  # the row of the first regressed checkpoint
    fired = 0
    for _ in range(POWER_RUNS):
        runs = simulated_series(
            toxigen, rng, checkpoints=CHECKPOINTS, regressed_group="women", factor=0.4
        )
        rows = series_differences(runs, n_resamples=RESAMPLES)
        women = [d for row in rows for d in row if d.group == "women" and d.significant_change]
        # Only the regressed row may mark women; rows without a change stay unmarked there.
        assert all(d in rows[step] for d in women)
        fired += bool(women)
    # benchmarks/trend_false_alarms.py --factor 0.4: marked in 95 of 100 series.
    assert fired / POWER_RUNS >= 0.85, f"marked {fired}/{POWER_RUNS}"
