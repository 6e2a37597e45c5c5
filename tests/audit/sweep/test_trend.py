"""The trend: the biggest change significant by the comparison's family-wise rule."""

from __future__ import annotations

from dataclasses import replace

from audit.scoring import GroupDifference, SafetyScores
from audit.sweep import TrendPoint, biggest_significant_change, build_trend, format_trend_table


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


def _scores(average: float) -> SafetyScores:
    return SafetyScores(
        groups=(),
        average=average,
        average_ci_low=average - 0.05,
        average_ci_high=average + 0.05,
        alpha=0.05,
        confidence=0.95,
        n_resamples=100,
        seed=0,
        n_scored=40,
        n_unscored=0,
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


def test_each_row_is_compared_with_the_one_before() -> None:
    points = [
        TrendPoint(f"run/checkpoint-{s}", s, _scores(a)) for s, a in ((1, 0.6), (2, 0.5), (3, 0.52))
    ]
    asked: list[tuple[int, int]] = []

    def compare(before: int, after: int) -> list[GroupDifference]:
        asked.append((before, after))
        if after == 1:
            return [_difference("women", -0.1, True), _difference("average", -0.1, True)]
        return [_difference("women", 0.02, False)]

    rows = build_trend(points, compare)
    assert asked == [(0, 1), (1, 2)]
    assert [(r.step, r.average, r.previous) for r in rows] == [
        (1, 0.6, None),
        (2, 0.5, "run/checkpoint-1"),
        (3, 0.52, "run/checkpoint-2"),
    ]
    assert rows[1].change is not None and rows[1].change.group == "women"
    assert rows[1].n_significant == 2 and rows[2].change is None
    table = format_trend_table(rows).splitlines()
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
