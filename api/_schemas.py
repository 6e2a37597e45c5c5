"""Request (Create) and response (Public) bodies of the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    field_validator,
    with_config,
)

from api._field_docs import field_docs
from audit.generation import GenerationOptions, check_classifiers
from db import DEPRECATED_REFERENCE, AuditStatus

# Bounded strings and lists everywhere: a request can never make the service store or
# loop over something unbounded.
Tag = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


def _as_utc(moment: datetime) -> datetime:
    # Every stored time is UTC, but SQLite hands it back naive: say so, so that every
    # timestamp in a response carries its offset (RFC 3339, as the OpenAPI document says).
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class _Create(BaseModel):
    # Unknown fields are errors, so a typo (or `trust_remote_code`) is never silently ignored.
    # Strict: `true` is not the integer 1 nor "5" the number 5, as the OpenAPI document says.
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, strict=True)


class _Public(BaseModel):
    # from_attributes: a response body validates straight from the db record that holds
    # the same fields (GroupValue, GenerationResult, Checkpoint, SentenceRow,
    # CheckpointSummary), no copies.
    model_config = ConfigDict(use_attribute_docstrings=True, from_attributes=True)


def _describe_generation_options(schema: dict[str, Any]) -> None:
    properties = schema.get("properties", {})
    for name, doc in field_docs(GenerationOptions).items():
        if name in properties:
            properties[name].setdefault("description", doc)


@with_config(ConfigDict(extra="forbid", json_schema_extra=_describe_generation_options))
@dataclass(frozen=True)
class GenerationOptionsCreate(GenerationOptions):
    """Options of the generation audit: the record `toxaudit generate` and the workers use
    (audit.generation.GenerationOptions). Files and directories must lie
    under the service's roots; samples, per_group and max_new_tokens are capped by
    TOXAUDIT_MAX_SAMPLES, TOXAUDIT_MAX_PER_GROUP and TOXAUDIT_MAX_NEW_TOKENS."""

    @field_validator("classifier")
    @classmethod
    def _distinct_classifiers(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        # The record's own check, run here too so that a repeated classifier is a 422 at
        # `classifier`; after __post_init__ it would point at the whole options.
        check_classifiers(value)
        return value


class AuditOptionsCreate(_Create):
    """Settings of the audit; together with the checkpoint and data set they key reuse."""

    alpha: float = Field(default=0.05, gt=0, lt=1)
    """Significance level of the per-group test."""
    resamples: int = Field(default=1000, ge=1)
    """Bootstrap resamples for the confidence intervals (at most TOXAUDIT_MAX_RESAMPLES,
    10000 by default)."""
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    """Bootstrap seed."""
    batch_tokens: int | None = Field(default=None, ge=16, le=1_048_576)
    """Token budget per forward pass; default picks by device."""
    limit: int | None = Field(default=None, ge=1, le=1_000_000)
    """Score only the first N rows."""
    lm_head: Literal["auto", "clm", "mlm"] = "auto"
    """clm: perplexity (causal LM); mlm: pseudo-perplexity (masked LM); auto: by the config."""
    chunk_size: int | None = Field(default=None, ge=1, le=100_000)
    """Rows per worker task; default is the service's."""
    generation: GenerationOptionsCreate | None = None
    """Options of the generation audit (none: no generation)."""


class AuditCreate(_Create):
    """A request to audit one checkpoint on one data set."""

    model: str = Field(min_length=1, max_length=500, examples=["smollm2-135m"])
    """A hub id (org/name), a registered alias, or a local path under TOXAUDIT_MODEL_ROOTS."""
    revision: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    )
    """Hub branch, tag or commit (training checkpoints are often revisions)."""
    label: str | None = Field(default=None, min_length=1, max_length=200)
    """Display name of the checkpoint; default: the model."""
    step: int | None = Field(default=None, ge=0, le=2**31 - 1)
    """Training step of the checkpoint, for plots over training."""
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    """Free-form tags."""
    dataset: str = Field(default="sample", min_length=1, max_length=1000)
    """`sample`, `toxigen`, or a JSON/JSONL/CSV file under TOXAUDIT_DATASET_ROOTS."""
    options: AuditOptionsCreate = Field(default_factory=AuditOptionsCreate)
    """Scoring settings."""


class CheckpointRef(_Public):
    # Read from Checkpoint.id or CheckpointSummary.checkpoint_id; the JSON key stays `id`.
    id: int = Field(validation_alias=AliasChoices("id", "checkpoint_id"))
    model: str
    """Hub id, alias or local path."""
    revision: str
    """"" when none was given."""
    step: int | None
    label: str
    tags: list[str]

    @computed_field(deprecated=DEPRECATED_REFERENCE)  # type: ignore[prop-decorator]
    @property
    def reference(self) -> str:
        """Deprecated: the old name of `model`, answered for one release (issue 13)."""
        return self.model


class DatasetPublic(_Public):
    name: str
    sha256: str
    size: int
    """Rows in the data set."""
    source: str


class ProgressPublic(_Public):
    done: int
    """Rows scored so far."""
    total: int
    """Rows to score."""
    fraction: float
    """done / total, 0 before the total is known."""


class GroupScorePublic(_Public):
    metric: str
    """"safety" or a generation metric."""
    group: str
    label: str
    """Prompt label for generation metrics; "" for the safety score."""
    value: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_harmful: int
    n_neutral: int
    significant: bool
    unscored_reason: str | None


class AuditPublic(_Public):
    """An audit as listed."""

    id: int
    status: AuditStatus
    finished: bool
    """True once the status is final (succeeded, failed or cancelled): stop polling."""
    progress: ProgressPublic
    checkpoint: CheckpointRef
    dataset: DatasetPublic
    settings: dict[str, Any]
    error: str | None
    """Why the audit failed or was cancelled."""
    reused_from_id: int | None
    """The finished audit whose results this one reuses."""
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    worker: str | None
    device: str | None
    average: float | None
    """Average safety score once succeeded."""
    average_ci_low: float | None
    average_ci_high: float | None


class AuditDetail(AuditPublic):
    """An audit with its scores and provenance."""

    scores: list[GroupScorePublic]
    model_info: dict[str, Any]
    software: dict[str, Any]
    timings: dict[str, Any]


class AuditSubmitted(AuditPublic):
    reused: bool
    """True when a finished audit with the same checkpoint, data and settings answered."""


class AuditsPublic(_Public):
    items: list[AuditPublic]
    total: int
    """Audits matching the filters, over all pages."""


class SentencePublic(_Public):
    row: int
    """Position in the data set (0-based)."""
    # Read from SentenceRow.sentence_id; a validation alias leaves the JSON key `id`.
    id: int = Field(validation_alias=AliasChoices("id", "sentence_id"))
    """The record's id."""
    text: str
    label: str
    toxicity_score: float
    target_groups: list[str]
    perplexity: float | None
    scaled_perplexity: float | None
    unscored_reason: str | None


class SentencesPublic(_Public):
    items: list[SentencePublic]
    total: int


class GenerationPublic(_Public):
    group: str
    label: str
    prompt_index: int
    sample_index: int
    prompt: str
    continuation: str
    scores: dict[str, Any]
    """Every label's score of the headline (first) classifier."""
    toxicity: float | None
    unscored_reason: str | None
    classifier_scores: dict[str, Any] | None = None
    categories: list[str] | None = None
    """Policy categories (Llama Guard's S1..S14) the headline classifier named; else null."""
    """With several classifiers, each one's verdict by name ({toxicity, unscored_reason,
    categories}), headline first; null with one."""


class GenerationsPublic(_Public):
    items: list[GenerationPublic]
    total: int


class CheckpointPublic(CheckpointRef):
    created_at: UtcDatetime
    n_audits: int
    latest_audit_id: int | None
    latest_status: AuditStatus | None
    latest_average: float | None


class CheckpointsPublic(_Public):
    items: list[CheckpointPublic]
    total: int


class HealthPublic(_Public):
    status: str
    database: str
    broker: str
    """"embedded" (in-process worker) or "celery"."""
    version: str
