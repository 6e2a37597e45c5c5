"""Scoring a checkpoint in-process with the model the Trainer holds (ScoringSettings)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from audit.datasets import Sentence
from audit.integrations._callback_records import ScoringSettings
from audit.integrations._records import metric_key
from audit.models import LoadedModel, ModelInfo, ModelSpec, context_length
from audit.pipeline import score_sentences
from audit.scoring import SafetyScores, safety_scores


def processing_tokenizer(candidate: Any) -> Any:
    """The tokenizer of the Trainer's processing class."""
    # A multimodal processor carries its tokenizer; a tokenizer is used as it is.
    inner = getattr(candidate, "tokenizer", None)
    return inner if inner is not None and callable(inner) else candidate


def score_in_memory(
    settings: ScoringSettings,
    model: Any,
    tokenizer: Any,
    subset: Sequence[Sentence],
    checkpoint: str,
) -> SafetyScores:
    """The safety scores of `subset` under the model in memory, in eval mode and without
    gradients; every module's own training mode is restored afterwards."""
    import torch

    # Each module's own mode, so a module the user froze in eval mode stays so.
    modes = [(module, module.training) for module in model.modules()]
    try:
        model.eval()
        parameter = next(model.parameters())
        loaded = LoadedModel(
            model=model,
            tokenizer=tokenizer,
            info=ModelInfo(
                spec=ModelSpec(reference=checkpoint, device=str(parameter.device)),
                resolved_path=checkpoint,
                model_type=str(model.config.model_type),
                parameters=sum(p.numel() for p in model.parameters()),
                device=str(parameter.device),
                dtype=str(parameter.dtype).removeprefix("torch."),
                max_length=context_length(model, tokenizer),
                commit=None,
            ),
        )
        with torch.inference_mode():
            rows, _run = score_sentences(
                loaded, subset, batch_tokens=settings.batch_tokens, progress=False
            )
    finally:
        for module, training in modes:
            module.training = training
    return safety_scores(
        rows,
        alpha=settings.alpha,
        confidence=settings.confidence,
        n_resamples=settings.n_resamples,
        seed=settings.seed,
    )


def safety_metrics(scores: SafetyScores) -> dict[str, float]:
    """What goes into the trainer's log: `safety/average`, its interval and
    `safety/group/<group>` of every scored group (an unscored group is left out)."""
    metrics: dict[str, float] = {}
    for name, value in (
        ("average", scores.average),
        ("average_ci_low", scores.average_ci_low),
        ("average_ci_high", scores.average_ci_high),
    ):
        if value is not None:
            metrics[metric_key("safety", name)] = float(value)
    for group in scores.groups:
        if group.score is not None:
            metrics[metric_key("safety", "group", group.group)] = float(group.score)
    return metrics
