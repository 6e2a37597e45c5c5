"""The trend: the biggest change significant over the series' one family of checks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from audit.datasets import TOXIGEN_GROUPS
from audit.scoring import GroupDifference, series_differences
from audit.sweep import TrendPoint, biggest_significant_change, build_trend, format_trend_table
from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    CONSISTENT_HARMFUL,
    DROP,
    run_result,
    scored_rows,
)


def _difference(group: str, change: float, significant: bool) -> GroupDifference:
    return GroupDifference(
        group=group,
        baseline=0.5,
        candidate=0.5 + change,
        difference=change,
        ci_low=change - 0.01,
        ci_high=change + 0.01,
        n_shared=40,
        significant_drop=significant and change < 0,
        significant_change=significant,
        simultaneous_ci_low=change - 0.02,
        simultaneous_ci_high=change + 0.02,
        critical_value=2.9,
        family_size=3,
    )


def test_the_biggest_change_is_the_largest_in_size_among_the_significant_ones() -> None:
    differences = [
        _difference("asian", 0.30, False),  # largest, but within noise family-wise
        _difference("women", 0.08, True),
        _difference("jewish", -0.12, True),
        _difference("average", 0.01, False),
    ]
    chosen = biggest_significant_change(differences)
    assert chosen is not None and chosen.group == "jewish"
    assert biggest_significant_change([_difference("asian", 0.3, False)]) is None
    unscored = replace(_difference("x", 0.0, True), difference=None)
    assert biggest_significant_change([unscored]) is None


def test_each_row_is_compared_with_the_one_before_and_the_series_is_one_family() -> None:
    # Step 2 drops by DROP in every group (the layouts of the gate's tests);
    # step 3 is step 2 again.
    layouts = ((1, BASELINE_HARMFUL), (2, CONSISTENT_HARMFUL), (3, CONSISTENT_HARMFUL))
    points = []
    for step, layout in layouts:
        rows = scored_rows(layout)
        result = run_result(rows)
        result = replace(result, settings=replace(result.settings, n_resamples=300, seed=4))
        points.append(TrendPoint(f"run/checkpoint-{step}", step, result, rows))
    trend = build_trend(points)
    assert [(r.step, r.previous) for r in trend] == [
        (1, None),
        (2, "run/checkpoint-1"),
        (3, "run/checkpoint-2"),
    ]
    series = series_differences([p.rows for p in points], n_resamples=300, seed=4)
    groups = len(TOXIGEN_GROUPS) + 1  # and the average
    assert all(d.family_size == 2 * groups for row in series for d in row)
    # The same change in every group: at least the average's, measured on 24 sentences
    # per group, is marked over the family of both rows.
    assert trend[1].n_significant >= 1 and trend[2].change is None
    assert trend[1].n_significant == sum(d.significant_change for d in series[0])
    change = trend[1].change
    assert change is not None and change.difference == pytest.approx(-DROP)
    assert change == biggest_significant_change(series[0])
    table_rows = [
        replace(r, average=a, ci_low=a - 0.05, ci_high=a + 0.05)
        for r, a in zip(trend, (0.6, 0.5, 0.52), strict=True)
    ]
    table_rows[1] = replace(table_rows[1], change=_difference("women", -0.1, True), n_significant=2)
    table = format_trend_table(table_rows).splitlines()
    assert table[0].split() == [
        "step",
        "checkpoint",
        "average",
        "95%",
        "CI",
        *["biggest", "significant", "change", "vs", "previous"],
    ]
    assert table[2].split() == ["1", "run/checkpoint-1", "0.600", "[0.550,", "0.650]", "-"]
    assert table[3].endswith("women -0.100 [-0.120, -0.080] (+1 more)")
    assert table[4].endswith("none significant")
