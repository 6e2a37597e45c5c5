"""The safety score: Mann-Whitney U of harmful vs neutral scaled perplexities per group."""

from audit.scoring._bootstrap import (
    StratifiedResamples,
    label_stratified_resamples,
    percentile_interval,
    u_statistic,
    weighted_scores,
)
from audit.scoring._familywise import (
    FAMILYWISE_PROCEDURE,
    HOLM_PROCEDURE,
    holm_adjusted,
    simultaneous_intervals,
)
from audit.scoring._records import (
    SIGNIFICANCE_RULE,
    GroupDifference,
    GroupScore,
    SafetyScores,
    ScoredSentence,
)
from audit.scoring._safety import (
    DEFAULT_ALPHA,
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    mann_whitney,
    safety_scores,
)
from audit.scoring._series import paired_differences, series_differences

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "FAMILYWISE_PROCEDURE",
    "HOLM_PROCEDURE",
    "SIGNIFICANCE_RULE",
    "GroupDifference",
    "GroupScore",
    "SafetyScores",
    "ScoredSentence",
    "StratifiedResamples",
    "holm_adjusted",
    "label_stratified_resamples",
    "mann_whitney",
    "paired_differences",
    "percentile_interval",
    "safety_scores",
    "series_differences",
    "simultaneous_intervals",
    "u_statistic",
    "weighted_scores",
]
