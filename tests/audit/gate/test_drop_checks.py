from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.gate import (
    GateInputError,
    GateSettings,
    Verdict,
    check_comparable,
    check_point_drops,
    check_significant_drops,
    evaluate_gate,
)
from audit.scoring import GroupScore, SafetyScores, paired_differences
from tests.audit.gate.builders import (
    BASELINE_HARMFUL,
    CONSISTENT_HARMFUL,
    DROP,
    NOISY_HARMFUL,
    run_result,
    scored_rows,
    unscore,
)


@pytest.fixture(scope="module")
def runs():
    base_rows = scored_rows(BASELINE_HARMFUL)
    consistent_rows = scored_rows(CONSISTENT_HARMFUL)
    noisy_rows = scored_rows(NOISY_HARMFUL)
    return {
        "baseline": (run_result(base_rows, name="main"), base_rows),
        "consistent": (run_result(consistent_rows), consistent_rows),
        "noisy": (run_result(noisy_rows), noisy_rows),
    }


def _verdicts(checks):
    return {c.subject: c.verdict for c in checks}


def test_both_candidates_drop_by_exactly_the_same_amount(runs) -> None:
    base = runs["baseline"][0].scores
    for name in ("consistent", "noisy"):
        cand = runs[name][0].scores
        assert base.average - cand.average == pytest.approx(DROP)
        for b, c in zip(base.groups, cand.groups, strict=True):
            assert b.score - c.score == pytest.approx(DROP)


@pytest.mark.parametrize("name", ["consistent", "noisy"])
def test_point_scores_fail_any_drop_over_the_limit_noise_or_not(runs, name) -> None:
    base, cand = runs["baseline"][0].scores, runs[name][0].scores
    failing = check_point_drops(base, cand, 0.05)
    assert len(failing) == 14
    assert set(_verdicts(failing).values()) == {Verdict.FAIL}
    average = failing[-1]
    assert average.subject == "average"
    assert average.value == pytest.approx(DROP)
    assert set(_verdicts(check_point_drops(base, cand, 0.1)).values()) == {Verdict.PASS}


def test_significant_only_passes_the_noisy_drop_and_fails_the_supported_one(runs) -> None:
    base, base_rows = runs["baseline"]
    settings = GateSettings(max_drop=0.05, significant_only=True)
    noisy = evaluate_gate(
        settings,
        runs["noisy"][0],
        baseline=base,
        candidate_rows=runs["noisy"][1],
        baseline_rows=base_rows,
    )
    consistent = evaluate_gate(
        settings,
        runs["consistent"][0],
        baseline=base,
        candidate_rows=runs["consistent"][1],
        baseline_rows=base_rows,
    )
    noisy_avg = {c.subject: c for c in noisy.checks}["average"]
    consistent_avg = {c.subject: c for c in consistent.checks}["average"]
    # The same drop of 1/12 on the average...
    assert noisy_avg.value == pytest.approx(DROP)
    assert consistent_avg.value == pytest.approx(DROP)
    # ...within noise in one case, supported by the data in the other.
    assert noisy.passed and noisy.exit_code == 0
    assert noisy_avg.verdict is Verdict.PASS
    assert "within sampling noise" in noisy_avg.detail
    assert not consistent.passed and consistent.exit_code == 1
    assert consistent_avg.verdict is Verdict.FAIL
    assert "lies below zero" in consistent_avg.detail


def test_significant_only_still_passes_small_drops_and_reports_the_interval(runs) -> None:
    base, base_rows = runs["baseline"]
    diffs = paired_differences(base_rows, runs["consistent"][1], n_resamples=200)
    checks = check_significant_drops(diffs, base.scores, 0.1, confidence=0.95)
    assert set(_verdicts(checks).values()) == {Verdict.PASS}
    assert "95% CI [" in checks[-1].detail and "312 shared sentences" in checks[-1].detail


def test_a_group_the_candidate_could_not_score_is_an_error_in_both_modes(runs) -> None:
    base, base_rows = runs["baseline"]
    cand_rows = unscore(runs["noisy"][1], "women", "hate")
    cand = run_result(cand_rows)
    point = {c.subject: c for c in check_point_drops(base.scores, cand.scores, 0.5)}
    assert point["women"].verdict is Verdict.ERROR
    assert "no scored harmful sentences" in point["women"].detail
    assert point["average"].verdict is Verdict.ERROR
    assert "different groups" in point["average"].detail
    diffs = paired_differences(base_rows, cand_rows, n_resamples=100)
    paired = {
        c.subject: c for c in check_significant_drops(diffs, base.scores, 0.5, confidence=0.95)
    }
    assert paired["women"].verdict is Verdict.ERROR
    assert paired["asian"].verdict is Verdict.PASS


def test_groups_without_a_baseline_score_are_skipped(runs) -> None:
    base_rows = unscore(runs["baseline"][1], "women", "neutral")
    base = run_result(base_rows)
    point = {c.subject: c for c in check_point_drops(base.scores, runs["noisy"][0].scores, 0.5)}
    assert point["women"].verdict is Verdict.SKIPPED


def test_no_shared_sentences_is_an_error_not_a_pass(runs) -> None:
    base = runs["baseline"][0]
    checks = check_significant_drops([], base.scores, 0.05, confidence=0.95)
    assert {c.verdict for c in checks} == {Verdict.ERROR}
    assert checks[-1].subject == "average"


def test_runs_on_different_data_cannot_be_compared(runs) -> None:
    base = runs["baseline"][0]
    other = replace(base, dataset=replace(base.dataset, sha256="0" * 64))
    with pytest.raises(GateInputError, match="different data sets"):
        check_comparable(other, runs["noisy"][0], paired=True)
    subset = replace(base, dataset=replace(base.dataset, n_sentences=100))
    with pytest.raises(GateInputError, match="use --significant-only"):
        check_comparable(subset, runs["noisy"][0], paired=False)
    check_comparable(subset, runs["noisy"][0], paired=True)


def test_evaluate_gate_refuses_what_it_cannot_answer(runs) -> None:
    cand = runs["noisy"][0]
    with pytest.raises(GateInputError, match="no checks requested"):
        evaluate_gate(GateSettings(), cand)
    with pytest.raises(GateInputError, match="needs a baseline"):
        evaluate_gate(GateSettings(max_drop=0.1), cand)
    with pytest.raises(GateInputError, match="per-sentence perplexities"):
        evaluate_gate(
            GateSettings(max_drop=0.1, significant_only=True), cand, baseline=runs["baseline"][0]
        )


def _scores_of(values: dict[str, float]) -> SafetyScores:
    groups = tuple(
        GroupScore(g, s, None, None, 0.01, None, 12, 12, True) for g, s in sorted(values.items())
    )
    average = sum(values.values()) / len(values)
    return SafetyScores(groups, average, None, None, 0.05, 0.95, 0, 0, 24 * len(values), 0)


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(
    base=st.dictionaries(st.sampled_from("abcdef"), unit, min_size=1, max_size=6),
    shift=st.lists(st.floats(min_value=-1.0, max_value=1.0), min_size=6, max_size=6),
    max_drop=unit,
)
def test_point_drop_verdicts_follow_the_rule(base, shift, max_drop) -> None:
    cand = {g: min(1.0, max(0.0, s + shift[i])) for i, (g, s) in enumerate(sorted(base.items()))}
    checks = check_point_drops(_scores_of(base), _scores_of(cand), max_drop)
    assert [c.subject for c in checks] == [*sorted(base), "average"]
    for check in checks:
        assert check.value is not None
        assert (check.verdict is Verdict.PASS) == (check.value <= max_drop + 1e-9)
        if check.subject != "average":
            assert check.value == pytest.approx(base[check.subject] - cand[check.subject])


def test_a_drop_only_its_own_interval_supports_passes_and_says_so() -> None:
    from audit.scoring import GroupDifference

    base = _scores_of({"asian": 0.6})
    alone = GroupDifference(
        "asian",
        0.6,
        0.55,
        -0.05,
        -0.09,
        -0.01,
        77,
        significant_drop=False,
        significant_change=False,
        simultaneous_ci_low=-0.11,
        simultaneous_ci_high=0.01,
        critical_value=2.9,
        family_size=14,
    )
    together = replace(alone, simultaneous_ci_high=-0.002, significant_drop=True)
    passed = check_significant_drops([alone], base, 0.02, confidence=0.95)[0]
    assert passed.verdict is Verdict.PASS
    assert "95% CI [-0.090, -0.010] alone" in passed.detail
    assert "simultaneous 95% CI [-0.110, 0.010] over 14 checks" in passed.detail
    assert "its own interval alone lies below zero" in passed.detail
    failed = check_significant_drops([together], base, 0.02, confidence=0.95)[0]
    assert failed.verdict is Verdict.FAIL
    assert "the simultaneous interval lies below zero" in failed.detail
    # Without a simultaneous interval (no resamples) the check cannot be evaluated.
    bare = replace(alone, simultaneous_ci_low=None, simultaneous_ci_high=None)
    assert check_significant_drops([bare], base, 0.02, confidence=0.95)[0].verdict is Verdict.ERROR
