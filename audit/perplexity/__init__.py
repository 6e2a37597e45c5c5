"""Sentence perplexities: the batched engine and the one-sentence reference."""

from audit.perplexity._collator import Collator
from audit.perplexity._engine import (
    DEFAULT_CPU_BATCH_TOKENS,
    DEFAULT_GPU_BATCH_TOKENS,
    BatchCallback,
    PerplexityResult,
    PerplexityRun,
    ProgressCallback,
    compute_perplexities,
)
from audit.perplexity._reference import reference_perplexities, reference_perplexity
from audit.perplexity._scorer import (
    DEFAULT_PACKING,
    PACKABLE,
    PROJECT_AT_SCORED_POSITIONS,
    HFTokenScorer,
    OutOfMemoryError,
    Packing,
    TokenScorer,
)

__all__ = [
    "DEFAULT_CPU_BATCH_TOKENS",
    "DEFAULT_GPU_BATCH_TOKENS",
    "DEFAULT_PACKING",
    "PACKABLE",
    "PROJECT_AT_SCORED_POSITIONS",
    "BatchCallback",
    "Collator",
    "HFTokenScorer",
    "OutOfMemoryError",
    "Packing",
    "PerplexityResult",
    "PerplexityRun",
    "ProgressCallback",
    "TokenScorer",
    "compute_perplexities",
    "reference_perplexities",
    "reference_perplexity",
]
