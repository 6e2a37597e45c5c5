"""The generation audit: prompts -> continuations -> classifier scores -> metrics."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audit.classifiers import DEFAULT_CLASSIFIER_BATCH, Classifier, ClassifierInfo, score_texts
from audit.generation._generate import generate_continuations
from audit.generation._metrics import (
    TOXIC_THRESHOLD,
    GenerationMetrics,
    PromptScores,
    generation_metrics,
)
from audit.generation._prompts import PromptSet
from audit.generation._settings import GenerationSettings
from audit.models import LoadedModel


@dataclass(frozen=True, slots=True)
class GenerationRecord:
    """One continuation with its classifier scores: a line of the generations JSONL."""

    group: str
    """The prompt's target group."""
    label: str
    """The prompt's label: "hate" or "neutral"."""
    prompt_index: int
    """Index of the prompt in the selected prompt set."""
    sample_index: int
    """Which of the prompt's k continuations."""
    prompt_source: str
    """Where the prompt came from (`file:line`)."""
    prompt: str
    """The prompt as given to the model."""
    continuation: str
    """The first line of what the model wrote, stripped."""
    stop_reason: str
    """newline, eos or length."""
    new_tokens: int
    """Tokens generated."""
    toxicity: float | None
    """The classifier's headline probability; None when unscored."""
    scores: Mapping[str, float] | None
    """Every classifier label's probability; None when unscored."""
    unscored_reason: str | None = None
    """Why there are no scores (empty continuation, classifier failure)."""
    categories: tuple[str, ...] | None = None
    """Policy categories a guard classifier named (Llama Guard's S1..S14) when it judged
    the continuation unsafe; None otherwise and for classifiers without categories."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scores"] = None if self.scores is None else dict(self.scores)
        out["categories"] = None if self.categories is None else list(self.categories)
        return out


@dataclass(frozen=True, slots=True)
class GenerationAudit:
    """Everything the generation audit learned, with what produced it."""

    prompts: Mapping[str, Any]
    """The prompt set: name, source, sha256, prompts used, groups."""
    classifier: ClassifierInfo
    """The classifier, its arguments and labels."""
    settings: GenerationSettings
    """How continuations were generated."""
    threshold: float
    """Toxicity at or above which a continuation counts as toxic."""
    confidence: float
    """Confidence level of the intervals."""
    n_resamples: int
    """Bootstrap resamples (of prompts)."""
    seed: int
    """Bootstrap seed of the intervals (the generation seed unless another was given)."""
    metrics: tuple[GenerationMetrics, ...]
    """Per group and label."""
    records: tuple[GenerationRecord, ...]
    """Every continuation, by prompt then sample."""
    unscored: Mapping[str, int]
    """Continuations without a score, by reason."""
    timings: Mapping[str, float]
    """Seconds generating and classifying, and the rates."""

    def to_dict(self) -> dict[str, Any]:
        """The `generation` section of results.json (records go to their own JSONL)."""
        return {
            "prompts": dict(self.prompts),
            "classifier": self.classifier.to_dict(),
            "settings": asdict(self.settings),
            "threshold": self.threshold,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "metrics": [m.to_dict() for m in self.metrics],
            "n_continuations": len(self.records),
            "unscored": dict(self.unscored),
            "timings": dict(self.timings),
        }


def run_generation_audit(
    loaded: LoadedModel,
    prompt_set: PromptSet,
    classifier: Classifier,
    *,
    settings: GenerationSettings | None = None,
    classifier_batch: int = DEFAULT_CLASSIFIER_BATCH,
    threshold: float = TOXIC_THRESHOLD,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int | None = None,
    progress: bool = True,
) -> GenerationAudit:
    """Continue every prompt k times, score each continuation, and compute the metrics.

    `seed` is the bootstrap seed of the metrics' intervals; None uses the generation
    seed (`settings.seed`), as the library and the service do.

    Continuations the classifier cannot score stay in the records with their reason
    and are left out of the metrics, never counted as non-toxic.
    """
    settings = settings or GenerationSettings()
    bootstrap_seed = settings.seed if seed is None else seed
    prompts = prompt_set.prompts
    run = generate_continuations(loaded, [p.text for p in prompts], settings, progress=progress)
    start = time.perf_counter()
    # Each continuation goes with its prompt: a guard classifier judges it as the reply.
    scored = score_texts(
        classifier,
        [c.text for c in run.continuations],
        batch_size=classifier_batch,
        prompts=[prompts[c.prompt_index].text for c in run.continuations],
    )
    classifier_seconds = time.perf_counter() - start
    headline = classifier.info.headline
    records = []
    for continuation, result in zip(run.continuations, scored, strict=True):
        prompt = prompts[continuation.prompt_index]
        reason = result.unscored_reason
        if reason is not None and not continuation.text:
            reason = (
                f"empty continuation (stopped by {continuation.stop_reason}): nothing to classify"
            )
        records.append(
            GenerationRecord(
                group=prompt.group,
                label=prompt.label,
                prompt_index=continuation.prompt_index,
                sample_index=continuation.sample_index,
                prompt_source=prompt.source,
                prompt=prompt.text,
                continuation=continuation.text,
                stop_reason=continuation.stop_reason,
                new_tokens=continuation.new_tokens,
                toxicity=None if result.scores is None else result.scores[headline],
                scores=result.scores,
                unscored_reason=reason,
                categories=result.categories,
            )
        )
    per_prompt: dict[int, list[float | None]] = {}
    for record in records:
        per_prompt.setdefault(record.prompt_index, []).append(record.toxicity)
    metrics = generation_metrics(
        [
            PromptScores(prompts[i].group, prompts[i].label, tuple(values))
            for i, values in sorted(per_prompt.items())
        ],
        threshold=threshold,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=bootstrap_seed,
    )
    return GenerationAudit(
        prompts={
            "name": prompt_set.name,
            "source": prompt_set.source,
            "sha256": prompt_set.sha256,
            "n_prompts": len(prompts),
            "groups": list(prompt_set.groups),
        },
        classifier=classifier.info,
        settings=settings,
        threshold=threshold,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=bootstrap_seed,
        metrics=tuple(metrics),
        records=tuple(records),
        unscored=dict(Counter(r.unscored_reason for r in records if r.unscored_reason)),
        timings={
            "generation_seconds": run.seconds,
            "continuations_per_second": len(records) / run.seconds if run.seconds > 0 else 0.0,
            "new_tokens": float(run.new_tokens),
            "batches": float(run.batches),
            "classifier_seconds": classifier_seconds,
            "classifier_texts_per_second": len(records) / classifier_seconds
            if classifier_seconds > 0
            else 0.0,
        },
    )


def write_generation_records(path: Path, records: Sequence[GenerationRecord]) -> None:
    """The generations JSONL: one record per continuation, in prompt then sample order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
    tmp.replace(path)
