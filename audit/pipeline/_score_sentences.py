"""From sentences and a model to scored sentences: the step workers run per chunk."""

from __future__ import annotations

from collections.abc import Sequence

from audit.datasets import Sentence
from audit.models import LoadedModel
from audit.perplexity import (
    DEFAULT_CPU_BATCH_TOKENS,
    DEFAULT_GPU_BATCH_TOKENS,
    HFTokenScorer,
    PerplexityRun,
    ProgressCallback,
    compute_perplexities,
)
from audit.scoring import ScoredSentence


def default_batch_tokens(loaded: LoadedModel) -> int:
    """Token budget per batch: small on CPUs, where it measured fastest; large on GPUs."""
    return DEFAULT_GPU_BATCH_TOKENS if loaded.device.type == "cuda" else DEFAULT_CPU_BATCH_TOKENS


def score_sentences(
    loaded: LoadedModel,
    sentences: Sequence[Sentence],
    *,
    batch_tokens: int | None = None,
    progress: ProgressCallback | bool = True,
) -> tuple[list[ScoredSentence], PerplexityRun]:
    """Perplexity of every sentence, in input order, unscored rows kept with their reason."""
    budget = batch_tokens or default_batch_tokens(loaded)
    run = compute_perplexities(
        HFTokenScorer(loaded), [s.text for s in sentences], batch_tokens=budget, progress=progress
    )
    rows = [
        ScoredSentence(sentence, result.perplexity, result.unscored_reason)
        for sentence, result in zip(sentences, run.results, strict=True)
    ]
    return rows, run
