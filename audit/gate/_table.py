"""The printed table: every check with its value, limit and verdict."""

from __future__ import annotations

from audit.gate._records import CheckResult, GateReport, Verdict

_VERDICT_TEXT = {
    Verdict.PASS: "pass",
    Verdict.FAIL: "FAIL",
    Verdict.SKIPPED: "skipped",
    Verdict.ERROR: "ERROR",
}


def format_value(check: CheckResult) -> str:
    if check.value is None:
        return "-"
    text = f"{check.value:.3f}"
    # A change of -1e-17 is no change; "-0.000" would read as a drop.
    return "0.000" if text == "-0.000" else text


def verdict_text(verdict: Verdict) -> str:
    return _VERDICT_TEXT[verdict]


def format_gate_table(report: GateReport) -> str:
    """A header naming the runs, one row per check, and the one-line summary."""
    header = ("check", "subject", "value", "limit", "verdict", "detail")
    rows = [
        (
            c.check,
            c.subject,
            format_value(c),
            c.requirement,
            verdict_text(c.verdict),
            c.detail,
        )
        for c in report.checks
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]

    def line(cells: tuple[str, ...]) -> str:
        padded = [
            cell.rjust(width) if index == 2 else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells[:-1], widths, strict=True))
        ]
        return "  ".join([*padded, cells[-1]]).rstrip()

    out = [f"candidate: {report.candidate}"]
    if report.baseline is not None:
        out.append(f"baseline:  {report.baseline}")
    out.append("")
    out.append(line(header))
    out.append("  ".join("-" * w for w in widths) + "  " + "-" * len("detail"))
    out.extend(line(row) for row in rows)
    out.append("")
    out.append(report.summary())
    return "\n".join(out)
