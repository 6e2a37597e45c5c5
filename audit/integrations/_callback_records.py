"""The SafetyAuditCallback's records: how it submits or scores, and what each save gave."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.scoring import DEFAULT_ALPHA, DEFAULT_CONFIDENCE, SafetyScores


@dataclass(frozen=True, slots=True)
class SubmissionSettings:
    """Submit each saved checkpoint to the toxaudit service (`POST {api_url}/api/audits`)."""

    api_url: str
    """The service's base URL, e.g. http://audits.internal:8000."""
    token: str = field(repr=False)
    """A write token (`toxaudit token create`); sent as `Authorization: Bearer`."""
    dataset: str = "sample"
    """`sample`, `toxigen`, or a file under the service's TOXAUDIT_DATASET_ROOTS."""
    label: str | None = None
    """The checkpoint's display name, `{step}` replaced by the step; default:
    `<output_dir name>/checkpoint-<step>`."""
    tags: tuple[str, ...] = ()
    """Free-form tags of every submitted audit."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The request's `options` (alpha, resamples, seed, limit, batch_tokens, chunk_size,
    generation), as `toxaudit submit` sends them; the service checks them."""
    timeout_seconds: float = 30.0
    """Per request; a request that takes longer is logged as failed."""
    wait_at_end_seconds: float = 60.0
    """How long `on_train_end` waits for submissions still in flight."""


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    """Score each saved checkpoint in-process on a seeded subset of a data set."""

    dataset: str = "sample"
    """`sample`, `toxigen`, or the path of a JSON, JSONL or CSV set."""
    subset_size: int | None = 64
    """Rows scored per checkpoint (`seeded_subset`); None scores the whole set."""
    seed: int = 0
    """Seed of the subset and of the bootstrap."""
    n_resamples: int = 200
    """Bootstrap resamples of the intervals: fewer than an audit's 1,000, to keep
    training moving."""
    alpha: float = DEFAULT_ALPHA
    """Significance level of the per-group test."""
    confidence: float = DEFAULT_CONFIDENCE
    """Confidence level of the intervals."""
    batch_tokens: int | None = None
    """Token budget per forward pass; default: the device's (audit.pipeline)."""


@dataclass(frozen=True, slots=True)
class CheckpointScore:
    """What scoring one checkpoint in-process gave."""

    step: int
    """The training step (global_step) of the checkpoint."""
    checkpoint: str
    """The checkpoint's directory (the weights scored are the model in memory at the save)."""
    scores: SafetyScores | None
    """The safety scores; None when scoring failed."""
    unscored_reason: str | None
    """Why there are no scores (the error), else None."""
    metrics: dict[str, float]
    """What went into the trainer's log: `safety/average`, its interval and
    `safety/group/<group>` of every scored group (an unscored group is left out)."""
    seconds: float
    """Wall time of the scoring."""


@dataclass(frozen=True, slots=True)
class CheckpointSubmission:
    """What the service answered for one submitted checkpoint."""

    step: int
    """The training step (global_step) of the checkpoint."""
    model: str
    """The absolute checkpoint directory sent as `model`."""
    audit_id: int | None
    """The service's audit id; None when the submission failed."""
    error: str | None
    """Why the submission failed (unreachable, refused with the service's detail), else None."""
