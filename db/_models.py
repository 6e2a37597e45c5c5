"""SQLAlchemy 2.0 models: checkpoints, datasets, audits and their results."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class AuditStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (AuditStatus.succeeded, AuditStatus.failed, AuditStatus.cancelled)


DEPRECATED_REFERENCE = (
    "Deprecated: the old name of `model` (issue 13), answered for one release; read `model`."
)
"""What the API's answers say of their `reference` field, the checkpoint's model by its
name before issue 13's rename."""


class Checkpoint(Base):
    """A checkpoint: a model (hub id, path, alias) at a revision."""

    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("model", "revision", name="uq_checkpoint_ref_rev"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(500))
    # "" rather than NULL for "no revision", so the unique constraint holds on PostgreSQL.
    revision: Mapped[str] = mapped_column(String(200), default="")
    step: Mapped[int | None] = mapped_column(Integer, index=True)
    label: Mapped[str] = mapped_column(String(200), index=True)
    tags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    audits: Mapped[list[Audit]] = relationship(back_populates="checkpoint")


class DatasetRecord(Base):
    """An evaluation set, stored once per content hash with its rows."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    rows: Mapped[list[DatasetRow]] = relationship(
        back_populates="dataset", order_by="DatasetRow.row", cascade="all, delete-orphan"
    )


class DatasetRow(Base):
    """One sentence of an evaluation set, at its position in the file."""

    __tablename__ = "dataset_rows"
    __table_args__ = (UniqueConstraint("dataset_id", "row", name="uq_dataset_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    sentence_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    toxicity_score: Mapped[float] = mapped_column(Float)
    target_groups: Mapped[list[str]] = mapped_column()

    dataset: Mapped[DatasetRecord] = relationship(back_populates="rows")


class Audit(Base):
    """One audit of a checkpoint on a data set, with its status and provenance."""

    __tablename__ = "audits"
    __table_args__ = (
        Index("ix_audits_checkpoint_created", "checkpoint_id", "created_at"),
        Index("ix_audits_status", "status"),
        Index("ix_audits_reuse", "checkpoint_id", "dataset_id", "settings_hash", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[AuditStatus] = mapped_column(
        Enum(AuditStatus, name="audit_status", native_enum=False, length=16),
        default=AuditStatus.queued,
    )
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    reused_from_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    progressed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Last time the audit moved (started, rows recorded, sent again); the watchdog's clock."""
    worker: Mapped[str | None] = mapped_column(String(200))
    device: Mapped[str | None] = mapped_column(String(200))
    batch_tokens: Mapped[int | None] = mapped_column(Integer)
    """Token budget per batch every chunk scored with: the settings' one, else the one the
    first chunk to load the model chose from its device; results.json records it."""
    software: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    average: Mapped[float | None] = mapped_column(Float)
    """Average safety score, denormalised for the overview page."""
    average_ci_low: Mapped[float | None] = mapped_column(Float)
    average_ci_high: Mapped[float | None] = mapped_column(Float)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The full AuditResult dict (results.json schema) once the audit succeeded."""

    checkpoint: Mapped[Checkpoint] = relationship(back_populates="audits")
    dataset: Mapped[DatasetRecord] = relationship()


class SentenceResult(Base):
    """The perplexity of one data-set row under one audit's checkpoint."""

    __tablename__ = "sentence_results"
    __table_args__ = (UniqueConstraint("audit_id", "row", name="uq_sentence_audit_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    perplexity: Mapped[float | None] = mapped_column(Float)
    scaled_perplexity: Mapped[float | None] = mapped_column(Float)
    unscored_reason: Mapped[str | None] = mapped_column(Text)
    # The sentence was cut to the model's context; results.json counts these.
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class GenerationResult(Base):
    """One continuation of one prompt, with every classifier label's score."""

    __tablename__ = "generation_results"
    __table_args__ = (
        UniqueConstraint(
            "audit_id", "group", "label", "prompt_index", "sample_index", name="uq_generation_key"
        ),
        Index("ix_generation_audit_toxicity", "audit_id", "toxicity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(16))
    prompt_index: Mapped[int] = mapped_column(Integer)
    sample_index: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[str] = mapped_column(Text)
    continuation: Mapped[str] = mapped_column(Text)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    toxicity: Mapped[float | None] = mapped_column(Float)
    unscored_reason: Mapped[str | None] = mapped_column(Text)
    # With several classifiers, {classifier name: {toxicity, unscored_reason, categories}}
    # in the audit's order, headline first; NULL with one (scores and toxicity say it all).
    classifier_scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    """Policy categories the headline classifier named (Llama Guard's S1..S14) when it
    judged the continuation unsafe; NULL otherwise and for classifiers without categories."""


class GroupScoreRecord(Base):
    """A per-group metric of an audit: the safety score or a generation metric."""

    __tablename__ = "group_scores"
    __table_args__ = (
        UniqueConstraint("audit_id", "metric", "group", "label", name="uq_group_score"),
        Index("ix_group_scores_metric_group", "metric", "group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    """"safety" or a generation metric (mean_toxicity, toxic_fraction, ...)."""
    group: Mapped[str] = mapped_column(String(100))
    # "" for metrics that are not split by prompt label (the safety score).
    label: Mapped[str] = mapped_column(String(16), default="")
    value: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    n_harmful: Mapped[int] = mapped_column(Integer, default=0)
    n_neutral: Mapped[int] = mapped_column(Integer, default=0)
    significant: Mapped[bool] = mapped_column(Boolean, default=False)
    unscored_reason: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Grants reads only: a token for a CI gate or a dashboard viewer cannot submit or cancel."""


class PairedDifferenceRecord(Base):
    """The paired differences of two succeeded audits under one set of bootstrap settings.

    Succeeded audits never change, so a comparison computed once serves every later
    request, from any API process (db.compare reads and writes these).
    """

    __tablename__ = "paired_differences"
    __table_args__ = (
        UniqueConstraint(
            "baseline_audit_id",
            "candidate_audit_id",
            "n_resamples",
            "seed",
            "confidence",
            "method",
            name="uq_paired_differences_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    baseline_audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    candidate_audit_id: Mapped[int] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), index=True
    )
    n_resamples: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    confidence: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(100))
    """What computed the differences (db.compare.COMPARISON_METHOD); a new method misses."""
    differences: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """GroupDifference.to_dict() of every group, the average last."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BrowserSession(Base):
    """A signed-in browser: the cookie holds a random id, only its SHA-256 is stored.

    The session stands for the token it was opened with, and for reads only; revoking
    the token ends it, and so do its expiry and logout.
    """

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the cookie's random session id."""
    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    """The token the browser signed in with."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    """When the browser signed in."""
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """After this the session is refused (and deleted when next seen)."""

    token: Mapped[ApiToken] = relationship()
