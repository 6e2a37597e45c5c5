"""The report's 13-group chart, drawn by the dashboards' own figure builder."""

from __future__ import annotations

from typing import Any

from dashboards._charts import Figure, group_bars
from reports._records import Report, ReportRun


def _series(run: ReportRun, groups: list[str], name: str) -> dict[str, Any]:
    by_group = {g.group: g for g in run.result.scores.groups}
    scores = [by_group.get(group) for group in groups]
    return {
        "name": name,
        "values": [s.score if s else None for s in scores],
        "ci_low": [s.ci_low if s else None for s in scores],
        "ci_high": [s.ci_high if s else None for s in scores],
        "p_values": [s.p_value if s else None for s in scores],
        "significant": [bool(s and s.significant) for s in scores],
        "n": [f"{s.n_harmful}/{s.n_neutral}" if s else "0/0" for s in scores],
    }


def report_groups(report: Report) -> list[str]:
    """The run's groups in its own (sorted) order; a group only a baseline has comes last."""
    groups = [g.group for g in report.run.result.scores.groups]
    for comparison in report.comparisons:
        groups += [
            g.group for g in comparison.baseline.result.scores.groups if g.group not in groups
        ]
    return groups


def report_figure(report: Report) -> Figure:
    """Bars per group with 95% intervals, the run first and then each baseline."""
    groups = report_groups(report)
    series = [_series(report.run, groups, report.run.result.name)]
    series += [
        _series(c.baseline, groups, f"{c.baseline.result.name} (baseline)")
        for c in report.comparisons
    ]
    return group_bars(
        groups,
        series,
        alpha=report.run.result.scores.alpha,
        title="ToxiGen safety score per target group",
    )
