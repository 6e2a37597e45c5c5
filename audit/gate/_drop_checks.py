"""Checks of a candidate against a baseline: how far each group's score and the average fell.

Two ways to count a drop. By point scores, the drop is baseline minus candidate
as each run reported it. With `significant_only`, the drop is measured by the
paired bootstrap over the sentences both runs scored
(`audit.scoring.paired_differences`), and it counts only when the whole
*simultaneous* interval of the change lies below zero: a drop of the same size
that the resampled sentences do not support is sampling noise, not a regression.

Every group and the average are checked at once, so the intervals that decide
are the simultaneous ones (studentised max-|t| over those checks, from the same
resamples): when nothing changed, the chance that any of the checks fails is at
most 1 - confidence, where per-check 95% intervals failed one comparison in four
on a 1,000-sentence subset. Each check's own interval stays in the evidence,
beside the verdict the simultaneous one gave.

The generation checks (`_generation_checks`) compare one run's point estimates
with fixed limits; they test no change between runs and use no interval for
their verdict, so they are not part of this family.
"""

from __future__ import annotations

from collections.abc import Sequence

from audit.gate._records import CheckResult, Verdict
from audit.gate._score_checks import TOLERANCE, interval_text
from audit.gate._settings import GateInputError
from audit.results import AuditResult
from audit.scoring import GroupDifference, SafetyScores


def check_comparable(baseline: AuditResult, candidate: AuditResult, *, paired: bool) -> None:
    """Raise GateInputError when a drop between the two runs would mean nothing."""
    if baseline.dataset.sha256 != candidate.dataset.sha256:
        raise GateInputError(
            "baseline and candidate were scored on different data sets "
            f"(baseline {baseline.dataset.name!r} sha256 {baseline.dataset.sha256[:12]}, "
            f"candidate {candidate.dataset.name!r} sha256 {candidate.dataset.sha256[:12]}); "
            "a drop between them is not a regression"
        )
    if not paired and baseline.dataset.n_sentences != candidate.dataset.n_sentences:
        raise GateInputError(
            "baseline and candidate scored different subsets of the data set "
            f"({baseline.dataset.n_sentences} vs {candidate.dataset.n_sentences} sentences); "
            "use --significant-only, which compares the sentences both runs scored"
        )


def _requirement(max_drop: float, significant_only: bool) -> str:
    return f"<= {max_drop:g}" + (" unless within noise" if significant_only else "")


def _scored(scores: SafetyScores) -> dict[str, float | None]:
    return {g.group: g.score for g in scores.groups}


def check_point_drops(
    baseline: SafetyScores, candidate: SafetyScores, max_drop: float
) -> list[CheckResult]:
    """Baseline minus candidate point score, per group and on the average, at most `max_drop`."""
    requirement = _requirement(max_drop, False)
    base, cand = _scored(baseline), _scored(candidate)
    reasons = {g.group: g.unscored_reason for g in candidate.groups}
    out: list[CheckResult] = []

    def result(subject: str, verdict: Verdict, value: float | None, detail: str) -> None:
        out.append(CheckResult("max-drop", subject, verdict, value, max_drop, requirement, detail))

    for group in sorted(base.keys() | cand.keys()):
        b = base.get(group)
        if b is None:
            why = "not in the baseline" if group not in base else "the baseline has no score"
            result(group, Verdict.SKIPPED, None, why)
            continue
        if group not in cand:
            result(group, Verdict.ERROR, None, "the candidate results do not name this group")
            continue
        c = cand[group]
        if c is None:
            result(group, Verdict.ERROR, None, f"the candidate has no score: {reasons[group]}")
            continue
        drop = b - c
        verdict = Verdict.PASS if drop <= max_drop + TOLERANCE else Verdict.FAIL
        result(group, verdict, drop, f"baseline {b:.3f}, candidate {c:.3f}")

    scored_base = {g for g, s in base.items() if s is not None}
    scored_cand = {g for g, s in cand.items() if s is not None}
    if baseline.average is None or candidate.average is None:
        result("average", Verdict.ERROR, None, "a run has no average (no scored group)")
    elif scored_base != scored_cand:
        missing = sorted(scored_base ^ scored_cand)
        result(
            "average",
            Verdict.ERROR,
            None,
            f"the averages cover different groups (only one run scored {', '.join(missing)})",
        )
    else:
        drop = baseline.average - candidate.average
        verdict = Verdict.PASS if drop <= max_drop + TOLERANCE else Verdict.FAIL
        result(
            "average",
            verdict,
            drop,
            f"baseline {baseline.average:.3f}, candidate {candidate.average:.3f}",
        )
    return out


def _evidence(diff: GroupDifference, confidence: float) -> str:
    assert diff.difference is not None
    own = interval_text(diff.ci_low, diff.ci_high, confidence)
    together = interval_text(diff.simultaneous_ci_low, diff.simultaneous_ci_high, confidence)
    return (
        f"change {diff.difference:+.3f}, {own} alone, simultaneous {together} "
        f"over {diff.family_size} checks, {diff.n_shared} shared sentences"
    )


def _significant_check(diff: GroupDifference, max_drop: float, confidence: float) -> CheckResult:
    requirement = _requirement(max_drop, True)
    assert diff.difference is not None
    drop = -diff.difference
    if diff.simultaneous_ci_low is None or diff.simultaneous_ci_high is None:
        return CheckResult(
            "max-drop",
            diff.group,
            Verdict.ERROR,
            drop,
            max_drop,
            requirement,
            f"no bootstrap interval over {diff.n_shared} shared sentences",
        )
    evidence = _evidence(diff, confidence)

    def result(verdict: Verdict, detail: str) -> CheckResult:
        return CheckResult("max-drop", diff.group, verdict, drop, max_drop, requirement, detail)

    if drop <= max_drop + TOLERANCE:
        return result(Verdict.PASS, evidence)
    if diff.significant_drop:
        return result(
            Verdict.FAIL, f"{evidence}: the simultaneous interval lies below zero, a real drop"
        )
    alone = (
        " (its own interval alone lies below zero, as one of "
        f"{diff.family_size} checks often will by chance)"
        if diff.ci_high is not None and diff.ci_high < 0
        else ""
    )
    return result(
        Verdict.PASS,
        f"{evidence}: the simultaneous interval includes zero, within sampling noise{alone}",
    )


def check_significant_drops(
    differences: Sequence[GroupDifference],
    baseline: SafetyScores,
    max_drop: float,
    *,
    confidence: float,
) -> list[CheckResult]:
    """Drops from `paired_differences`, failing only those larger than `max_drop` and
    significant family-wise (the simultaneous interval lies below zero).

    A group the baseline scored but the paired comparison could not (no shared
    sentences of one label) is an error, not a pass.
    """
    requirement = _requirement(max_drop, True)
    base = _scored(baseline)
    seen: set[str] = set()
    out: list[CheckResult] = []
    for diff in differences:
        seen.add(diff.group)
        if diff.difference is not None:
            out.append(_significant_check(diff, max_drop, confidence))
        elif base.get(diff.group) is None:
            out.append(
                CheckResult(
                    "max-drop",
                    diff.group,
                    Verdict.SKIPPED,
                    None,
                    max_drop,
                    requirement,
                    "the baseline has no score",
                )
            )
        else:
            out.append(
                CheckResult(
                    "max-drop",
                    diff.group,
                    Verdict.ERROR,
                    None,
                    max_drop,
                    requirement,
                    f"only {diff.n_shared} shared sentences, not both labels",
                )
            )
    for group in sorted(g for g, s in base.items() if s is not None and g not in seen):
        out.append(
            CheckResult(
                "max-drop",
                group,
                Verdict.ERROR,
                None,
                max_drop,
                requirement,
                "no sentence of this group was scored in both runs",
            )
        )
    if "average" not in seen:
        out.append(
            CheckResult(
                "max-drop",
                "average",
                Verdict.ERROR,
                None,
                max_drop,
                requirement,
                "no group could be compared on shared sentences",
            )
        )
    return out
