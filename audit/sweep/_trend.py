"""The trend of a series: each checkpoint's average with its interval and the biggest
significant change against the previous checkpoint.

"Significant" holds over the whole table: every group and the average of every row are
one family (`audit.scoring.series_differences`: simultaneous intervals over all of
them), so when nothing changed along the series, any mark at all appears at most about
1 - confidence of the time. Marked row by row instead (each comparison its own family,
as the gate judges one pair), a series of ten rows showed a false change in about one
series in six (benchmarks/trend_false_alarms.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.results import AuditResult, read_perplexities
from audit.scoring import GroupDifference, ScoredSentence, series_differences
from audit.sweep._series import SweepAudit


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One audited checkpoint of the series."""

    name: str
    """The checkpoint's label."""
    step: int | None
    """Its training step."""
    result: AuditResult
    """Its results: the safety scores, and the bootstrap settings (the first point's
    are the trend's)."""
    rows: Sequence[ScoredSentence]
    """Its per-sentence perplexities, which the comparisons read."""


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
    """The biggest change against `previous` that is significant over the series' family,
    by size; None when none is (or for the first checkpoint)."""
    n_significant: int
    """How many of the row's checks (groups and the average) changed significantly."""


def biggest_significant_change(differences: Sequence[GroupDifference]) -> GroupDifference | None:
    """The largest change in size among those marked significant, else None."""
    significant = [d for d in differences if d.significant_change and d.difference is not None]
    return max(significant, key=lambda d: abs(d.difference or 0.0), default=None)


def build_trend(points: Sequence[TrendPoint]) -> list[TrendRow]:
    """One row per point; each after the first compared with the one before it, the
    series one family (`series_differences`, with the first point's bootstrap settings)."""
    if not points:
        return []
    settings = points[0].result.settings
    series = series_differences(
        [point.rows for point in points],
        confidence=settings.confidence,
        n_resamples=settings.n_resamples,
        seed=settings.seed,
    )
    rows = []
    for index, point in enumerate(points):
        differences = series[index - 1] if index else []
        scores = point.result.scores
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
    """The trend of a local series: its succeeded audits, by step when all have one, on
    the perplexities beside each results.json, with the first audit's bootstrap
    settings."""
    done = [a for a in audits if a.result is not None]
    if all(a.checkpoint.step is not None for a in done):
        # A watch hands checkpoints over as they complete, not always in step order.
        done.sort(key=lambda a: a.checkpoint.step or 0)
    points = []
    for audit in done:
        assert audit.result is not None
        rows = read_perplexities(audit.output_dir / (audit.result.perplexities_file or ""))
        points.append(TrendPoint(audit.checkpoint.name, audit.checkpoint.step, audit.result, rows))
    return build_trend(points)


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
            "change: checkpoint - previous, with its simultaneous interval; significant over "
            "the whole table (every group and average of every row one family), so a mark "
            f"by chance alone appears in at most about {1 - confidence:.0%} of tables. Higher "
            "scores mean safer.",
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
