"""Per-group metrics of audits: the safety score per group and the generation metrics."""

from db.scores._group_scores import (
    GENERATION_HEADLINE_METRIC,
    SAFETY_METRIC,
    GroupValue,
    audit_group_scores,
    generation_metric_names,
    generation_toxicity,
    group_values,
)

__all__ = [
    "GENERATION_HEADLINE_METRIC",
    "SAFETY_METRIC",
    "GroupValue",
    "audit_group_scores",
    "generation_metric_names",
    "generation_toxicity",
    "group_values",
]
