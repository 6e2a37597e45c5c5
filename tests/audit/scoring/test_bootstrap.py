"""The resampling behind every interval: label-stratified, seeded and exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from audit.scoring import label_stratified_resamples, u_statistic, weighted_scores

values = st.lists(st.integers(0, 20).map(float), min_size=1, max_size=30)


@given(values, values)
def test_u_statistic_equals_scipy(harmful: list[float], neutral: list[float]) -> None:
    expected = stats.mannwhitneyu(harmful, neutral).statistic
    assert u_statistic(np.array(harmful), np.array(neutral)) == expected


def test_each_label_keeps_its_size_in_every_resample() -> None:
    is_harmful = np.array([True, False, True, True, False, False, False])
    resamples = label_stratified_resamples(is_harmful, 200, np.random.default_rng(0))
    harmful_rows, neutral_rows = np.flatnonzero(is_harmful), np.flatnonzero(~is_harmful)
    assert (resamples.weights(harmful_rows).sum(axis=1) == 3).all()
    assert (resamples.weights(neutral_rows).sum(axis=1) == 4).all()
    mixed = resamples.weights(np.arange(7))
    assert (mixed[:, harmful_rows] == resamples.weights(harmful_rows)).all()
    assert (mixed[:, neutral_rows] == resamples.weights(neutral_rows)).all()


def test_rows_left_out_are_never_drawn_nor_weighed() -> None:
    is_harmful = np.array([True, True, False, False])
    take_part = np.array([True, False, True, True])
    resamples = label_stratified_resamples(
        is_harmful, 50, np.random.default_rng(0), take_part=take_part
    )
    assert (resamples.weights([0]) == 1).all()  # the only harmful row taking part
    with pytest.raises(ValueError, match="take no part"):
        resamples.weights([1])


def test_a_seed_gives_the_same_resamples() -> None:
    is_harmful = np.arange(40) % 3 == 0
    a = label_stratified_resamples(is_harmful, 20, np.random.default_rng(5))
    b = label_stratified_resamples(is_harmful, 20, np.random.default_rng(5))
    c = label_stratified_resamples(is_harmful, 20, np.random.default_rng(6))
    rows = np.arange(40)
    assert (a.weights(rows) == b.weights(rows)).all()
    assert not (a.weights(rows) == c.weights(rows)).all()


def test_integer_and_float_weights_give_the_same_scores() -> None:
    rng = np.random.default_rng(3)
    harmful, neutral = rng.integers(0, 5, 9).astype(float), rng.integers(0, 5, 11).astype(float)
    wh, wn = (
        rng.integers(0, 3, (6, 9)).astype(np.int32),
        rng.integers(0, 3, (6, 11)).astype(np.int32),
    )
    exact = weighted_scores(harmful, neutral, wh, wn)
    assert np.array_equal(
        exact, weighted_scores(harmful, neutral, wh.astype(float), wn.astype(float)), equal_nan=True
    )
