"""Multiplicity: Holm-adjusted p-values and simultaneous bootstrap intervals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from audit.datasets import Sentence
from audit.scoring import (
    FAMILYWISE_PROCEDURE,
    SIGNIFICANCE_RULE,
    GroupScore,
    SafetyScores,
    ScoredSentence,
    holm_adjusted,
    paired_differences,
    safety_scores,
    simultaneous_intervals,
)


def test_holm_by_hand() -> None:
    # Sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> 0.06
    # (an adjusted p-value never falls below the one before it).
    assert holm_adjusted([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_adjusted([0.5, 0.9]) == [1.0, 1.0]
    assert holm_adjusted([]) == []
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm_adjusted([0.1, float("nan")])


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20))
def test_holm_is_at_least_raw_at_most_one_and_keeps_the_order(p: list[float]) -> None:
    adjusted = holm_adjusted(p)
    assert all(raw <= adj <= 1.0 for raw, adj in zip(p, adjusted, strict=True))
    ranked = sorted(zip(p, adjusted, strict=True))
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(ranked))
    # The smallest p-value is multiplied by the family size (Bonferroni's step).
    assert min(adjusted) == pytest.approx(min(1.0, len(p) * min(p)))


def test_one_check_gets_the_usual_normal_critical_value() -> None:
    rng = np.random.default_rng(0)
    boot = rng.normal(0.1, 0.02, (1, 20000))
    critical, intervals = simultaneous_intervals([0.1], boot, 0.95)
    assert critical is not None and critical == pytest.approx(1.96, abs=0.05)
    assert intervals[0] == pytest.approx((0.1 - critical * 0.02, 0.1 + critical * 0.02), abs=1e-3)


def test_independent_checks_widen_to_sidak_and_identical_ones_do_not() -> None:
    rng = np.random.default_rng(1)
    k, b = 14, 20000
    # 14 independent checks: c is the Sidak quantile, z at 1 - (1 - 0.95^(1/14)) / 2.
    sidak = float(stats.norm.ppf(1 - (1 - 0.95 ** (1 / k)) / 2))
    scales = np.linspace(0.01, 0.2, k)[:, None]
    critical, _ = simultaneous_intervals(np.zeros(k), rng.normal(0, 1, (k, b)) * scales, 0.95)
    assert critical == pytest.approx(sidak, abs=0.08)
    # 14 copies of one check are one check: no widening at all.
    same = np.repeat(rng.normal(0, 1, (1, b)), k, axis=0) * scales
    critical, _ = simultaneous_intervals(np.zeros(k), same, 0.95)
    assert critical == pytest.approx(1.96, abs=0.05)


def test_checks_that_do_not_vary_or_have_no_resamples() -> None:
    boot = np.array([[0.0, 0.0, 0.0], [np.nan, np.nan, np.nan], [0.1, -0.1, 0.2]])
    critical, intervals = simultaneous_intervals([0.0, 0.5, 0.05], boot, 0.95)
    assert intervals[0] == (0.0, 0.0)
    assert intervals[1] is None
    assert critical is not None and intervals[2] is not None
    with pytest.raises(ValueError, match="must be"):
        simultaneous_intervals([0.0], boot, 0.95)


def _two_group_rows(values: dict[tuple[str, str], list[float]]) -> list[ScoredSentence]:
    rows: list[ScoredSentence] = []
    for (group, label), perplexities in values.items():
        for value in perplexities:
            sentence = Sentence(len(rows), f"s{len(rows)}", label, 1.0, (group,))  # type: ignore[arg-type]
            rows.append(ScoredSentence(sentence, value))
    return rows


def test_paired_differences_mark_changes_by_the_simultaneous_intervals() -> None:
    rng = np.random.default_rng(2)
    base = _two_group_rows(
        {(g, lab): list(rng.lognormal(3, 0.6, 60)) for g in "abc" for lab in ("hate", "neutral")}
    )
    noise = rng.lognormal(0, 0.3, len(base))
    cand = [
        ScoredSentence(r.sentence, float(r.perplexity or 0) * float(f))
        for r, f in zip(base, noise, strict=True)
    ]
    diffs = paired_differences(base, cand, n_resamples=400)
    assert [d.group for d in diffs] == ["a", "b", "c", "average"]
    assert {d.family_size for d in diffs} == {4}
    assert len({d.critical_value for d in diffs}) == 1
    critical = diffs[0].critical_value
    assert critical is not None and 1.96 < critical < 3.5
    for d in diffs:
        assert d.procedure == FAMILYWISE_PROCEDURE
        assert d.difference is not None
        assert d.simultaneous_ci_low is not None and d.simultaneous_ci_high is not None
        assert d.simultaneous_ci_low < d.difference < d.simultaneous_ci_high
        assert d.significant_drop == (d.simultaneous_ci_high < 0)
        assert d.significant_change == (d.simultaneous_ci_high < 0 or d.simultaneous_ci_low > 0)
        # Wider than each check's own interval: that is what buys the family its level.
        assert d.ci_low is not None and d.ci_high is not None
        assert d.simultaneous_ci_high - d.simultaneous_ci_low > d.ci_high - d.ci_low
        assert set(d.to_dict()) >= {"ci_low", "simultaneous_ci_high", "procedure"}


def test_identical_runs_have_degenerate_simultaneous_intervals() -> None:
    rng = np.random.default_rng(3)
    rows = _two_group_rows(
        {
            ("g", "hate"): list(rng.lognormal(3, 1, 30)),
            ("g", "neutral"): list(rng.lognormal(3, 1, 30)),
        }
    )
    for d in paired_differences(rows, rows, n_resamples=100):
        assert d.simultaneous_ci_low == d.simultaneous_ci_high == 0.0
        assert not d.significant_change


def test_safety_scores_report_holm_beside_the_raw_rule() -> None:
    rng = np.random.default_rng(4)
    values = {}
    for index, name in enumerate("abcdef"):
        values[(name, "hate")] = list(rng.lognormal(3 + 0.12 * index, 0.6, 40))
        values[(name, "neutral")] = list(rng.lognormal(3, 0.6, 40))
    values[("lonely", "hate")] = [10.0]
    scores = safety_scores(_two_group_rows(values), n_resamples=0)
    scored = [g for g in scores.groups if g.p_value is not None]
    expected = holm_adjusted([g.p_value for g in scored if g.p_value is not None])
    assert [g.p_value_holm for g in scored] == expected
    for group in scored:
        assert group.p_value is not None and group.p_value_holm is not None
        assert group.significant == (group.p_value <= scores.alpha)
        assert group.significant_holm == (group.p_value_holm <= scores.alpha)
    # The seed makes some groups significant alone but not after Holm: the rules differ here.
    assert any(g.significant and not g.significant_holm for g in scored)
    lonely = scores.group("lonely")
    assert lonely.p_value_holm is None and lonely.significant_holm is None
    assert scores.significance_rule == SIGNIFICANCE_RULE
    # SafeNLP's output is the unadjusted rule.
    assert set(scores.safenlp()) == {g.group for g in scored if g.significant}


def test_results_written_before_holm_still_read() -> None:
    old = safety_scores(
        _two_group_rows({("g", "hate"): [3.0, 4.0, 5.0], ("g", "neutral"): [1.0, 2.0]}),
        n_resamples=0,
    ).to_dict()
    del old["significance_rule"]
    for group in old["groups"]:
        del group["p_value_holm"], group["significant_holm"]
    read = SafetyScores.from_dict(old)
    assert read.significance_rule == SIGNIFICANCE_RULE
    assert read.groups[0].p_value_holm is None
    # A required field that is missing is still None, for the gate's input checks to name.
    del old["groups"][0]["score"]
    assert GroupScore.from_dict(old["groups"][0]).score is None
