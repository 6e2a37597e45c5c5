"""Generation options, checked and resolved before any model or classifier loads.

One definition serves the command line and the workers, so `toxaudit generate` and a
job's `settings.generation` accept the same options with the same defaults and errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit.classifiers import ClassifierError, ClassifierSpec, load_classifier, parse_classifier
from audit.datasets import DatasetError
from audit.generation._audit import GenerationAudit, run_generation_audit
from audit.generation._generate import GenerationSettings
from audit.generation._prompts import PromptSet, select_prompts
from audit.generation._sources import load_prompts
from audit.models import LoadedModel

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
    # guard: classifiers (issue 14)
    "guard_policy": None,
    "guard_family": None,
}
"""Every generation option with its default (those of `toxaudit generate`)."""


class GenerationOptionsError(ValueError):
    """Generation options that cannot be run; the message says which and why."""


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """Checked generation options: what to prompt, how to generate, what scores."""

    prompts: PromptSet
    """The selected prompts."""
    classifier: ClassifierSpec
    """The classifier to build (name and arguments, recorded with the results)."""
    settings: GenerationSettings
    """How to generate."""
    classifier_batch: int
    """Texts per classifier batch."""


def generation_request(options: Mapping[str, Any]) -> GenerationRequest:
    """Check the options and select the prompts (cheap: no model, no classifier loaded)."""
    unknown = sorted(set(options) - set(GENERATION_OPTIONS))
    if unknown:
        raise GenerationOptionsError(
            f"unknown generation option(s) {', '.join(unknown)}; known: "
            + ", ".join(GENERATION_OPTIONS)
        )
    merged = {**GENERATION_OPTIONS, **{k: v for k, v in options.items() if v is not None}}
    for required in ("prompts", "classifier"):
        if not isinstance(merged[required], str) or not merged[required]:
            raise GenerationOptionsError(f"generation needs '{required}' (a string)")
    groups = merged["groups"]
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
        if not groups:
            raise GenerationOptionsError("'groups' is empty")
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
                "policy": merged["guard_policy"],
                "family": merged["guard_family"],
            },
        )
        prompts = select_prompts(
            load_prompts(merged["prompts"], groups=groups),
            per_group=int(merged["per_group"]),
            seed=settings.seed,
            groups=groups,
        )
    except (TypeError, ValueError, ClassifierError, DatasetError) as exc:
        raise GenerationOptionsError(str(exc)) from exc
    return GenerationRequest(prompts, spec, settings, int(merged["classifier_batch"]))


def run_generation_request(
    loaded: LoadedModel, request: GenerationRequest, *, n_resamples: int
) -> GenerationAudit:
    """Load the classifier once and run the generation audit on an already loaded model."""
    if n_resamples < 0:
        raise GenerationOptionsError(f"resamples must be >= 0, got {n_resamples}")
    return run_generation_audit(
        loaded,
        request.prompts,
        load_classifier(request.classifier),
        settings=request.settings,
        classifier_batch=request.classifier_batch,
        n_resamples=n_resamples,
    )
