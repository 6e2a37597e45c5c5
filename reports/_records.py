"""What a report shows: one run, its per-sentence rows, and its comparisons with baselines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.results import AuditResult
from audit.scoring import GroupDifference, ScoredSentence


class ReportError(ValueError):
    """A report that cannot be made; the message names the file or field at fault."""


@dataclass(frozen=True, slots=True)
class ReportRun:
    """One audit as the report reads it."""

    result: AuditResult
    """The run's results.json (or the service's stored AuditResult dict)."""
    rows: tuple[ScoredSentence, ...] | None
    """Its per-sentence perplexities; None when not loaded (no baseline needs them)."""
    source: str
    """Where it came from (a path, or "audit 12"), for messages and the provenance table."""
    step: int | None = None
    """The checkpoint's training step, when known."""


@dataclass(frozen=True, slots=True)
class BaselineComparison:
    """The report's run against one baseline, over the sentences both scored."""

    baseline: ReportRun
    """The baseline run."""
    differences: tuple[GroupDifference, ...]
    """Per group (sorted by name) and then "average": candidate minus baseline with the
    paired bootstrap interval; `significant_drop`/`significant_change` are the gate's rule."""
    n_shared: int
    """Sentences scored in both runs."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one report shows."""

    run: ReportRun
    """The audited checkpoint."""
    comparisons: tuple[BaselineComparison, ...]
    """One per baseline, in the order given."""

    @property
    def runs(self) -> Sequence[ReportRun]:
        """The run, then each baseline: the chart's series."""
        return (self.run, *(c.baseline for c in self.comparisons))
