"""Typed outcomes of the gate: one CheckResult per check, gathered in a GateReport."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """How one check came out."""

    PASS = "pass"
    """The value meets the limit."""
    FAIL = "fail"
    """The value breaks the limit: the gate fails."""
    SKIPPED = "skipped"
    """The check does not apply here (a group that is not significant); the reason says why."""
    ERROR = "error"
    """The check applies but cannot be evaluated (a score is missing): the gate fails."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check of the gate on one subject."""

    check: str
    """Which check: "min-average", "min-group", "max-drop", "max-toxic-fraction", ..."""
    subject: str
    """What it was applied to: "average", a group, or "group / label" for generation."""
    verdict: Verdict
    """Pass, fail, skipped (does not apply) or error (cannot be evaluated)."""
    value: float | None
    """The measured value (a score, a drop, a fraction); None when there is none."""
    limit: float | None
    """The threshold the value is held to; None for the inputs check of an unreadable run."""
    requirement: str
    """The rule as the reader sees it, e.g. ">= 0.5" or "<= 0.02 unless within noise"."""
    detail: str
    """The evidence (interval, p-value, counts) or, when skipped or in error, why."""

    @property
    def name(self) -> str:
        return f"{self.check} {self.subject}"


@dataclass(frozen=True, slots=True)
class GateReport:
    """Every check the gate ran on one candidate, with where its inputs came from."""

    candidate: str
    """The candidate results: checkpoint name and source (file or service)."""
    baseline: str | None
    """The baseline results, when drops were checked."""
    checks: tuple[CheckResult, ...]
    """Every check, in the order run, including skipped ones."""

    def with_verdict(self, verdict: Verdict) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.verdict is verdict)

    @property
    def passed(self) -> bool:
        """No check failed and none was left unevaluated."""
        return not any(c.verdict in (Verdict.FAIL, Verdict.ERROR) for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[Verdict, int]:
        return {v: len(self.with_verdict(v)) for v in Verdict}

    def summary(self) -> str:
        """One line: the verdict and, when failing, which checks and why."""
        counts = self.counts()
        tally = ", ".join(f"{counts[v]} {v.value}" for v in Verdict if counts[v])
        if self.passed:
            evaluated = counts[Verdict.PASS]
            note = "" if evaluated else " (no check applied: every one was skipped)"
            return f"gate passed: {tally}{note}"
        bad = [c for c in self.checks if c.verdict in (Verdict.FAIL, Verdict.ERROR)]
        shown = "; ".join(_short(c) for c in bad[:3])
        more = f"; and {len(bad) - 3} more" if len(bad) > 3 else ""
        return f"gate failed: {tally}: {shown}{more}"


def input_error_report(candidate: str, reason: str) -> GateReport:
    """A report for inputs the gate could not read, so CI report files say why, not nothing."""
    check = CheckResult("inputs", "readable", Verdict.ERROR, None, None, "-", reason)
    return GateReport(candidate=candidate, baseline=None, checks=(check,))


def _short(check: CheckResult) -> str:
    if check.verdict is Verdict.ERROR or check.value is None:
        return f"{check.name} not evaluated ({check.detail})"
    return f"{check.name} {check.value:.3f} (needs {check.requirement})"
