"""A small synthetic results database: the built-in sample sentences, made-up perplexities.

Scores are computed from the synthetic perplexities with the real statistics, so the
numbers on the pages agree with each other (compare table, trend, drill-down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import numpy as np
from sqlalchemy import insert
from sqlalchemy.orm import Session

from audit.datasets import Sentence, load_dataset, sample_sentences
from audit.scoring import SafetyScores, ScoredSentence, safety_scores
from db import (
    Audit,
    AuditStatus,
    Checkpoint,
    DatasetRecord,
    GenerationResult,
    GroupScoreRecord,
    SentenceResult,
    get_or_create_dataset,
)

SETTINGS: dict[str, float | int] = {
    "alpha": 0.05,
    "confidence": 0.95,
    "n_resamples": 400,
    "seed": 0,
    "batch_tokens": 4096,
}
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DROPPED_GROUP = "women"
"""The group whose harmful sentences the newest checkpoint finds much more likely."""


@dataclass(frozen=True)
class Seeded:
    """Ids of what `seed_database` wrote."""

    dataset_id: int
    steps: dict[int, int]
    """training step -> succeeded audit id of org/tiny-lm."""
    other_audit: int
    """The succeeded audit of org/other-lm."""
    running_audit: int
    failed_audit: int
    generation_audit: int
    unscored_row: int


def _perplexities(
    sentences: tuple[Sentence, ...], step: int, rng: np.random.Generator
) -> list[float | None]:
    # Each group draws 12 typical scaled perplexities; its neutral sentences get them
    # as they are, its harmful ones scaled up (safe) or down (the dropped group).
    base: dict[str, list[float]] = {}
    seen: dict[tuple[str, str], int] = {}
    out: list[float | None] = []
    for s in sentences:
        group = s.target_groups[0]
        values = base.setdefault(group, list(np.exp(3.0 + rng.normal(0, 0.35, 12))))
        index = seen[(group, s.label)] = seen.get((group, s.label), -1) + 1
        scaled = values[index % 12]
        if s.label == "hate" and group not in ("asian", "lgbtq"):
            # asian and lgbtq keep identical harmful and neutral values: score 0.5, p = 1.
            dropped = step >= 3000 and group == DROPPED_GROUP
            scaled *= (0.35 if dropped else 2.2) * math.exp(rng.normal(0, 0.3))
        out.append(scaled * s.toxicity_score)
    return out


@cache
def _scored(step: int, unscored_row: int | None) -> tuple[list[ScoredSentence], SafetyScores]:
    # Pure in its arguments, and the bootstrap is the slow part of seeding: compute once.
    sentences = sample_sentences()
    ppl = _perplexities(sentences, step, np.random.default_rng(step))
    if unscored_row is not None:
        ppl[unscored_row] = None
    scored = [
        ScoredSentence(s, p, None if p is not None else "too short")
        for s, p in zip(sentences, ppl, strict=True)
    ]
    scores = safety_scores(
        scored,
        n_resamples=int(SETTINGS["n_resamples"]),
        seed=int(SETTINGS["seed"]),
        alpha=float(SETTINGS["alpha"]),
    )
    return scored, scores


def _audit(
    session: Session,
    checkpoint: Checkpoint,
    dataset: DatasetRecord,
    sentences: tuple[Sentence, ...],
    *,
    step: int,
    created: datetime,
    unscored_row: int | None = None,
) -> Audit:
    scored, scores = _scored(step, unscored_row)
    audit = Audit(
        checkpoint=checkpoint,
        dataset=dataset,
        settings=dict(SETTINGS),
        settings_hash=f"{step:064d}",
        status=AuditStatus.succeeded,
        progress_done=len(sentences),
        progress_total=len(sentences),
        created_at=created,
        started_at=created + timedelta(seconds=5),
        finished_at=created + timedelta(minutes=3),
        worker="worker-1",
        device="cpu",
        software={"toxaudit": "0.1.0", "torch": "2.5.0", "transformers": "5.0.0"},
        model_info={
            "reference": checkpoint.model,
            "revision": checkpoint.revision,
            "dtype": "float32",
        },
        timings={"load": 1.5, "perplexity": 160.0, "statistics": 0.8},
        average=scores.average,
        average_ci_low=scores.average_ci_low,
        average_ci_high=scores.average_ci_high,
        results={
            "name": checkpoint.label,
            "scores": scores.to_dict(),
            "unscored": {"too short": 1} if unscored_row is not None else {},
            "truncated": 0,
            "machine": {"cpu_count": 2},
        },
    )
    session.add(audit)
    session.flush()
    session.execute(
        insert(SentenceResult),
        [
            {
                "audit_id": audit.id,
                "row": i,
                "perplexity": s.perplexity,
                "scaled_perplexity": s.scaled_perplexity,
                "unscored_reason": s.unscored_reason,
            }
            for i, s in enumerate(scored)
        ],
    )
    session.execute(
        insert(GroupScoreRecord),
        [
            dict(
                audit_id=audit.id,
                metric="safety",
                group=g.group,
                label="",
                value=g.score,
                ci_low=g.ci_low,
                ci_high=g.ci_high,
                p_value=g.p_value,
                n_harmful=g.n_harmful,
                n_neutral=g.n_neutral,
                significant=g.significant,
                unscored_reason=g.unscored_reason,
            )
            for g in scores.groups
        ],
    )
    return audit


def _generation(session: Session, audit: Audit, groups: list[str]) -> None:
    rng = np.random.default_rng(7)
    continuations: list[dict[str, object]] = []
    metrics: list[dict[str, object]] = []
    for group in groups:
        for label in ("hate", "neutral"):
            values = []
            for prompt_index in range(3):
                for sample_index in range(2):
                    toxicity = float(rng.beta(2, 5 if label == "neutral" else 2))
                    values.append(toxicity)
                    continuations.append(
                        {
                            "audit_id": audit.id,
                            "group": group,
                            "label": label,
                            "prompt_index": prompt_index,
                            "sample_index": sample_index,
                            "prompt": f"Synthetic {label} prompt {prompt_index} about {group}.",
                            "continuation": f"Synthetic continuation {sample_index} ({toxicity:.2f}).",
                            "scores": {"toxicity": toxicity},
                            "toxicity": toxicity,
                        }
                    )
            mean = float(np.mean(values))
            fraction = float(np.mean([v >= 0.5 for v in values]))
            for metric, value in (("mean_toxicity", mean), ("toxic_fraction", fraction)):
                metrics.append(
                    {
                        "audit_id": audit.id,
                        "metric": metric,
                        "group": group,
                        "label": label,
                        "value": value,
                        "ci_low": max(value - 0.1, 0.0),
                        "ci_high": min(value + 0.1, 1.0),
                    }
                )
    session.execute(insert(GenerationResult), continuations)
    session.execute(insert(GroupScoreRecord), metrics)


def seed_database(session: Session) -> Seeded:
    """Write the synthetic audits; flushes, the caller commits (or rolls back)."""
    sentences = sample_sentences()
    dataset = get_or_create_dataset(session, load_dataset("sample"))
    steps: dict[int, int] = {}
    checkpoints: dict[int, Checkpoint] = {}
    unscored_row = 5
    for index, step in enumerate((1000, 2000, 3000, 4000, 5000)):
        checkpoint = Checkpoint(
            model="org/tiny-lm",
            revision=f"step-{step}",
            step=step,
            label=f"tiny-lm step {step}",
            tags=["nightly"] if step != 2000 else ["nightly", "release"],
            created_at=T0 + timedelta(days=index),
        )
        session.add(checkpoint)
        checkpoints[step] = checkpoint
        if step <= 3000:
            audit = _audit(
                session,
                checkpoint,
                dataset,
                sentences,
                step=step,
                created=T0 + timedelta(days=index, hours=1),
                unscored_row=unscored_row if step == 3000 else None,
            )
            steps[step] = audit.id
    other = Checkpoint(
        model="org/other-lm", revision="", label="other-lm", tags=["baseline"], created_at=T0
    )
    session.add(other)
    other_audit = _audit(
        session, other, dataset, sentences, step=1, created=T0 + timedelta(hours=2)
    )
    running = Audit(
        checkpoint=checkpoints[4000],
        dataset=dataset,
        settings=dict(SETTINGS),
        settings_hash="r" * 64,
        status=AuditStatus.running,
        progress_done=120,
        progress_total=len(sentences),
        created_at=T0 + timedelta(days=4),
        started_at=T0 + timedelta(days=4, seconds=3),
    )
    failed = Audit(
        checkpoint=checkpoints[5000],
        dataset=dataset,
        settings=dict(SETTINGS),
        settings_hash="f" * 64,
        status=AuditStatus.failed,
        error="ModelLoadError: org/tiny-lm@step-5000: no weights found",
        created_at=T0 + timedelta(days=5),
        finished_at=T0 + timedelta(days=5, minutes=1),
    )
    session.add_all([running, failed])
    session.flush()
    generation_audit = session.get(Audit, steps[2000])
    assert generation_audit is not None
    _generation(session, generation_audit, sorted({g for s in sentences for g in s.target_groups}))
    session.flush()
    return Seeded(
        dataset_id=dataset.id,
        steps=steps,
        other_audit=other_audit.id,
        running_audit=running.id,
        failed_audit=failed.id,
        generation_audit=generation_audit.id,
        unscored_row=unscored_row,
    )
