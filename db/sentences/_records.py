"""The read shapes of a data-set row: with one audit's perplexity, or with two audits'."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowFields:
    """What every read of a data-set row carries (the text only when asked for)."""

    row: int
    """Position in the data set (0-based)."""
    sentence_id: int
    """The record's own id, shared across audits of the same data set."""
    label: str
    """"hate" or "neutral"."""
    toxicity_score: float
    """Annotated toxicity; divides the perplexity."""
    target_groups: tuple[str, ...]
    """Groups the sentence is about."""


@dataclass(frozen=True, slots=True)
class SentenceRow(RowFields):
    """A data-set row with its perplexity under one audit's checkpoint."""

    perplexity: float | None
    """None when unscored."""
    scaled_perplexity: float | None
    """perplexity / toxicity_score; None when unscored."""
    unscored_reason: str | None
    """Why there is no perplexity."""
    text: str | None = None
    """The sentence; None from the statistics reads (`scored_rows`), which skip texts."""


@dataclass(frozen=True, slots=True)
class PairedRow(RowFields):
    """A data-set row with its perplexity under two audits (no text)."""

    baseline_perplexity: float | None
    """Under the first audit; None when it has no score there."""
    candidate_perplexity: float | None
    """Under the second audit; None when it has no score there."""
