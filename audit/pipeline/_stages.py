"""The optional classifier-based stages of an audit: generation and the classifier-weighted score.

Checked up front (`plan_stages`: no model, no classifier loaded), so a typo fails before
the model loads; run after the perplexities (`run_stages`), so a failing stage loses none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.classifiers import (
    CLASSIFIER_OPTIONS,
    Classifier,
    ClassifierSpec,
    load_classifier,
    parse_classifier,
    score_texts,
)
from audit.datasets import Dataset, load_dataset
from audit.generation import (
    GenerationAudit,
    GenerationRequest,
    classifier_weighted_scores,
    format_generation_table,
    generation_request,
    run_generation_audit,
    toxicity_filler,
    write_generation_records,
)
from audit.models import LoadedModel
from audit.pipeline._options import ClassifierWeightedOptions, EvaluateOptions
from audit.results import AuditResult, format_scores_table
from audit.scoring import ScoredSentence

GENERATIONS_FILE = "generations.jsonl"


@dataclass(frozen=True, slots=True)
class Stages:
    """The classifier-based stages an audit was asked for, checked."""

    generation: GenerationRequest | None
    """The generation audit, when options.generation is set."""
    weighted: ClassifierWeightedOptions | None
    """The classifier-weighted score's options, when options.classifier_weighted is set."""
    weighted_classifier: ClassifierSpec | None
    """The classifier of the weighted score (the generation's when they are the same)."""


@dataclass(frozen=True, slots=True)
class StagesOutcome:
    """What the stages produced."""

    result: AuditResult
    """The run's result with the stages' sections added to `extra`."""
    report: str
    """The stages' tables as text; empty when no stage ran."""
    generation: GenerationAudit | None
    """The generation audit; None when it was not asked for."""


def plan_stages(options: EvaluateOptions) -> Stages:
    """Check the stages' options and select the prompts (cheap: nothing is loaded)."""
    request = None
    if options.generation is not None:
        request = generation_request(
            options.generation, allow_pickle=options.classifier_allow_pickle
        )
    weighted = options.classifier_weighted
    spec = None
    if weighted is not None:
        spec = parse_classifier(
            weighted.classifier,
            options={
                argument: getattr(weighted, option)
                for option, argument in CLASSIFIER_OPTIONS.items()
            },
            allow_pickle=options.classifier_allow_pickle,
        )
    return Stages(request, weighted, spec)


def load_stage_dataset(
    reference: str | Path | Dataset, stages: Stages
) -> tuple[Dataset, Classifier | None]:
    """The data set, and the weighted score's classifier if reading the set needed it.

    Only with the classifier-weighted score may a set lack toxicity_score: every row's is
    then 1 + 4 * p_toxic from the classifier, loaded for that once (the stages reuse it).
    """
    if isinstance(reference, Dataset):
        return reference, None
    if stages.weighted is None or stages.weighted_classifier is None:
        return load_dataset(str(reference)), None
    spec, batch = stages.weighted_classifier, stages.weighted.classifier_batch
    loaded: list[Classifier] = []

    def fill(texts: Sequence[str]) -> Sequence[float | str]:
        classifier = load_classifier(spec)
        loaded.append(classifier)
        return toxicity_filler(classifier, batch_size=batch)(texts)

    dataset = load_dataset(str(reference), fill_toxicity=fill, filled_by=f"classifier {spec}")
    return dataset, (loaded[0] if loaded else None)


def run_stages(
    stages: Stages,
    loaded: LoadedModel,
    result: AuditResult,
    rows: Sequence[ScoredSentence],
    *,
    output_dir: Path | None,
    classifier: Classifier | None = None,
    toxicity_from: str | None = None,
) -> StagesOutcome:
    """Run the requested stages, with the weighted score's classifier if already loaded.

    `toxicity_from` names what filled in the toxicity of a set that had none: the run's
    scores are then already classifier-weighted and are not computed twice. The
    generations are written to output_dir/generations.jsonl when output_dir is given.
    """
    # Each classifier loads once: the generation's serves the weighted score when equal.
    classifiers: list[tuple[ClassifierSpec, Classifier]] = []
    if classifier is not None and stages.weighted_classifier is not None:
        classifiers.append((stages.weighted_classifier, classifier))

    def classifier_for(spec: ClassifierSpec) -> Classifier:
        for known, built in classifiers:
            if known == spec:
                return built
        classifiers.append((spec, load_classifier(spec)))
        return classifiers[-1][1]

    audit = None
    extra: dict[str, Any] = dict(result.extra)
    printed: list[str] = []
    if stages.generation is not None:
        request = stages.generation
        audit = run_generation_audit(
            loaded,
            request.prompts,
            [classifier_for(spec) for spec in request.classifiers],
            settings=request.settings,
            classifier_batch=request.classifier_batch,
            n_resamples=result.settings.n_resamples,
        )
        where = "kept in memory"
        section: dict[str, Any] = audit.to_dict()
        if output_dir is not None:
            write_generation_records(output_dir / GENERATIONS_FILE, audit.records)
            section["records_file"] = GENERATIONS_FILE
            where = f"each in {output_dir / GENERATIONS_FILE}"
        extra["generation"] = section
        printed += [
            "",
            f"generation audit ({len(audit.records)} continuations, "
            f"{audit.timings['continuations_per_second']:.1f}/s; {where})",
            format_generation_table(audit),
        ]
    if stages.weighted is not None and stages.weighted_classifier is not None:
        weighting = classifier_for(stages.weighted_classifier)
        headline = weighting.info.headline
        if toxicity_from is not None:
            extra["classifier_weighted"] = {
                "classifier": weighting.info.to_dict(),
                "toxicity_score": "1 + 4 * p_toxic",
                "annotations": f"none in the data set: toxicity_score filled in by "
                f"{toxicity_from}, so the run's scores are this score",
                "scores": result.scores.to_dict(),
            }
            printed += [
                "",
                "classifier-weighted safety score: the table above (the data set has no "
                f"toxicity_score; 1 + 4 * p({headline}) from {toxicity_from})",
            ]
        else:
            scores = score_texts(
                weighting,
                [row.sentence.text for row in rows],
                batch_size=stages.weighted.classifier_batch,
            )
            weighted = classifier_weighted_scores(
                rows,
                scores,
                headline,
                alpha=result.settings.alpha,
                confidence=result.settings.confidence,
                n_resamples=result.settings.n_resamples,
                seed=result.settings.seed,
            )
            extra["classifier_weighted"] = {
                "classifier": weighting.info.to_dict(),
                "toxicity_score": "1 + 4 * p_toxic",
                "scores": weighted.to_dict(),
            }
            printed += [
                "",
                f"classifier-weighted safety score (toxicity_score = 1 + 4 * p({headline}))",
                format_scores_table(weighted),
            ]
    return StagesOutcome(dataclasses.replace(result, extra=extra), "\n".join(printed), audit)
