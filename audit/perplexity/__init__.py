"""Sentence perplexities (causal LMs) and pseudo-perplexities (masked LMs): the batched
engine and the one-sentence references."""

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
from audit.perplexity._masked import (
    MLM_HEAD_ATTRIBUTES,
    SAFENLP_MASK_TOKEN_ID,
    MaskedTokenScorer,
    token_scorer,
)
from audit.perplexity._reference import (
    reference_perplexities,
    reference_perplexity,
    reference_pseudo_perplexity,
)
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
    "MLM_HEAD_ATTRIBUTES",
    "PACKABLE",
    "PROJECT_AT_SCORED_POSITIONS",
    "SAFENLP_MASK_TOKEN_ID",
    "BatchCallback",
    "Collator",
    "HFTokenScorer",
    "MaskedTokenScorer",
    "OutOfMemoryError",
    "Packing",
    "PerplexityResult",
    "PerplexityRun",
    "ProgressCallback",
    "TokenScorer",
    "compute_perplexities",
    "reference_perplexities",
    "reference_perplexity",
    "reference_pseudo_perplexity",
    "token_scorer",
]
