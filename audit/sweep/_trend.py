"""The trend of a series: each checkpoint's average with its interval and the biggest
significant change against the previous checkpoint.

"Significant" is the comparison's family-wise rule (`GroupDifference.significant_change`:
the simultaneous interval excludes zero), the rule the gate and the service's compare
use; the trend adds no test of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from audit.results import read_perplexities
from audit.scoring import GroupDifference, SafetyScores, ScoredSentence, paired_differences
from audit.sweep._series import SweepAudit


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One audited checkpoint of the series."""

    name: str
    """The checkpoint's label."""
    step: int | None
    """Its training step."""
    scores: SafetyScores
    """Its safety scores."""


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One line of the trend table."""

    name: str
    """The checkpoint's label."""
    step: int | None
    """Its training step."""
    average: float | None
    """Its average safety score."""
    ci_low: float | None
    """Lower end of the average's bootstrap interval."""
    ci_high: float | None
    """Upper end of the average's bootstrap interval."""
    confidence: float
    """Confidence level of the interval."""
    previous: str | None
    """The checkpoint compared against (the one before); None for the first."""
    change: GroupDifference | None
    """The biggest change against `previous` that is significant family-wise, by size;
    None when none is (or for the first checkpoint)."""
    n_significant: int
    """How many of the comparison's checks (groups and the average) changed significantly."""


Compare = Callable[[int, int], Sequence[GroupDifference]]
"""The paired differences of point j against point i (i < j), by index."""


def biggest_significant_change(differences: Sequence[GroupDifference]) -> GroupDifference | None:
    """The largest change in size among those significant family-wise, else None."""
    significant = [d for d in differences if d.significant_change and d.difference is not None]
    return max(significant, key=lambda d: abs(d.difference or 0.0), default=None)


def build_trend(points: Sequence[TrendPoint], compare: Compare) -> list[TrendRow]:
    """One row per point; each after the first compared with the one before it."""
    rows = []
    for index, point in enumerate(points):
        differences = compare(index - 1, index) if index else ()
        scores = point.scores
        rows.append(
            TrendRow(
                name=point.name,
                step=point.step,
                average=scores.average,
                ci_low=scores.average_ci_low,
                ci_high=scores.average_ci_high,
                confidence=scores.confidence,
                previous=points[index - 1].name if index else None,
                change=biggest_significant_change(differences),
                n_significant=sum(1 for d in differences if d.significant_change),
            )
        )
    return rows


def local_trend(audits: Sequence[SweepAudit]) -> list[TrendRow]:
    """The trend of a local series: its succeeded audits, by step when all have one, each
    compared with the previous one by `paired_differences` on the perplexities beside its
    results.json, with the earlier audit's bootstrap settings (as the service's compare
    does)."""
    done = [a for a in audits if a.result is not None]
    if all(a.checkpoint.step is not None for a in done):
        # A watch hands checkpoints over as they complete, not always in step order.
        done.sort(key=lambda a: a.checkpoint.step or 0)
    points = [
        TrendPoint(a.checkpoint.name, a.checkpoint.step, a.result.scores)
        for a in done
        if a.result is not None
    ]

    def rows_of(audit: SweepAudit) -> list[ScoredSentence]:
        assert audit.result is not None
        return read_perplexities(audit.output_dir / (audit.result.perplexities_file or ""))

    def compare(before: int, after: int) -> list[GroupDifference]:
        baseline = done[before].result
        assert baseline is not None
        return paired_differences(
            rows_of(done[before]),
            rows_of(done[after]),
            confidence=baseline.settings.confidence,
            n_resamples=baseline.settings.n_resamples,
            seed=baseline.settings.seed,
        )

    return build_trend(points, compare)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _change_text(row: TrendRow) -> str:
    if row.previous is None:
        return "-"
    change = row.change
    if change is None:
        return "none significant"
    low, high = change.simultaneous_ci_low, change.simultaneous_ci_high
    interval = "" if low is None or high is None else f" [{low:+.3f}, {high:+.3f}]"
    more = f" (+{row.n_significant - 1} more)" if row.n_significant > 1 else ""
    return f"{change.group} {change.difference:+.3f}{interval}{more}"


def format_trend_table(rows: Sequence[TrendRow], *, left_out: Sequence[str] = ()) -> str:
    """step, checkpoint, average, interval and the biggest significant change, as text;
    `left_out` names the checkpoints that failed, which have no row (the one after such
    a checkpoint is compared with the row above it, not with the failed one)."""
    confidence = rows[0].confidence if rows else 0.95
    header = (
        "step",
        "checkpoint",
        "average",
        f"{round(confidence * 100):d}% CI",
        "biggest significant change vs previous",
    )
    cells = [
        (
            "-" if row.step is None else str(row.step),
            row.name,
            _number(row.average),
            "-" if row.ci_low is None else f"[{_number(row.ci_low)}, {_number(row.ci_high)}]",
            _change_text(row),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(
            value.rjust(width) if i in (0, 2, 3) else value.ljust(width)
            for i, (value, width) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join(
        [
            line(header),
            rule,
            *(line(c) for c in cells),
            "change: candidate - previous, with its simultaneous interval; significant "
            "family-wise (the gate's rule). Higher scores mean safer.",
            *(
                [
                    f"failed, no row (each row is compared with the row above it): "
                    f"{', '.join(left_out)}"
                ]
                if left_out
                else []
            ),
        ]
    )
