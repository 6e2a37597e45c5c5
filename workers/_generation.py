"""The generation stage of a job: the options of `settings.generation` to audit.generation.

A job whose settings carry a `generation` section asks for continuations, classifier
scores and generation metrics on top of the safety score. The stage runs with the
aggregation, on the `gpu` queue (it needs the model): rows are upserted keyed on job,
group, label, prompt and sample, metrics replace the job's earlier generation rows, so
a redelivered stage writes nothing twice. Its section joins the job's results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from db import SAFETY_METRIC, GenerationResult, GroupScoreRecord
from db._submit import _upsert_insert

if TYPE_CHECKING:
    from audit.classifiers import ClassifierSpec
    from audit.generation import GenerationAudit, GenerationSettings, PromptSet
    from audit.models import LoadedModel

# The options a job may give, with the defaults of `toxaudit generate`.
GENERATION_OPTIONS: dict[str, Any] = {
    "prompts": None,
    "classifier": None,
    "per_group": 50,
    "groups": None,
    "samples": 1,
    "temperature": 0.0,
    "top_p": 1.0,
    "max_new_tokens": 32,
    "seed": 0,
    "batch_tokens": None,
    "classifier_batch": 32,
    "classifier_config": None,
    "classifier_labels": None,
    "toxic_label": None,
    "classifier_device": None,
}
METRICS: tuple[str, ...] = (
    "mean_toxicity",
    "toxic_fraction",
    "expected_max_toxicity",
    "toxicity_probability",
)


class GenerationOptionsError(ValueError):
    """The job's generation options cannot be run; the message says which and why."""


def generation_requested(settings: Mapping[str, Any]) -> bool:
    """The job's settings ask for a generation audit."""
    return bool(settings.get("generation"))


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """The generation options, checked."""

    prompts: PromptSet
    classifier: ClassifierSpec
    settings: GenerationSettings
    classifier_batch: int


def generation_request(options: Mapping[str, Any]) -> GenerationRequest:
    """Check the options and select the prompts (no model, no classifier loaded)."""
    from audit.classifiers import ClassifierError, parse_classifier
    from audit.datasets import DatasetError
    from audit.generation import GenerationSettings, load_prompts, select_prompts

    unknown = sorted(set(options) - set(GENERATION_OPTIONS))
    if unknown:
        raise GenerationOptionsError(
            f"unknown generation option(s) {', '.join(unknown)}; known: "
            + ", ".join(GENERATION_OPTIONS)
        )
    merged = {**GENERATION_OPTIONS, **options}
    for required in ("prompts", "classifier"):
        if not isinstance(merged[required], str) or not merged[required]:
            raise GenerationOptionsError(f"generation needs '{required}' (a string)")
    groups = merged["groups"]
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    try:
        settings = GenerationSettings(
            max_new_tokens=int(merged["max_new_tokens"]),
            samples=int(merged["samples"]),
            temperature=float(merged["temperature"]),
            top_p=float(merged["top_p"]),
            seed=int(merged["seed"]),
            batch_tokens=merged["batch_tokens"],
        )
        spec = parse_classifier(
            merged["classifier"],
            options={
                "config": merged["classifier_config"],
                "labels": merged["classifier_labels"],
                "toxic_label": merged["toxic_label"],
                "device": merged["classifier_device"],
            },
        )
        prompts = select_prompts(
            load_prompts(merged["prompts"], groups=groups),
            per_group=int(merged["per_group"]),
            seed=settings.seed,
            groups=groups,
        )
    except (TypeError, ValueError, ClassifierError, DatasetError) as exc:
        raise GenerationOptionsError(f"generation options: {exc}") from exc
    return GenerationRequest(prompts, spec, settings, int(merged["classifier_batch"]))


def run_generation(
    loaded: LoadedModel, request: GenerationRequest, *, n_resamples: int
) -> GenerationAudit:
    from audit.classifiers import load_classifier
    from audit.generation import run_generation_audit

    return run_generation_audit(
        loaded,
        request.prompts,
        load_classifier(request.classifier),
        settings=request.settings,
        classifier_batch=request.classifier_batch,
        n_resamples=n_resamples,
        progress=False,
    )


def record_generation(session: Session, job_id: int, audit: GenerationAudit) -> dict[str, Any]:
    """Upsert the continuations and replace the generation metrics; the results section."""
    rows = [
        {
            "job_id": job_id,
            "group": r.group,
            "label": r.label,
            "prompt_index": r.prompt_index,
            "sample_index": r.sample_index,
            "prompt": r.prompt,
            "continuation": r.continuation,
            "scores": dict(r.scores) if r.scores is not None else {},
            "toxicity": r.toxicity,
            "unscored_reason": r.unscored_reason,
        }
        for r in audit.records
    ]
    if rows:
        session.execute(
            _upsert_insert(session, GenerationResult)
            .values(rows)
            .on_conflict_do_nothing(
                index_elements=["job_id", "group", "label", "prompt_index", "sample_index"]
            )
        )
    session.execute(
        delete(GroupScoreRecord).where(
            GroupScoreRecord.job_id == job_id, GroupScoreRecord.metric != SAFETY_METRIC
        )
    )
    metrics = []
    for cell in audit.metrics:
        for name in METRICS:
            estimate = getattr(cell, name)
            metrics.append(
                {
                    "job_id": job_id,
                    "metric": name,
                    "group": cell.group,
                    "label": cell.label,
                    "value": None if estimate is None else estimate.value,
                    "ci_low": None if estimate is None else estimate.ci_low,
                    "ci_high": None if estimate is None else estimate.ci_high,
                    "p_value": None,
                    # Scored continuations, counted under the prompt's label.
                    "n_harmful": cell.n_scored if cell.label == "hate" else 0,
                    "n_neutral": cell.n_scored if cell.label == "neutral" else 0,
                    "significant": False,
                    "unscored_reason": cell.unscored_reason,
                }
            )
    if metrics:
        session.execute(_upsert_insert(session, GroupScoreRecord), metrics)
    return audit.to_dict()
