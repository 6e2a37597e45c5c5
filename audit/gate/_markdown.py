"""Markdown for CI job summaries (GitHub's $GITHUB_STEP_SUMMARY, merge-request notes)."""

from __future__ import annotations

from audit.gate._records import GateReport, Verdict
from audit.gate._table import format_value

_ICONS = {
    Verdict.PASS: "✅ pass",
    Verdict.FAIL: "❌ **fail**",
    Verdict.SKIPPED: "⏭️ skipped",
    Verdict.ERROR: "⚠️ **not evaluated**",
}


def _cell(text: str) -> str:
    # A pipe or newline inside a cell would break the table.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_summary(report: GateReport) -> str:
    """A heading with the verdict, the runs compared, and a table of every check."""
    title = "passed" if report.passed else "failed"
    lines = [
        f"## {'✅' if report.passed else '❌'} toxaudit gate {title}",
        "",
        f"- **candidate**: `{_cell(report.candidate)}`",
    ]
    if report.baseline is not None:
        lines.append(f"- **baseline**: `{_cell(report.baseline)}`")
    lines += [
        "",
        _cell(report.summary()),
        "",
        "| check | subject | value | limit | verdict | detail |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    # Failures first: a long table should show what broke without scrolling.
    order = {Verdict.FAIL: 0, Verdict.ERROR: 1, Verdict.PASS: 2, Verdict.SKIPPED: 3}
    for check in sorted(report.checks, key=lambda c: order[c.verdict]):
        cells = (
            check.check,
            check.subject,
            format_value(check),
            check.requirement,
            _ICONS[check.verdict],
            check.detail,
        )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
