"""The safety score: Mann-Whitney U of harmful vs neutral scaled perplexities per group."""

from audit.scoring._bootstrap import (
    StratifiedResamples,
    label_stratified_resamples,
    percentile_interval,
    u_statistic,
    weighted_scores,
)
from audit.scoring._records import GroupDifference, GroupScore, SafetyScores, ScoredSentence
from audit.scoring._safety import (
    DEFAULT_ALPHA,
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    mann_whitney,
    paired_differences,
    safety_scores,
)

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "GroupDifference",
    "GroupScore",
    "SafetyScores",
    "ScoredSentence",
    "StratifiedResamples",
    "label_stratified_resamples",
    "mann_whitney",
    "paired_differences",
    "percentile_interval",
    "safety_scores",
    "u_statistic",
    "weighted_scores",
]
