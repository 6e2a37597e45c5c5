"""One whole audit: load, score perplexities, compute the safety score, record provenance."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from audit.datasets import Dataset
from audit.models import LoadedModel
from audit.perplexity import ProgressCallback
from audit.pipeline._journal import PerplexityJournal
from audit.pipeline._score_sentences import default_batch_tokens, score_sentences
from audit.results import (
    AuditResult,
    AuditSettings,
    DatasetRef,
    machine_description,
    software_versions,
)
from audit.scoring import ScoredSentence, safety_scores


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """Settings of a safety-score audit."""

    alpha: float = 0.05
    """Significance level."""
    confidence: float = 0.95
    """Confidence level of the bootstrap intervals."""
    n_resamples: int = 1000
    """Bootstrap resamples."""
    seed: int = 0
    """Bootstrap seed."""
    batch_tokens: int | None = None
    """Token budget per forward pass; None picks by device."""
    limit: int | None = None
    """Score only the first N rows."""


def limit_dataset(dataset: Dataset, limit: int | None) -> Dataset:
    if limit is None:
        return dataset
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return Dataset(dataset.name, dataset.sentences[:limit], dataset.sha256, dataset.source)


def build_result(
    *,
    name: str,
    loaded_info: dict[str, object],
    dataset: Dataset,
    rows: Sequence[ScoredSentence],
    options: AuditOptions,
    batch_tokens: int,
    timings: dict[str, float],
    truncated: int,
) -> AuditResult:
    """Statistics and provenance for scored rows (shared by the CLI and the workers)."""
    start = time.perf_counter()
    scores = safety_scores(
        rows,
        alpha=options.alpha,
        confidence=options.confidence,
        n_resamples=options.n_resamples,
        seed=options.seed,
    )
    timings = {**timings, "statistics_seconds": time.perf_counter() - start}
    return AuditResult(
        name=name,
        model=dict(loaded_info),
        dataset=DatasetRef(dataset.name, dataset.source, dataset.sha256, len(dataset)),
        settings=AuditSettings(
            batch_tokens=batch_tokens,
            alpha=options.alpha,
            confidence=options.confidence,
            n_resamples=options.n_resamples,
            seed=options.seed,
            limit=options.limit,
        ),
        scores=scores,
        unscored=dict(Counter(r.unscored_reason for r in rows if r.unscored_reason)),
        truncated=truncated,
        timings=timings,
        software=software_versions(),
        machine=machine_description(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def run_audit(
    loaded: LoadedModel,
    dataset: Dataset,
    *,
    name: str | None = None,
    options: AuditOptions | None = None,
    load_seconds: float = 0.0,
    progress: ProgressCallback | bool = True,
    journal: PerplexityJournal | None = None,
) -> tuple[AuditResult, list[ScoredSentence]]:
    """Score every sentence and compute the safety score, with full provenance.

    With a journal, perplexities are saved batch by batch and an interrupted run
    picks up where it stopped.
    """
    options = options or AuditOptions()
    dataset = limit_dataset(dataset, options.limit)
    budget = options.batch_tokens or default_batch_tokens(loaded)
    rows, run = score_sentences(
        loaded, dataset.sentences, batch_tokens=budget, progress=progress, journal=journal
    )
    result = build_result(
        name=name or loaded.info.spec.reference,
        loaded_info=loaded.info.to_dict(),
        dataset=dataset,
        rows=rows,
        options=options,
        batch_tokens=budget,
        timings={
            "load_seconds": load_seconds,
            "perplexity_seconds": run.seconds,
            "sentences_per_second": len(run.results) / run.seconds if run.seconds > 0 else 0.0,
        },
        truncated=sum(1 for row in rows if row.truncated),
    )
    return result, rows
