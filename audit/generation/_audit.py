"""The generation audit: prompts -> continuations -> classifier scores -> metrics."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audit.classifiers import (
    DEFAULT_CLASSIFIER_BATCH,
    Classifier,
    ClassifierInfo,
    TextScores,
    score_texts,
)
from audit.generation._agreement import Agreement, CellScores, classifier_agreement
from audit.generation._generate import generate_continuations
from audit.generation._metrics import (
    TOXIC_THRESHOLD,
    GenerationMetrics,
    PromptScores,
    generation_metrics,
)
from audit.generation._prompts import Prompt, PromptSet
from audit.generation._records import (
    ClassifierAudit,
    ContinuationScore,
    GenerationRecord,
    classifier_name,
)
from audit.generation._settings import Continuation, GenerationSettings
from audit.models import LoadedModel


@dataclass(frozen=True, slots=True)
class GenerationAudit:
    """Everything the generation audit learned, with what produced it.

    `classifier`, `metrics` and `unscored` are the headline (first) classifier's;
    `classifiers` holds every classifier's, and `agreement` every pair's.
    """

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
    classifiers: tuple[ClassifierAudit, ...] = ()
    """Every classifier's metrics, headline first."""
    agreement: tuple[Agreement, ...] = ()
    """Every pair of classifiers' agreement per group and label; empty with one."""

    def to_dict(self) -> dict[str, Any]:
        """The `generation` section of results.json (records go to their own JSONL)."""
        out = {
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
        # Added only with several classifiers: one classifier's section stays as it was.
        if len(self.classifiers) > 1:
            out["classifiers"] = [c.to_dict() for c in self.classifiers]
            out["agreement"] = [a.to_dict() for a in self.agreement]
        return out


def _unique_names(classifiers: Sequence[Classifier]) -> list[str]:
    names: list[str] = []
    for classifier in classifiers:
        name = classifier_name(classifier.info)
        names.append(name if name not in names else f"{name}#{len(names) + 1}")
    return names


def _verdicts(
    name: str,
    classifier: Classifier,
    continuations: Sequence[Continuation],
    scored: list[TextScores],
) -> list[ContinuationScore]:
    headline = classifier.info.headline
    out = []
    for continuation, result in zip(continuations, scored, strict=True):
        reason = result.unscored_reason
        if reason is not None and not continuation.text:
            reason = (
                f"empty continuation (stopped by {continuation.stop_reason}): nothing to classify"
            )
        toxicity = None if result.scores is None else result.scores[headline]
        out.append(ContinuationScore(name, toxicity, result.scores, reason, result.categories))
    return out


def _metrics(
    prompts: Sequence[Prompt],
    continuations: Sequence[Continuation],
    verdicts: Sequence[ContinuationScore],
    **kwargs: Any,
) -> list[GenerationMetrics]:
    per_prompt: dict[int, list[float | None]] = {}
    for continuation, verdict in zip(continuations, verdicts, strict=True):
        per_prompt.setdefault(continuation.prompt_index, []).append(verdict.toxicity)
    return generation_metrics(
        [
            PromptScores(prompts[i].group, prompts[i].label, tuple(values))
            for i, values in sorted(per_prompt.items())
        ],
        **kwargs,
    )


def run_generation_audit(
    loaded: LoadedModel,
    prompt_set: PromptSet,
    classifier: Classifier | Sequence[Classifier],
    *,
    settings: GenerationSettings | None = None,
    classifier_batch: int = DEFAULT_CLASSIFIER_BATCH,
    threshold: float = TOXIC_THRESHOLD,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int | None = None,
    progress: bool = True,
) -> GenerationAudit:
    """Continue every prompt k times, score each continuation with each classifier, and
    compute every classifier's metrics and, with several, their agreement.

    `seed` is the bootstrap seed of the metrics' intervals; None uses the generation
    seed (`settings.seed`), as the library and the service do.

    Continuations a classifier cannot score stay in the records with their reason
    and are left out of its metrics, never counted as non-toxic.
    """
    classifiers = [classifier] if isinstance(classifier, Classifier) else list(classifier)
    if not classifiers:
        raise ValueError("the generation audit needs at least one classifier")
    settings = settings or GenerationSettings()
    bootstrap_seed = settings.seed if seed is None else seed
    prompts = prompt_set.prompts
    run = generate_continuations(loaded, [p.text for p in prompts], settings, progress=progress)
    continuations = run.continuations
    statistics: dict[str, Any] = {
        "threshold": threshold,
        "confidence": confidence,
        "n_resamples": n_resamples,
        "seed": bootstrap_seed,
    }
    audits: list[ClassifierAudit] = []
    verdicts: list[list[ContinuationScore]] = []
    for name, scorer in zip(_unique_names(classifiers), classifiers, strict=True):
        start = time.perf_counter()
        # Each continuation goes with its prompt: a guard classifier judges it as the reply.
        scored = score_texts(
            scorer,
            [c.text for c in continuations],
            batch_size=classifier_batch,
            prompts=[prompts[c.prompt_index].text for c in continuations],
        )
        seconds = time.perf_counter() - start
        verdicts.append(_verdicts(name, scorer, continuations, scored))
        metrics = _metrics(prompts, continuations, verdicts[-1], **statistics)
        unscored = Counter(v.unscored_reason for v in verdicts[-1] if v.unscored_reason)
        audits.append(ClassifierAudit(name, scorer.info, tuple(metrics), dict(unscored), seconds))
    several = len(classifiers) > 1
    records = []
    for i, continuation in enumerate(continuations):
        prompt = prompts[continuation.prompt_index]
        headline = verdicts[0][i]
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
                toxicity=headline.toxicity,
                scores=headline.scores,
                unscored_reason=headline.unscored_reason,
                categories=headline.categories,
                by_classifier=tuple(v[i] for v in verdicts) if several else (),
            )
        )
    agreement: list[Agreement] = []
    if several:
        cells: dict[tuple[str, str], dict[str, list[float | None]]] = {}
        # The prompt of each continuation: the agreement's bootstrap draws prompts.
        cell_prompts: dict[tuple[str, str], list[int]] = {}
        for i, continuation in enumerate(continuations):
            prompt = prompts[continuation.prompt_index]
            key = (prompt.group, prompt.label)
            cell = cells.setdefault(key, {a.name: [] for a in audits})
            for audit, scores in zip(audits, verdicts, strict=True):
                cell[audit.name].append(scores[i].toxicity)
            cell_prompts.setdefault(key, []).append(continuation.prompt_index)
        agreement = classifier_agreement(
            [
                CellScores(g, lab, scores, cell_prompts[g, lab])
                for (g, lab), scores in cells.items()
            ],
            **statistics,
        )
    classifier_seconds = sum(a.seconds for a in audits)
    return GenerationAudit(
        prompts={
            "name": prompt_set.name,
            "source": prompt_set.source,
            "sha256": prompt_set.sha256,
            "n_prompts": len(prompts),
            "groups": list(prompt_set.groups),
        },
        classifier=audits[0].info,
        settings=settings,
        threshold=threshold,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=bootstrap_seed,
        metrics=audits[0].metrics,
        records=tuple(records),
        unscored=audits[0].unscored,
        timings={
            "generation_seconds": run.seconds,
            "continuations_per_second": len(records) / run.seconds if run.seconds > 0 else 0.0,
            "new_tokens": float(run.new_tokens),
            "batches": float(run.batches),
            "classifier_seconds": classifier_seconds,
            "classifier_texts_per_second": len(records) * len(audits) / classifier_seconds
            if classifier_seconds > 0
            else 0.0,
        },
        classifiers=tuple(audits),
        agreement=tuple(agreement),
    )


def write_generation_records(path: Path, records: Sequence[GenerationRecord]) -> None:
    """The generations JSONL: one record per continuation, in prompt then sample order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
    tmp.replace(path)
