"""What the service client reads from the service: an audit's results, a comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.results import AuditResult
    from audit.scoring import GroupDifference


@dataclass(frozen=True, slots=True)
class ServiceRun:
    """One audit's results fetched from the service."""

    audit_id: str
    """The audit's id on the service."""
    result: AuditResult
    """Its results.json."""
    source: str
    """Where it came from, for the report: "audit ID at URL"."""


@dataclass(frozen=True, slots=True)
class ServiceComparison:
    """The service's comparison of one pair (GET /api/compare), as the gate uses it."""

    differences: tuple[GroupDifference, ...]
    """The pair's paired differences, the average last."""
    resamples: int
    """Paired bootstrap resamples the service used."""
    seed: int
    """Seed it used."""
    confidence: float
    """Confidence level of the intervals."""
    source: str
    """The URL asked, for messages."""
