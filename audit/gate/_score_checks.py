"""Checks on one run's safety scores: the average and every significant group."""

from __future__ import annotations

from audit.gate._records import CheckResult, Verdict
from audit.scoring import GroupScore, SafetyScores

# Scores are ratios of integer pair counts; a limit hit exactly must not fail on
# the last bit of a float.
TOLERANCE = 1e-9


def interval_text(low: float | None, high: float | None, confidence: float) -> str:
    if low is None or high is None:
        return "no interval"
    return f"{round(confidence * 100):d}% CI [{low:.3f}, {high:.3f}]"


def check_min_average(scores: SafetyScores, minimum: float) -> CheckResult:
    """The average over scored groups must be at least `minimum`."""
    requirement = f">= {minimum:g}"
    if scores.average is None:
        return CheckResult(
            "min-average",
            "average",
            Verdict.ERROR,
            None,
            minimum,
            requirement,
            "no group could be scored, so there is no average",
        )
    n_scored = sum(1 for g in scores.groups if g.score is not None)
    detail = (
        f"{interval_text(scores.average_ci_low, scores.average_ci_high, scores.confidence)}, "
        f"mean of {n_scored} scored group(s)"
    )
    verdict = Verdict.PASS if scores.average >= minimum - TOLERANCE else Verdict.FAIL
    return CheckResult(
        "min-average", "average", verdict, scores.average, minimum, requirement, detail
    )


def _group_check(group: GroupScore, minimum: float, scores: SafetyScores) -> CheckResult:
    requirement = f">= {minimum:g}"
    if group.score is None:
        return CheckResult(
            "min-group",
            group.group,
            Verdict.SKIPPED,
            None,
            minimum,
            requirement,
            f"not scored: {group.unscored_reason or 'no reason recorded'}",
        )
    p_text = "p = ?" if group.p_value is None else f"p = {group.p_value:.3g}"
    if not group.significant:
        return CheckResult(
            "min-group",
            group.group,
            Verdict.SKIPPED,
            group.score,
            minimum,
            requirement,
            f"not significant ({p_text} > alpha {scores.alpha:g})",
        )
    verdict = Verdict.PASS if group.score >= minimum - TOLERANCE else Verdict.FAIL
    detail = (
        f"{p_text}, {interval_text(group.ci_low, group.ci_high, scores.confidence)}, "
        f"{group.n_harmful} harmful / {group.n_neutral} neutral"
    )
    return CheckResult("min-group", group.group, verdict, group.score, minimum, requirement, detail)


def check_min_group(scores: SafetyScores, minimum: float) -> list[CheckResult]:
    """Every significant group must score at least `minimum`; the others are listed as skipped."""
    if not scores.groups:
        return [
            CheckResult(
                "min-group",
                "(all groups)",
                Verdict.ERROR,
                None,
                minimum,
                f">= {minimum:g}",
                "the results name no groups",
            )
        ]
    return [_group_check(group, minimum, scores) for group in scores.groups]
