"""The comparison of audits: one function, one settings rule, one record, cached.

`compare_audits(session, audit_ids, settings)` is what `/api/compare`, the dashboards'
compare page (and its downloads) and `toxaudit gate --api` all report.
"""

from db.compare._cache import COMPARISON_METHOD, cached_differences
from db.compare._compare import compare_audits, compared_audits, side_by_side
from db.compare._records import (
    SIGNIFICANCE_PROCEDURE,
    ComparedAudit,
    ComparedGroup,
    ComparedScore,
    Comparison,
    ComparisonError,
    ComparisonErrorKind,
    ComparisonSettings,
    PairedComparison,
    RequestedSettings,
)
from db.compare._rule import DEFAULT_MAX_COMPARED_AUDITS, MAX_SEED, resolve_settings

__all__ = [
    "COMPARISON_METHOD",
    "DEFAULT_MAX_COMPARED_AUDITS",
    "MAX_SEED",
    "SIGNIFICANCE_PROCEDURE",
    "ComparedAudit",
    "ComparedGroup",
    "ComparedScore",
    "Comparison",
    "ComparisonError",
    "ComparisonErrorKind",
    "ComparisonSettings",
    "PairedComparison",
    "RequestedSettings",
    "cached_differences",
    "compare_audits",
    "compared_audits",
    "resolve_settings",
    "side_by_side",
]
