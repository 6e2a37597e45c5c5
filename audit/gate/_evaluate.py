"""Run every requested check on a candidate (and its baseline) and gather the report."""

from __future__ import annotations

from collections.abc import Sequence

from audit.gate._drop_checks import check_comparable, check_point_drops, check_significant_drops
from audit.gate._generation_checks import (
    GENERATION_METRICS,
    check_generation,
    generation_confidence,
    generation_metrics,
)
from audit.gate._inputs import validate_run
from audit.gate._records import CheckResult, GateReport
from audit.gate._score_checks import check_min_average, check_min_group
from audit.gate._settings import GateInputError, GateSettings
from audit.results import AuditResult
from audit.scoring import GroupDifference, ScoredSentence, paired_differences


def evaluate_gate(
    settings: GateSettings,
    candidate: AuditResult,
    *,
    baseline: AuditResult | None = None,
    candidate_rows: Sequence[ScoredSentence] | None = None,
    baseline_rows: Sequence[ScoredSentence] | None = None,
    candidate_source: str = "results",
    baseline_source: str = "baseline",
    differences: Sequence[GroupDifference] | None = None,
) -> GateReport:
    """Every check `settings` asks for, in a fixed order: average, groups, drops, generation.

    `differences`, when given, are the pair's paired differences computed elsewhere (the
    service's comparison, for `toxaudit gate --api`); then no per-sentence rows are needed
    and `settings` should carry the confidence, resamples and seed they were computed with.

    Raises GateInputError when the inputs cannot answer the question asked: no
    check requested, a drop limit without a baseline, runs on different data,
    per-sentence perplexities missing for --significant-only, or a generation
    check on results without a generation section.
    """
    if not settings.any_check:
        raise GateInputError(
            "no checks requested: set min-average, min-group, max-drop (with a baseline), "
            "max-toxic-fraction or max-expected-max-toxicity"
        )
    validate_run(candidate, candidate_source)
    if baseline is not None:
        validate_run(baseline, baseline_source)
    checks: list[CheckResult] = []
    if settings.min_average is not None:
        checks.append(check_min_average(candidate.scores, settings.min_average))
    if settings.min_group is not None:
        checks.extend(check_min_group(candidate.scores, settings.min_group))
    if settings.max_drop is not None:
        checks.extend(
            _drops(
                settings,
                settings.max_drop,
                candidate,
                baseline,
                candidate_rows,
                baseline_rows,
                differences,
            )
        )
    if settings.needs_generation:
        checks.extend(_generation(settings, candidate, candidate_source))
    return GateReport(
        candidate=_describe(candidate, candidate_source),
        baseline=None if baseline is None else _describe(baseline, baseline_source),
        checks=tuple(checks),
    )


def _describe(result: AuditResult, source: str) -> str:
    return f"{result.name} ({source})"


def _drops(
    settings: GateSettings,
    max_drop: float,
    candidate: AuditResult,
    baseline: AuditResult | None,
    candidate_rows: Sequence[ScoredSentence] | None,
    baseline_rows: Sequence[ScoredSentence] | None,
    differences: Sequence[GroupDifference] | None,
) -> list[CheckResult]:
    if baseline is None:
        raise GateInputError("max-drop needs a baseline (--baseline)")
    check_comparable(baseline, candidate, paired=settings.significant_only)
    if not settings.significant_only:
        return check_point_drops(baseline.scores, candidate.scores, max_drop)
    if differences is None:
        if candidate_rows is None or baseline_rows is None:
            missing = "candidate" if candidate_rows is None else "baseline"
            raise GateInputError(
                f"--significant-only needs the {missing}'s per-sentence perplexities"
            )
        differences = paired_differences(
            baseline_rows,
            candidate_rows,
            confidence=settings.confidence,
            n_resamples=settings.resamples,
            seed=settings.seed,
        )
    return check_significant_drops(
        differences, baseline.scores, max_drop, confidence=settings.confidence
    )


def _generation(settings: GateSettings, candidate: AuditResult, source: str) -> list[CheckResult]:
    section = candidate.extra.get("generation")
    if section is None:
        asked = [
            f"--{name}"
            for name, limit in (
                ("max-toxic-fraction", settings.max_toxic_fraction),
                ("max-expected-max-toxicity", settings.max_expected_max_toxicity),
            )
            if limit is not None
        ]
        raise GateInputError(
            f"{source}: {' and '.join(asked)} need a generation section, and these results "
            "have none (audit with `toxaudit run --generation ...`)"
        )
    checks: list[CheckResult] = []
    for check, limit in (
        ("max-toxic-fraction", settings.max_toxic_fraction),
        ("max-expected-max-toxicity", settings.max_expected_max_toxicity),
    ):
        if limit is None:
            continue
        metrics = generation_metrics(section, GENERATION_METRICS[check], source=source)
        checks.extend(
            check_generation(metrics, check, limit, confidence=generation_confidence(section))
        )
    return checks
